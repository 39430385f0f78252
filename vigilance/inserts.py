"""``INSERT ... ON CONFLICT DO NOTHING`` on the two databases the service runs on.

Several records are written once per effect (an email per key, a summary run per period): the
unique constraint decides, and a second writer's insert simply does nothing.
"""

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def insert_unless_present(session: Session, table: Table, unique: Sequence[str] | None = None):
    """An ``INSERT`` into *table* that leaves a row already there (by *unique*, or any constraint) as it is."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(index_elements=list(unique) if unique else None)
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=list(unique) if unique else None)
    return insert(table)  # pragma: no cover - the two databases the service runs on are above
