"""Generated documents (E2B messages, forms), each version stored; a declaration names the document sent

Revision ID: 0024_generated_documents
Revises: 0023_attachments
Create Date: 2026-12-05 04:00:00

``generated_documents`` keeps every version of a document generated from a case, its bytes
included (small documents, kept with the case they were built from). ``declarations.document_id``
links a declaration to the document sent, optionally. Declarations already there get no link:
their seals (which do not name the new column) still match. On SQLite the declarations table
is rebuilt to add its foreign key: its triggers (audit notes) are written again after.
"""

import warnings

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

from vigilance.models.types import UTCDateTime

revision = "0024_generated_documents"
down_revision = "0023_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generated_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=True),
        sa.Column("safety_report_id", sa.String(length=100), nullable=True),
        sa.Column("worldwide_case_id", sa.String(length=100), nullable=True),
        sa.Column("message_kind", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["queue_item_id"], ["queue_items.id"], name=op.f("fk_generated_documents_queue_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_generated_documents_report_id_reports")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_generated_documents_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_documents")),
        sa.UniqueConstraint(
            "report_id",
            "queue_item_id",
            "kind",
            "version",
            name=op.f("uq_generated_documents_report_id_queue_item_id_kind_version"),
        ),
    )
    op.create_index("ix_generated_documents_queue_item_id", "generated_documents", ["queue_item_id"], unique=False)
    op.create_index("ix_generated_documents_report_id", "generated_documents", ["report_id"], unique=False)
    _rebuilt(
        lambda batch: (
            batch.add_column(sa.Column("document_id", sa.Integer(), nullable=True)),
            batch.create_foreign_key(
                "fk_declarations_document_id_generated_documents", "generated_documents", ["document_id"], ["id"]
            ),
        )
    )


def downgrade() -> None:
    _rebuilt(
        lambda batch: (
            batch.drop_constraint("fk_declarations_document_id_generated_documents", type_="foreignkey"),
            batch.drop_column("document_id"),
        )
    )
    op.drop_index("ix_generated_documents_report_id", table_name="generated_documents")
    op.drop_index("ix_generated_documents_queue_item_id", table_name="generated_documents")
    op.drop_table("generated_documents")


def _rebuilt(change) -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # SQLite's batch mode copies the table, and the triggers on it would go with the old one.
    kept = _triggers(bind) if sqlite else {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        with op.batch_alter_table("declarations") as batch:
            change(batch)
    if sqlite:
        there = _triggers(bind)
        for name, sql in kept.items():
            if name not in there:
                op.execute(sql)


def _triggers(bind) -> dict[str, str]:
    rows = bind.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'declarations' AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL"
        )
    )
    return dict(rows.all())
