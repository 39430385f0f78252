"""Items per status of each queue and establishment, kept as counts rather than counted.

What it saves: a queue page shows how many items are new, in progress, and so on. Counting
them scanned the whole queue (58 ms for the ``GROUP BY`` at a million reports, 100 to 180 ms
per page with the rest); reading the kept counts costs 0.06 ms whatever the size (README,
queue pages benchmark, commit 5dc18ee). Off with ``VIGILANCE_KEPT_STATUS_COUNTS=off``: pages
then count the items again (the triggers below go on keeping the rows).

The counts are moved by the database itself, with triggers on ``queue_items`` created with the
table (migration 0009 for existing databases): every insert, change of status and delete moves
them in the same transaction, whoever writes, through the ORM or a plain statement, the bulk
loader or the ``psql`` shell. Nothing in the code has to remember them (the session listener
and the explicit calls that intake, claims and the bulk loader had to make are gone: one such
call forgotten had left a database with wrong counts). They cost nothing measurable: intake's
CPU was 2.65 ms with them against 2.75 ms with the explicit upsert on SQLite, 3.54 against
3.80 ms on PostgreSQL (alternated rounds, 2026-12-04).

Each count is split into ``COUNT_SLOTS`` rows (the item's id chooses one): two claims of
different items then seldom wait for each other on the same row. On PostgreSQL the triggers
run once per statement and move the rows in key order, so two transactions lock the rows they
share in the same order and cannot deadlock; SQLite has one writer and moves them row by row.
An item's queue and establishment never change (requalifying opens another item).
"""

from sqlalchemy import DDL, Connection, event, func, literal_column, select
from sqlmodel import Session

from vigilance.models.reports import COUNT_SLOTS, ItemStatus, QueueItem, QueueStatusCount
from vigilance.storage.settings import settings_of

_TABLE = QueueStatusCount.__table__
_ITEMS = QueueItem.__table__
_KEY = "queue, establishment_id, status, slot"
_UPSERT = (
    f"INSERT INTO {_TABLE.name} (queue, establishment_id, status, slot, count) {{rows}} "
    f"ON CONFLICT (queue, establishment_id, status, slot) DO UPDATE SET count = {_TABLE.name}.count + excluded.count"
)


def _sqlite_move(row: str, delta: int) -> str:
    return _UPSERT.format(
        rows=f"VALUES ({row}.queue, {row}.establishment_id, {row}.status, {row}.id % {COUNT_SLOTS}, {delta})"
    )


#: Row triggers: SQLite has no statement triggers, and one writer (no lock order to keep).
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER queue_items_count_insert AFTER INSERT ON {_ITEMS.name} BEGIN {_sqlite_move('NEW', 1)}; END",
    (
        f"CREATE TRIGGER queue_items_count_update AFTER UPDATE OF status ON {_ITEMS.name} "
        f"WHEN OLD.status IS NOT NEW.status "
        f"BEGIN {_sqlite_move('OLD', -1)}; {_sqlite_move('NEW', 1)}; END"
    ),
    f"CREATE TRIGGER queue_items_count_delete AFTER DELETE ON {_ITEMS.name} BEGIN {_sqlite_move('OLD', -1)}; END",
)


def _postgres_move(moves: str) -> str:
    """The net moves of one statement (*moves*: rows of key and delta), in key order."""
    return _UPSERT.format(
        rows=f"SELECT {_KEY}, sum(delta) FROM ({moves}) AS moves GROUP BY {_KEY} HAVING sum(delta) <> 0 ORDER BY {_KEY}"
    )


def _postgres_rows(table: str, delta: int) -> str:
    return f"SELECT queue, establishment_id, status, id % {COUNT_SLOTS} AS slot, {delta} AS delta FROM {table}"


def _postgres_trigger(operation: str, transition: str, moves: str) -> tuple[str, str]:
    function = f"queue_items_count_{operation.lower()}"
    return (
        (
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_postgres_move(moves)}; RETURN NULL; END $$"
        ),
        (
            f"CREATE TRIGGER {function} AFTER {operation} ON {_ITEMS.name} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        ),
    )


#: Statement triggers over the transition tables (PostgreSQL 10+): one upsert per statement.
POSTGRES_TRIGGERS = (
    *_postgres_trigger("INSERT", "NEW TABLE AS added", _postgres_rows("added", 1)),
    *_postgres_trigger(
        "UPDATE",
        "OLD TABLE AS was NEW TABLE AS became",
        f"{_postgres_rows('was', -1)} UNION ALL {_postgres_rows('became', 1)}",
    ),
    *_postgres_trigger("DELETE", "OLD TABLE AS removed", _postgres_rows("removed", -1)),
)

for _statement in SQLITE_TRIGGERS:
    event.listen(_ITEMS, "after_create", DDL(_statement.replace("%", "%%")).execute_if(dialect="sqlite"))
for _statement in POSTGRES_TRIGGERS:
    event.listen(_ITEMS, "after_create", DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"))


def status_counts(session: Session, *, queue: str, establishment_id: int) -> dict[str, int]:
    """Every status, with its number of items (0 for none)."""
    connection = session.connection()
    if settings_of(connection).kept_status_counts:
        query = select(_TABLE.c.status, func.sum(_TABLE.c.count)).where(
            _TABLE.c.queue == queue, _TABLE.c.establishment_id == establishment_id
        )
    else:
        query = select(_ITEMS.c.status, func.count()).where(
            _ITEMS.c.queue == queue, _ITEMS.c.establishment_id == establishment_id
        )
    rows = connection.execute(query.group_by(query.selected_columns[0])).all()
    counts = {status.value: 0 for status in ItemStatus}
    counts.update({status: int(total) for status, total in rows})
    return counts


def recount(connection: Connection) -> None:
    """Count every queue's items afresh (a database restored from elsewhere, or a doubt)."""
    slot = (_ITEMS.c.id % literal_column(str(COUNT_SLOTS))).label("slot")
    key = (_ITEMS.c.queue, _ITEMS.c.establishment_id, _ITEMS.c.status)
    connection.execute(_TABLE.delete())
    connection.execute(
        _TABLE.insert().from_select(
            ["queue", "establishment_id", "status", "slot", "count"],
            select(*key, slot, func.count()).group_by(*key, slot.element),
        )
    )
