"""Seals: the current state of the records that carry the legal case, covered by the audit key.

The chains say what the service did; they say nothing when someone edits a report, a queue
item, an assessment, a declaration, a deadline, a report's product or an item's case file directly in the database. So each row of those
tables has a seal (``audit_seals``): a MAC of each field's value under the audit key (which
says *which* field changed without copying health data into a second table) and a MAC of the
whole seal. ``vigilance audit verify`` compares every row with its seal: a changed field, a
deleted row, a row inserted without a seal and an edited seal are each named with the table,
the row id and the field.

Which rows to seal is not left to the code that writes them (intake's driver cursor, plain
Core updates, the ORM, the worker's batches): triggers on the covered tables note every row
written in ``audit_pending``, whoever writes, and the service's one write helper
(``vigilance.storage.transaction.write_transaction``) seals the rows its own transaction noted
just before it commits. A row written outside the service is noted too, but no service
transaction takes it as its own: on PostgreSQL the triggers note the writing transaction's id,
on SQLite (one writer at a time) the helper remembers where the notes stood when its
transaction began. Its note stays behind and its seal no longer matches.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from sqlalchemy import DDL, JSON, Table, Text, bindparam, cast, delete, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from vigilance import audit_keys
from vigilance.models.audit import AuditPending, AuditSeal
from vigilance.models.case_files import CaseFileRecord
from vigilance.models.reports import Deadline, QueueItem, Report, ReportProduct
from vigilance.models.triage import Assessment, Declaration
from vigilance.storage.driver_cursor import DirectStatement

#: The tables whose rows are sealed, by name.
COVERED: dict[str, Table] = {
    model.__table__.name: model.__table__
    for model in (Report, QueueItem, Assessment, Declaration, Deadline, ReportProduct, CaseFileRecord)
}
_SEALS = AuditSeal.__table__


def _sealed(table: Table) -> list:
    """The columns as sealed and verified: JSON columns as the text stored, so that sealing
    does not parse and dump again each decision and answer (a third of the seals' cost)."""
    return [cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c for c in table.columns]


_PENDING = AuditPending.__table__
#: Where the SQLite notes stood when the write transaction began (in the session's info).
_MARK = "vigilance_seal_mark"


# The triggers -------------------------------------------------------------------------------


def sqlite_triggers(table: str) -> tuple[str, ...]:
    """Row triggers noting every row written to *table* (SQLite)."""
    note = "INSERT INTO audit_pending (table_name, row_id) VALUES ('{table}', {row}.id)"
    return tuple(
        f"CREATE TRIGGER {table}_audit_{operation.lower()} AFTER {operation} ON {table} "
        f"BEGIN {note.format(table=table, row=row)}; END"
        for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    )


#: One function for every covered table and operation: each trigger names its transition table
#: ``written``. Statement triggers: one insert per statement, not per row.
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_note_written() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO audit_pending (table_name, row_id, txn) "
    "SELECT TG_TABLE_NAME, id, txid_current() FROM written; RETURN NULL; END $$"
)


def postgres_triggers(table: str) -> tuple[str, ...]:
    """Statement triggers noting every row written to *table* (PostgreSQL)."""
    return tuple(
        f"CREATE TRIGGER {table}_audit_{operation.lower()} AFTER {operation} ON {table} "
        f"REFERENCING {transition} TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()"
        for operation, transition in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    )


# Created with the tables (migration 0012 for existing databases, 0021 for report_products, 0025 for
# case_files); the function before any table
# (PL/pgSQL looks up audit_pending only when it runs).
event.listen(_PENDING.metadata, "before_create", DDL(POSTGRES_FUNCTION).execute_if(dialect="postgresql"))
for _name, _table in COVERED.items():
    for _statement in sqlite_triggers(_name):
        event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
    for _statement in postgres_triggers(_name):
        event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


# Sealing ------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _encoded(value: Any) -> str:
    """A field's value as text, its type told apart (``1``, ``True`` and ``"1"`` differ): the
    same value read by any path gives the same text. JSON only for the JSON columns (cheaper)."""
    if isinstance(value, str):
        return "s" + value
    if value is None:
        return "n"
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, dict | list):
        return "j" + _canonical(value)
    return "o" + str(value)  # numbers, dates and times (UTC-aware, whatever the database)


def _fields_of(table: str, row: dict[str, Any]) -> dict[str, str]:
    # BLAKE2b in its keyed mode is a MAC in one call, about twice as fast as HMAC-SHA256 (which
    # hashes twice): some thirty fields are sealed per intake.
    key = audit_keys.key_for(audit_keys.SEALS)
    prefix = f"{table}\x1f{row['id']}\x1f"
    return {
        name: blake2b(f"{prefix}{name}\x1f{_encoded(value)}".encode(), key=key, digest_size=8).hexdigest()
        for name, value in row.items()
        if name != "id"
    }


def _seal_mac(table: str, row_id: int, fields: dict[str, str]) -> str:
    return audit_keys.mac(audit_keys.SEALS, _canonical({"table": table, "id": row_id, "fields": fields}).encode())


# On the driver's cursor (vigilance.storage.driver_cursor), as the chain's statements: every
# write transaction runs these, intake's and claims' included. A transaction's own notes: on
# PostgreSQL those of its transaction id, on SQLite those after the mark taken at its start.
_OWN = {
    "postgresql": _PENDING.c.txn == func.txid_current_if_assigned(),
    "sqlite": _PENDING.c.id > bindparam("mark"),
}
_LAST_NOTE = DirectStatement(select(func.max(_PENDING.c.id)))
_NOTED_TABLES = {
    dialect: DirectStatement(select(_PENDING.c.table_name).where(own).distinct()) for dialect, own in _OWN.items()
}


def _noted_rows(own, name: str, table: Table):
    """The row id of each note of the transaction in *table*, with the row as it is now (all
    None when the row was deleted)."""
    noted = select(_PENDING.c.row_id).where(own, _PENDING.c.table_name == name).distinct().subquery()
    return DirectStatement(
        select(noted.c.row_id, *_sealed(table)).select_from(noted.outerjoin(table, table.c.id == noted.c.row_id))
    )


_NOTED_ROWS = {
    (dialect, name): _noted_rows(own, name, table) for dialect, own in _OWN.items() for name, table in COVERED.items()
}
_FORGET_NOTES = {dialect: DirectStatement(delete(_PENDING).where(own)) for dialect, own in _OWN.items()}
_UNSEAL = DirectStatement(
    delete(_SEALS).where(_SEALS.c.table_name == bindparam("table_name"), _SEALS.c.row_id == bindparam("row_id"))
)


def _upsert(insert):
    statement = insert(_SEALS)
    return DirectStatement(
        statement.on_conflict_do_update(
            index_elements=["table_name", "row_id"],
            set_={"fields": statement.excluded.fields, "mac": statement.excluded.mac},
        )
    )


_SEAL = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


def begin(session: Session) -> None:
    """Remember where the notes stand as a write transaction begins (SQLite: one writer, so
    every note after this one is the transaction's own)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        session.info[_MARK] = _LAST_NOTE.first_value(connection, {}) or 0


def seal_written(session: Session) -> int:
    """Seal every covered row the session's transaction wrote; return how many (flush first)."""
    session.flush()
    connection = session.connection()
    dialect = connection.dialect.name
    own = {"mark": session.info.get(_MARK, 0)} if dialect == "sqlite" else {}
    tables = sorted(name for (name,) in _NOTED_TABLES[dialect].rows(connection, own))
    if not tables:
        return 0
    seals, gone = [], []
    for name in tables:
        columns = [column.name for column in COVERED[name].columns]
        for row_id, *values in _NOTED_ROWS[(dialect, name)].rows(connection, own):
            if values[0] is None:  # the row is gone (every table's first column is its id)
                gone.append({"table_name": name, "row_id": row_id})
                continue
            row = dict(zip(columns, values, strict=True))
            fields = _fields_of(name, row)
            seals.append(
                {"table_name": name, "row_id": row_id, "fields": fields, "mac": _seal_mac(name, row_id, fields)}
            )
    _SEAL[dialect].many(connection, seals)
    _UNSEAL.many(connection, gone)
    _FORGET_NOTES[dialect].rows(connection, own)
    return len(seals)


def seal_unsealed(session: Session) -> dict[str, int]:
    """Seal every covered row that has no seal (rows written before seals existed: once, after
    migration 0012); return how many per table. The caller records it in the audit trail."""
    connection = session.connection()
    counts = {}
    for table, columns in COVERED.items():
        unsealed = select(*_sealed(columns)).where(
            ~select(_SEALS.c.row_id).where(_SEALS.c.table_name == table, _SEALS.c.row_id == columns.c.id).exists()
        )
        rows = [dict(row) for row in connection.execute(unsealed).mappings()]
        for start in range(0, len(rows), 1000):
            connection.execute(
                _SEALS.insert(),
                [
                    {
                        "table_name": table,
                        "row_id": row["id"],
                        "fields": (f := _fields_of(table, row)),
                        "mac": _seal_mac(table, row["id"], f),
                    }
                    for row in rows[start : start + 1000]
                ],
            )
        counts[table] = len(rows)
    return counts


# Verifying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    table: str
    row_id: int
    what: str

    def __str__(self) -> str:
        return f"{self.table} {self.row_id}: {self.what}"


def verify(session: Session, batch: int = 2000) -> Iterator[Finding]:
    """Every difference between the covered rows and their seals."""
    connection = session.connection()
    for table, columns in COVERED.items():
        last = 0
        while True:
            rows = (
                connection.execute(
                    select(*_sealed(columns)).where(columns.c.id > last).order_by(columns.c.id).limit(batch)
                )
                .mappings()
                .all()
            )
            upper = rows[-1]["id"] if rows else None
            seal_range = _SEALS.c.table_name == table
            seal_range &= _SEALS.c.row_id > last
            if upper is not None:
                seal_range &= _SEALS.c.row_id <= upper
            seals = {
                seal.row_id: seal
                for seal in connection.execute(select(_SEALS).where(seal_range).order_by(_SEALS.c.row_id))
            }
            for row in rows:
                seal = seals.pop(row["id"], None)
                yield from _compare(table, dict(row), seal)
            for row_id in sorted(seals):
                yield Finding(table, row_id, "row deleted (its seal remains)")
            if upper is None:
                break
            last = upper
    leftover = connection.execute(
        select(_PENDING.c.table_name, _PENDING.c.row_id).distinct().order_by(_PENDING.c.table_name, _PENDING.c.row_id)
    ).all()
    for table, row_id in leftover:
        yield Finding(table, row_id, "written outside the service (noted by the triggers, never sealed)")


def _compare(table: str, row: dict[str, Any], seal) -> Iterator[Finding]:
    if seal is None:
        yield Finding(table, row["id"], "row without a seal (inserted outside the service)")
        return
    if not audit_keys.same(_seal_mac(table, row["id"], seal.fields), seal.mac):
        yield Finding(table, row["id"], "seal altered (its MAC does not match)")
        return
    current = _fields_of(table, row)
    changed = [name for name, mac in sorted(seal.fields.items()) if current.get(name) != mac]
    for name in changed:
        yield Finding(table, row["id"], f"field {name} changed outside the service")
