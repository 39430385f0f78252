"""Several products per report: each one in report_products; existing reports get their one product

Revision ID: 0019_report_products
Revises: 0020_plans_copies
Create Date: 2026-12-04 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_report_products"
down_revision = "0020_plans_copies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("matched_by", sa.String(length=20), nullable=True),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.Column("is_principal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_report_products_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_products")),
        sa.UniqueConstraint("report_id", "position", name=op.f("uq_report_products_report_id_position")),
    )
    op.create_index("ix_report_products_report_id", "report_products", ["report_id"], unique=False)
    # Every report so far named one product: it is that report's first, and principal, product,
    # qualified as the report was (a requalified one as the person qualified it).
    op.execute(
        "INSERT INTO report_products (report_id, position, name, answers, category, is_principal) "
        "SELECT id, 0, product_name, product_answers, category, true FROM reports"
    )


def downgrade() -> None:
    op.drop_index("ix_report_products_report_id", table_name="report_products")
    op.drop_table("report_products")
