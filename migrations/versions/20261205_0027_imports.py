"""Imported cases: the mark of a report brought in from an earlier register

Revision ID: 0027_imports
Revises: 0025_case_files
Create Date: 2026-12-05 05:00:00

``report_imports`` holds one row per imported report (when, by whom, from which file and line).
No existing table changes: the reports' rows and seals stay as they were.
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0027_imports"
down_revision = "0025_case_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_imports",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_report_imports_report_id_reports")),
        sa.ForeignKeyConstraint(["imported_by"], ["users.id"], name=op.f("fk_report_imports_imported_by_users")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_imports")),
    )
    op.create_index("ix_report_imports_file_sha256", "report_imports", ["file_sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_report_imports_file_sha256", table_name="report_imports")
    op.drop_table("report_imports")
