"""Server-side page sessions

Revision ID: 0010_web_sessions
Revises: 0009_status_count_triggers
Create Date: 2026-12-04 20:40:00

The session cookie no longer carries anything of the password: it holds a random key, and the
``web_sessions`` row says whose session it is, since when, and whether and why it ended.
Sessions signed in before this migration (the old cookie) are simply asked to sign in again.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import vigilance.models.types

revision = "0010_web_sessions"
down_revision = "0009_status_count_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grants", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", vigilance.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", vigilance.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", vigilance.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_key_hash"), ["key_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_key_hash"))
    op.drop_table("web_sessions")
