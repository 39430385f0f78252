"""How to reach a report's author, and questions withdrawn when their item is closed

Revision ID: 0016_reporter_contact
Revises: 0015_declared_at
Create Date: 2026-12-04 21:45:00

A report may name the reporter's unit (care unit, department) and a telephone number to reach
them: the reporter's own contact, never the patient's; both optional, as reports filed before
carry neither. A question still open when its item is closed is withdrawn, with the time it was:
the reporter then sees it withdrawn, and can no longer answer it.
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0016_reporter_contact"
down_revision = "0015_declared_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite adds and drops a column in place since 3.35):
    # no batch copy of the tables, which would lose their triggers and expression indexes.
    op.add_column("reports", sa.Column("reporter_unit", sa.String(length=120), nullable=True))
    op.add_column("reports", sa.Column("reporter_phone", sa.String(length=30), nullable=True))
    op.add_column("information_requests", sa.Column("withdrawn_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("information_requests", "withdrawn_at")
    op.drop_column("reports", "reporter_phone")
    op.drop_column("reports", "reporter_unit")
