"""Closed items sort after every open one in their queue, even one with nothing due

Revision ID: 0007_closed_items_last
Revises: 0006_queue_counts
Create Date: 2026-11-22 05:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0007_closed_items_last"
down_revision = "0006_queue_counts"
branch_labels = None
depends_on = None

#: vigilance.models.NOTHING_DUE and CLOSED_URGENCY when this migration was written (a migration
#: does not follow later changes of the code).
NOTHING_DUE = datetime(9999, 12, 31, tzinfo=UTC)
CLOSED_URGENCY = datetime(9999, 12, 31, 1, tzinfo=UTC)

# Written through the model's column type, so that each database stores the moment as the
# application does (SQLite: naive UTC text; PostgreSQL: timestamptz).
queue_items = sa.table(
    "queue_items",
    sa.column("status", sa.String),
    sa.column("urgency_at", UTCDateTime()),
)


def upgrade() -> None:
    # Closing settled every deadline, so a closed item's urgency was NOTHING_DUE, the same as an
    # open item with no dated deadline: the two interleaved at the end of a queue. The index on
    # (queue, establishment_id, urgency_at, NOT serious, id) stays as it is and serves the new order.
    op.execute(queue_items.update().where(queue_items.c.status == "closed").values(urgency_at=CLOSED_URGENCY))


def downgrade() -> None:
    # Back to what closing wrote before: every deadline settled, nothing due.
    op.execute(queue_items.update().where(queue_items.c.urgency_at == CLOSED_URGENCY).values(urgency_at=NOTHING_DUE))
