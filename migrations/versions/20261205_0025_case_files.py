"""Case files: the data of each item's declaration form; existing items get one from their report

Revision ID: 0025_case_files
Revises: 0024_generated_documents
Create Date: 2026-12-05 04:30:00

Each existing item whose vigilance has a form described (vigilance.case_file) gets its case file,
version 1, filled with what its report already holds: dates, severity grade, seriousness, products
with the lot or donation number, the patient's sex, birth year and initials, the description.

A case file carries the legal case (what is declared): its rows are sealed as the report's are
(vigilance.audit_seals). The rows filled here have no seal yet: run ``vigilance audit
seal-existing`` once after this upgrade, as after 0012 and 0021.
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0025_case_files"
down_revision = "0024_generated_documents"
branch_labels = None
depends_on = None

#: vigilance.audit_seals's triggers for case_files when this migration was written.
SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER case_files_audit_{operation.lower()} AFTER {operation} ON case_files "
    f"BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('case_files', {row}.id); END"
    for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
)
POSTGRES_TRIGGERS = tuple(
    f"CREATE TRIGGER case_files_audit_{operation.lower()} AFTER {operation} ON case_files "
    f"REFERENCING {transition} TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()"
    for operation, transition in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
)

_REPORTS = sa.table(
    "reports",
    sa.column("id", sa.Integer),
    sa.column("event_kind", sa.String),
    sa.column("occurred_at", UTCDateTime),
    sa.column("detected_at", UTCDateTime),
    sa.column("product_name", sa.String),
    sa.column("lot_number", sa.String),
    sa.column("donation_number", sa.String),
    sa.column("patient_sex", sa.String),
    sa.column("patient_birth_year", sa.Integer),
    sa.column("patient_initials", sa.String),
    sa.column("description", sa.String),
    sa.column("serious", sa.Boolean),
    sa.column("severity_grade", sa.Integer),
    sa.column("reporter_unit", sa.String),
    sa.column("reporter_phone", sa.String),
    sa.column("received_at", UTCDateTime),
)
_ITEMS = sa.table(
    "queue_items", sa.column("id", sa.Integer), sa.column("report_id", sa.Integer), sa.column("queue", sa.String)
)
_PRODUCTS = sa.table(
    "report_products",
    sa.column("report_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("name", sa.String),
)


def upgrade() -> None:
    case_files = op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_item_id"], ["queue_items.id"], name=op.f("fk_case_files_queue_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_case_files_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
        sa.UniqueConstraint("queue_item_id", name=op.f("uq_case_files_queue_item_id")),
    )
    _fill(op.get_bind(), case_files)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def _fill(connection, case_files) -> None:
    """A case file for every existing item that has a form, from its report (as filing opens one)."""
    from vigilance.case_file.store import checked_prefill, form_for, prefill

    rows = connection.execute(
        sa.select(_ITEMS.c.id.label("item_id"), _ITEMS.c.queue, *_REPORTS.c)
        .join(_REPORTS, _REPORTS.c.id == _ITEMS.c.report_id)
        .order_by(_ITEMS.c.id)
    ).all()
    batch = []
    for row in rows:
        form = form_for(row.queue, row.event_kind)
        if form is None:
            continue
        names = connection.execute(
            sa.select(_PRODUCTS.c.name).where(_PRODUCTS.c.report_id == row.id).order_by(_PRODUCTS.c.position)
        ).scalars()
        batch.append(
            dict(
                queue_item_id=row.item_id,
                form_id=form.id,
                data=checked_prefill(form, prefill(form, row, list(names))),
                version=1,
                updated_by=None,
                updated_at=row.received_at,
            )
        )
        if len(batch) >= 500:
            connection.execute(case_files.insert(), batch)
            batch = []
    if batch:
        connection.execute(case_files.insert(), batch)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for operation in ("insert", "update", "delete"):
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS case_files_audit_{operation} ON case_files")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS case_files_audit_{operation}")
    # Their seals would otherwise be named as rows deleted: the table is gone.
    op.execute("DELETE FROM audit_seals WHERE table_name = 'case_files'")
    op.execute("DELETE FROM audit_pending WHERE table_name = 'case_files'")
    op.drop_table("case_files")
