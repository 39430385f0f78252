"""Imputability levels of every scale fit: WHO-UMC's "unassessable" is twelve letters

Revision ID: 0008_imputability_length
Revises: 0007_closed_items_last
Create Date: 2026-11-22 06:00:00
"""

import warnings

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

revision = "0008_imputability_length"
down_revision = "0007_closed_items_last"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Eight characters held the haemovigilance and tissue scales ("NE", "0".."3") but not the
    # word levels of WHO-UMC ("unassessable", "conditional") or MDCG 2023-3 ("not_related"):
    # PostgreSQL refused such an assessment.
    _resize_imputability(from_length=8, to_length=24)


def downgrade() -> None:
    longest = op.get_bind().execute(sa.text("SELECT max(length(imputability)) FROM assessments")).scalar()
    if longest is not None and longest > 8:
        raise RuntimeError(
            "Cannot downgrade below 0008: assessments hold imputability levels longer than eight "
            "characters (WHO-UMC, MDCG), which the older column cannot keep."
        )
    _resize_imputability(from_length=24, to_length=8)


def _resize_imputability(*, from_length: int, to_length: int) -> None:
    # SQLite has no ALTER COLUMN TYPE: batch mode copies the assessments table. Reflecting it
    # also reflects queue_items (a foreign key points there), whose expression index SQLAlchemy
    # cannot reflect and says so; queue_items itself is not rebuilt, so its index stays.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        with op.batch_alter_table("assessments") as batch:
            batch.alter_column(
                "imputability",
                type_=sa.String(length=to_length),
                existing_type=sa.String(length=from_length),
                existing_nullable=True,
            )
