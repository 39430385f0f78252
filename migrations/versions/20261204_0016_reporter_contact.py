"""How to reach a report's author, and questions withdrawn when their item is closed

Revision ID: 0016_reporter_contact
Revises: 0015_declared_at
Create Date: 2026-12-04 21:45:00

A report may name the reporter's unit (care unit, department) and a telephone number to reach
them: the reporter's own contact, never the patient's; both optional, as reports filed before
carry neither. A question still open when its item is closed is withdrawn, with the time it was:
the reporter then sees it withdrawn, and can no longer answer it. Questions left unanswered on
items closed before are withdrawn as of their item's closing, and their reminders stopped.
"""

import sqlalchemy as sa
from alembic import op

from vigilance.models.types import UTCDateTime

revision = "0016_reporter_contact"
down_revision = "0015_declared_at"
branch_labels = None
depends_on = None


_ITEMS = sa.table(
    "queue_items",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("closed_at", UTCDateTime()),
)
_QUESTIONS = sa.table(
    "information_requests",
    sa.column("id", sa.Integer()),
    sa.column("queue_item_id", sa.Integer()),
    sa.column("asked_at", UTCDateTime()),
    sa.column("answered_at", UTCDateTime()),
    sa.column("withdrawn_at", UTCDateTime()),
)
_TIMERS = sa.table(
    "timers",
    sa.column("information_request_id", sa.Integer()),
    sa.column("done_at", UTCDateTime()),
    sa.column("outcome", sa.String()),
)


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite adds and drops a column in place since 3.35):
    # no batch copy of the tables, which would lose their triggers and expression indexes.
    op.add_column("reports", sa.Column("reporter_unit", sa.String(length=120), nullable=True))
    op.add_column("reports", sa.Column("reporter_phone", sa.String(length=30), nullable=True))
    op.add_column("information_requests", sa.Column("withdrawn_at", UTCDateTime(), nullable=True))
    _withdraw_questions_of_closed_items()


def _withdraw_questions_of_closed_items() -> None:
    """Questions left unanswered on items closed before: withdrawn when their item was closed,
    as closing does from now on, and their reminders stopped."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_QUESTIONS.c.id, _ITEMS.c.closed_at, _QUESTIONS.c.asked_at)
        .join(_ITEMS, _ITEMS.c.id == _QUESTIONS.c.queue_item_id)
        .where(_ITEMS.c.status == "closed", _QUESTIONS.c.answered_at.is_(None))
    ).all()
    if not rows:
        return
    moments = [{"question_id": row.id, "moment": row.closed_at or row.asked_at} for row in rows]
    bind.execute(
        _QUESTIONS.update()
        .where(_QUESTIONS.c.id == sa.bindparam("question_id"))
        .values(withdrawn_at=sa.bindparam("moment")),
        moments,
    )
    bind.execute(
        _TIMERS.update()
        .where(_TIMERS.c.information_request_id == sa.bindparam("question_id"), _TIMERS.c.done_at.is_(None))
        .values(done_at=sa.bindparam("moment"), outcome="cancelled"),
        moments,
    )


def downgrade() -> None:
    op.drop_column("information_requests", "withdrawn_at")
    op.drop_column("reports", "reporter_phone")
    op.drop_column("reports", "reporter_unit")
