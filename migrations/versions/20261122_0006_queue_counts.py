"""Kept counts of each queue's items per status; the queue index in the queue's exact order

Revision ID: 0006_queue_counts
Revises: 0005_summaries
Create Date: 2026-11-22 02:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

import vigilance.models.types  # noqa: F401  (column types of our own)


revision = "0006_queue_counts"
down_revision = "0005_summaries"
branch_labels = None
depends_on = None

#: vigilance.models.COUNT_SLOTS when this migration was written (a migration does not follow
#: later changes of the code; the counts stay right whatever the slot an item's row is in).
COUNT_SLOTS = 16


def upgrade() -> None:
    op.create_table('queue_status_counts',
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishments.id'], name=op.f('fk_queue_status_counts_establishment_id_establishments')),
    sa.PrimaryKeyConstraint('queue', 'establishment_id', 'status', 'slot', name=op.f('pk_queue_status_counts'))
    )
    # Existing items: counted once here; from now on every change of status moves the counts.
    op.execute(
        "INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) "
        f"SELECT queue, establishment_id, status, id % {COUNT_SLOTS}, count(*) FROM queue_items "
        f"GROUP BY queue, establishment_id, status, id % {COUNT_SLOTS}"
    )
    # The queue's order is (urgency, serious first, id): as (urgency_at, NOT serious, id) it
    # runs one way, and a deep page starts at its cursor in the index.
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_items_by_urgency')
        batch_op.create_index('ix_queue_items_by_urgency',
                              ['queue', 'establishment_id', 'urgency_at', sa.text('(NOT serious)'), 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_items_by_urgency')
        batch_op.create_index('ix_queue_items_by_urgency', ['queue', 'establishment_id', 'urgency_at', 'id'], unique=False)
    op.drop_table('queue_status_counts')
