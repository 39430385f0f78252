"""Attachments: files attached to a report by its reporter, or to a queue item by its correspondents

Revision ID: 0023_attachments
Revises: 0022_identifiers
Create Date: 2026-12-05 03:45:00

Only what describes each file is in the database; the bytes are in the attachment store
(``VIGILANCE_ATTACHMENTS_DIR``), under the row's random ``storage_key``. A downgrade drops the
rows and leaves the files where they are: they are then orphans, which nobody can reach (every
download goes through a row) and ``vigilance.attachments.sweep_orphans`` removes.
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0023_attachments"
down_revision = "0022_identifiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_attachments_report_id_reports")),
        sa.ForeignKeyConstraint(
            ["queue_item_id"], ["queue_items.id"], name=op.f("fk_attachments_queue_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_attachments_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachments_storage_key")),
    )
    op.create_index("ix_attachments_report_id", "attachments", ["report_id"], unique=False)
    op.create_index("ix_attachments_queue_item_id", "attachments", ["queue_item_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_attachments_queue_item_id", table_name="attachments")
    op.drop_index("ix_attachments_report_id", table_name="attachments")
    op.drop_table("attachments")
