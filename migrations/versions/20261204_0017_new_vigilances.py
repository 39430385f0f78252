"""Whether a report's reaction was unexpected

Revision ID: 0017_new_vigilances
Revises: 0014_alerts
Create Date: 2026-12-04 23:40:00

Biovigilance (CSP R.1211-30) and assisted reproduction vigilance (R.2142-47 3°) declare an
unexpected adverse reaction even when it is not serious: the report says so when the reporter
knows. Reports filed before say nothing (NULL): their correspondents assess it, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_new_vigilances"
down_revision = "0014_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite adds and drops a column in place since 3.35):
    # no batch copy of the table, which would lose its triggers and expression indexes.
    op.add_column("reports", sa.Column("unexpected", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("reports", "unexpected")
