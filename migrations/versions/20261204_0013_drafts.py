"""Drafts of the report form, kept on the server until filed, deleted or too old

Revision ID: 0013_drafts
Revises: 0010_web_sessions
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0013_drafts"
down_revision = "0010_web_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_drafts_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("owner_id", "form_token", name=op.f("uq_drafts_owner_id_form_token")),
    )
    op.create_index("ix_drafts_owner_id", "drafts", ["owner_id"], unique=False)
    op.create_index("ix_drafts_updated_at", "drafts", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_drafts_updated_at", table_name="drafts")
    op.drop_index("ix_drafts_owner_id", table_name="drafts")
    op.drop_table("drafts")
