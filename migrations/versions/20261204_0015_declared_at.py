"""A declaration carries the moment it was made, not only its day

Revision ID: 0015_declared_at
Revises: 0011_text_lengths
Create Date: 2026-12-04 22:00:00

``declarations.declared_at`` is when the declaration was made: a deadline is met when it is not
later than the due time. ``declared_on`` stays (the day in France, as the API first gave it).
Rows already there knew their day only: they get the latest moment of that day in France that is
not after they were recorded, the moment a bare date stands for from now on
(``vigilance.triage.declaration_moment``); their deadlines keep the state they were settled with.

The rows this migration fills are not the service's writes: their notes in ``audit_pending`` are
removed, and their seals (which do not name the new column) still match. On SQLite the table is
rebuilt to make the column ``NOT NULL``: its triggers (audit notes) are written again after.
"""

import warnings
from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

from vigilance.models.types import UTCDateTime

revision = "0015_declared_at"
down_revision = "0011_text_lengths"
branch_labels = None
depends_on = None

PARIS = ZoneInfo("Europe/Paris")

_DECLARATIONS = sa.table(
    "declarations",
    sa.column("id", sa.Integer()),
    sa.column("declared_on", sa.Date()),
    sa.column("recorded_at", UTCDateTime()),
    sa.column("declared_at", UTCDateTime()),
)
_PENDING = sa.table("audit_pending", sa.column("id", sa.Integer()), sa.column("table_name", sa.String()))


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("declarations", sa.Column("declared_at", UTCDateTime(), nullable=True))
    mark = bind.execute(sa.select(sa.func.max(_PENDING.c.id))).scalar() or 0
    rows = bind.execute(sa.select(_DECLARATIONS.c.id, _DECLARATIONS.c.declared_on, _DECLARATIONS.c.recorded_at)).all()
    moments = [
        {"row_id": row.id, "moment": min(datetime.combine(row.declared_on, time.max, tzinfo=PARIS), row.recorded_at)}
        for row in rows
    ]
    if moments:
        bind.execute(
            _DECLARATIONS.update()
            .where(_DECLARATIONS.c.id == sa.bindparam("row_id"))
            .values(declared_at=sa.bindparam("moment")),
            moments,
        )
    bind.execute(_PENDING.delete().where(_PENDING.c.id > mark, _PENDING.c.table_name == "declarations"))
    _rebuilt(lambda batch: batch.alter_column("declared_at", existing_type=UTCDateTime(), nullable=False))


def downgrade() -> None:
    _rebuilt(lambda batch: batch.drop_column("declared_at"))


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
