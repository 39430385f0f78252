"""Kept counts of each queue's items per status; the queue index in the queue's exact order;
the audit trail in several chains

Revision ID: 0006_queue_counts
Revises: 0005_summaries
Create Date: 2026-11-22 02:10:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import vigilance.models.types  # noqa: F401  (column types of our own)

revision = "0006_queue_counts"
down_revision = "0005_summaries"
branch_labels = None
depends_on = None

#: vigilance.models.COUNT_SLOTS when this migration was written (a migration does not follow
#: later changes of the code; the counts stay right whatever the slot an item's row is in).
COUNT_SLOTS = 16
#: vigilance.audit.CHAINS when this migration was written.
AUDIT_CHAINS = 16
GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "queue_status_counts",
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishments.id"],
            name=op.f("fk_queue_status_counts_establishment_id_establishments"),
        ),
        sa.PrimaryKeyConstraint("queue", "establishment_id", "status", "slot", name=op.f("pk_queue_status_counts")),
    )
    # Existing items: counted once here; from now on every change of status moves the counts.
    op.execute(
        "INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) "
        f"SELECT queue, establishment_id, status, id % {COUNT_SLOTS}, count(*) FROM queue_items "
        f"GROUP BY queue, establishment_id, status, id % {COUNT_SLOTS}"
    )
    # The queue's order is (urgency, serious first, id): as (urgency_at, NOT serious, id) it
    # runs one way, and a deep page starts at its cursor in the index.
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_by_urgency")
        batch_op.create_index(
            "ix_queue_items_by_urgency",
            ["queue", "establishment_id", "urgency_at", sa.text("(NOT serious)"), "id"],
            unique=False,
        )

    # The audit trail: the events so far are chain 1 (whose head is the old single head, id 1);
    # the other chains start now, with their heads created here if the trail has begun.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), server_default="1", nullable=False))
    heads = sa.table(
        "audit_head",
        sa.column("id", sa.Integer()),
        sa.column("last_hash", sa.String()),
        sa.column("count", sa.Integer()),
    )
    connection = op.get_bind()
    existing = set(connection.execute(sa.select(heads.c.id)).scalars())
    if existing:
        op.bulk_insert(
            heads,
            [{"id": n, "last_hash": GENESIS, "count": 0} for n in range(1, AUDIT_CHAINS + 1) if n not in existing],
        )


def downgrade() -> None:
    # Back to one chain is possible only while the other chains are still empty.
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM audit_events WHERE chain <> 1")).scalar():
        raise RuntimeError("audit events in chains other than 1: the single-chain schema cannot hold them")
    op.execute("DELETE FROM audit_head WHERE id <> 1")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("chain")
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_by_urgency")
        batch_op.create_index(
            "ix_queue_items_by_urgency", ["queue", "establishment_id", "urgency_at", "id"], unique=False
        )
    op.drop_table("queue_status_counts")
