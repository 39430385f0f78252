"""Single sign-on: the identities an OpenID provider vouches for, and first sign-ins waiting

Revision ID: 0026_single_sign_on
Revises: 0027_imports
Create Date: 2026-12-05 04:00:00

``user_identities`` links an account to an issuer's subject (``sub``); ``sign_in_requests``
keeps a first sign-in by someone unknown until an administrator approves or refuses it. Two new
tables, nothing changed in the others: a downgrade drops them (accounts stay; their people
sign in with a password again, or are linked again at their next single sign-on).
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0026_single_sign_on"
down_revision = "0027_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_identities_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_user_identities_issuer_subject")),
    )
    op.create_index("ix_user_identities_user_id", "user_identities", ["user_id"], unique=False)
    op.create_table(
        "sign_in_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=True),
        sa.Column("finess", sa.String(length=9), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_sign_in_requests_decided_by_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sign_in_requests_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_requests")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sign_in_requests_issuer_subject")),
    )
    op.create_index("ix_sign_in_requests_status", "sign_in_requests", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sign_in_requests_status", table_name="sign_in_requests")
    op.drop_table("sign_in_requests")
    op.drop_index("ix_user_identities_user_id", table_name="user_identities")
    op.drop_table("user_identities")
