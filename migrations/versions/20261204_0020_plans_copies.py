"""Follow-up steps of the rulebook's plans, information copies between vigilances, and the timer of each step

Revision ID: 0020_plans_copies
Revises: 0017_new_vigilances
Create Date: 2026-12-04 23:30:00
"""

import warnings

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

from vigilance.models.types import UTCDateTime

revision = "0020_plans_copies"
down_revision = "0017_new_vigilances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("plan_kind", sa.String(length=32), nullable=False),
        sa.Column("plan_title", sa.JSON(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("check", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("ends_with_item", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_followup_steps_report_id_reports")),
        sa.ForeignKeyConstraint(
            ["queue_item_id"], ["queue_items.id"], name=op.f("fk_followup_steps_queue_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(["done_by"], ["users.id"], name=op.f("fk_followup_steps_done_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_steps")),
        sa.UniqueConstraint(
            "queue_item_id", "plan_id", "number", name=op.f("uq_followup_steps_queue_item_id_plan_id_number")
        ),
    )
    op.create_index("ix_followup_steps_report_id", "followup_steps", ["report_id"], unique=False)
    op.create_index("ix_followup_steps_queue_item_id", "followup_steps", ["queue_item_id"], unique=False)
    op.create_index("ix_followup_steps_due_at", "followup_steps", ["due_at"], unique=False)
    op.create_table(
        "information_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=False),
        sa.Column("original_item_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_item_id"], ["queue_items.id"], name=op.f("fk_information_copies_queue_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(
            ["original_item_id"], ["queue_items.id"], name=op.f("fk_information_copies_original_item_id_queue_items")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_information_copies_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_copies")),
        sa.UniqueConstraint("queue_item_id", name=op.f("uq_information_copies_queue_item_id")),
    )
    op.create_index("ix_information_copies_original_item_id", "information_copies", ["original_item_id"], unique=False)
    op.create_index("ix_information_copies_report_id", "information_copies", ["report_id"], unique=False)
    _alter_timers(add=True)


def downgrade() -> None:
    _alter_timers(add=False)
    op.drop_index("ix_information_copies_report_id", table_name="information_copies")
    op.drop_index("ix_information_copies_original_item_id", table_name="information_copies")
    op.drop_table("information_copies")
    op.drop_index("ix_followup_steps_due_at", table_name="followup_steps")
    op.drop_index("ix_followup_steps_queue_item_id", table_name="followup_steps")
    op.drop_index("ix_followup_steps_report_id", table_name="followup_steps")
    op.drop_table("followup_steps")


def _alter_timers(*, add: bool) -> None:
    """Add (or drop) the timer's step. SQLite's batch mode copies the table: its partial index
    (ix_timers_pending_due), which reflection cannot read back whole, is kept and written again."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    kept = _schema_objects(bind, "timers") if sqlite else {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        with op.batch_alter_table("timers") as batch:
            if add:
                batch.add_column(sa.Column("followup_step_id", sa.Integer(), nullable=True))
                batch.create_foreign_key(
                    op.f("fk_timers_followup_step_id_followup_steps"), "followup_steps", ["followup_step_id"], ["id"]
                )
                batch.create_index("ix_timers_followup_step_id", ["followup_step_id"], unique=False)
            else:
                batch.drop_index("ix_timers_followup_step_id")
                batch.drop_constraint(op.f("fk_timers_followup_step_id_followup_steps"), type_="foreignkey")
                batch.drop_column("followup_step_id")
    if sqlite:
        there = _schema_objects(bind, "timers")
        for name, sql in kept.items():
            if name not in there and (add or "followup_step_id" not in sql):
                op.execute(sql)


def _schema_objects(bind, table: str) -> dict[str, str]:
    rows = bind.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = :table AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL"
        ),
        {"table": table},
    )
    return dict(rows.all())
