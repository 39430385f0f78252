"""Alerts on arrival and on questions, and each person's choice of alert emails (a table of its own)

Revision ID: 0014_alerts
Revises: 0016_reporter_contact
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0014_alerts"
down_revision = "0016_reporter_contact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=True),
        sa.Column("information_request_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("emailed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_alerts_report_id_reports")),
        sa.ForeignKeyConstraint(
            ["queue_item_id"], ["queue_items.id"], name=op.f("fk_alerts_queue_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(
            ["information_request_id"],
            ["information_requests.id"],
            name=op.f("fk_alerts_information_request_id_information_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alerts_dedupe_key")),
    )
    op.create_index("ix_alerts_user_id", "alerts", ["user_id"], unique=False)
    op.create_index("ix_alerts_report_id", "alerts", ["report_id"], unique=False)
    op.create_index("ix_alerts_user_read", "alerts", ["user_id", "read_at"], unique=False)
    op.create_table(
        "alert_email_choices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alert_email_choices_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_alert_email_choices")),
    )


def downgrade() -> None:
    op.drop_table("alert_email_choices")
    op.drop_index("ix_alerts_user_read", table_name="alerts")
    op.drop_index("ix_alerts_report_id", table_name="alerts")
    op.drop_index("ix_alerts_user_id", table_name="alerts")
    op.drop_table("alerts")
