"""Items per status of each queue and establishment, kept as counts rather than counted.

A queue page shows how many items are new, in progress, and so on. Counting them scans the
whole queue (100 to 180 ms at a million reports); these rows are instead moved by every change
of an item's status, in the same transaction, so reading them costs a few rows whatever the
size. Each count is split into ``COUNT_SLOTS`` rows (the item's id chooses one): two claims
of different items then seldom wait for each other on the same row.

Changes made through the ORM (a ``QueueItem`` added, its ``status`` set, the item deleted) are
counted at every flush, by a session event: no transition can forget them. Code that writes
items with plain statements (intake, claim, the bulk loader) calls ``record_moves`` itself.
An item's queue and establishment never change (requalifying opens another item).
"""

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Connection, event, func, inspect, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from vigilance.direct import DirectStatement
from vigilance.models import COUNT_SLOTS, ItemStatus, QueueItem, QueueStatusCount

_TABLE = QueueStatusCount.__table__
_KEY = ("queue", "establishment_id", "status", "slot")

#: One item's status change: (item id, queue, establishment id, status before or None, status after or None).
Move = tuple[int, str, int, str | None, str | None]


def slot_of(item_id: int) -> int:
    return item_id % COUNT_SLOTS


def record_moves(session: Session, moves: Iterable[Move]) -> None:
    """Move the counts for these status changes (a new item comes from None), in one statement."""
    record_moves_on(session.connection(), moves)


def record_moves_on(connection: Connection, moves: Iterable[Move]) -> None:
    """``record_moves`` on a plain connection (the bulk loader has no session)."""
    deltas: Counter = Counter()
    for item_id, queue, establishment_id, before, after in moves:
        if before == after:
            continue
        slot = slot_of(item_id)
        if before is not None:
            deltas[(queue, establishment_id, str(before), slot)] -= 1
        if after is not None:
            deltas[(queue, establishment_id, str(after), slot)] += 1
    rows = [(*key, delta) for key, delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    # Sorted rows: concurrent transactions lock the rows they share in the same order, so they
    # wait for each other instead of deadlocking.
    parameters = {
        f"{name}_{n}": value for n, row in enumerate(rows) for name, value in zip((*_KEY, "count"), row, strict=False)
    }
    _upsert(len(rows)).rows(connection, parameters)


@lru_cache(maxsize=64)
def _upsert(size: int) -> DirectStatement:
    """``INSERT ... ON CONFLICT DO UPDATE`` of *size* rows, built once per size (a status change
    moves two rows, an intake one to six).

    Written as text because SQLAlchemy does not cache the compiled form of a multi-row insert:
    built as an expression, it was compiled anew at every execution, costing more than all of
    an intake's other statements together. PostgreSQL and SQLite (3.24+) read the same SQL. It
    runs on the driver's cursor (see vigilance.direct): intake and claims run it while holding
    locks.
    """
    columns = (*_KEY, "count")
    rows = ", ".join("(" + ", ".join(f":{name}_{n}" for name in columns) + ")" for n in range(size))
    return DirectStatement(
        text(
            f"INSERT INTO {_TABLE.name} ({', '.join(columns)}) VALUES {rows} "
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET count = {_TABLE.name}.count + excluded.count"
        )
    )


def move(
    session: Session, *, item_id: int, queue: str, establishment_id: int, before: str | None, after: str | None
) -> None:
    record_moves(session, [(item_id, queue, establishment_id, before, after)])


def status_counts(session: Session, *, queue: str, establishment_id: int) -> dict[str, int]:
    """Every status, with its number of items (0 for none)."""
    rows = (
        session.connection()
        .execute(
            select(_TABLE.c.status, func.sum(_TABLE.c.count))
            .where(_TABLE.c.queue == queue, _TABLE.c.establishment_id == establishment_id)
            .group_by(_TABLE.c.status)
        )
        .all()
    )
    counts = {status.value: 0 for status in ItemStatus}
    counts.update({status: int(total) for status, total in rows})
    return counts


@event.listens_for(QueueItem.status, "set", active_history=True)
def _load_status_before_change(_item, _value, _previous, _initiator) -> None:
    """Nothing to do here: listening with ``active_history`` makes the ORM load the status
    being replaced if it was not loaded, so that the flush below knows where the item came from."""


@event.listens_for(OrmSession, "after_flush")
def _count_flushed_changes(session: OrmSession, _context) -> None:
    # After the flush, the session still lists what it flushed and each attribute's history.
    moves: list[Move] = []
    for item in session.new:
        if isinstance(item, QueueItem):
            moves.append((item.id, item.queue, item.establishment_id, None, item.status))
    for item in session.dirty:
        if isinstance(item, QueueItem):
            history = inspect(item).attrs.status.history
            if history.added and history.deleted:
                moves.append((item.id, item.queue, item.establishment_id, history.deleted[0], history.added[0]))
    for item in session.deleted:
        if isinstance(item, QueueItem):
            moves.append((item.id, item.queue, item.establishment_id, item.status, None))
    if moves:
        record_moves(session, moves)
