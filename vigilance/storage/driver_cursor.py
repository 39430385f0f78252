"""Core statements run on the driver's cursor, for the few paths where SQLAlchemy's execution
machinery costs more than the database.

What it saves: 0.48 ms of CPU per intake in process on SQLite, 1.75 ms against 2.24 ms with
the same statements run by ``Connection.execute`` (rounds alternated in one run on 2026-12-04,
see docs/architecture.md), a fifth of intake's CPU, most of it while SQLite's write lock is
held; commit 5963363 measured about 80 µs per statement. Off with
``VIGILANCE_DRIVER_CURSOR=off``: the same statements then run through ``Connection.execute``,
and show in SQLAlchemy's events and logging (which the driver's cursor does not reach).

A :class:`DirectStatement` keeps the Core statement as the one description of the SQL.
SQLAlchemy compiles it once per dialect and set of parameter names, and the columns' types still
convert each value on the way in and out (through their public ``bind_processor`` and
``result_processor``). Only the per-execution machinery is skipped. Errors come out as
SQLAlchemy's (``sqlalchemy.exc.IntegrityError`` and so on), and a lost connection is invalidated
as SQLAlchemy would do it. Used by intake (its writes, the duplicate search, the timers) and the
audit chain, nowhere else.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.sql import ClauseElement

from vigilance.storage.settings import settings_of


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: Parameter names in the order of the placeholders, for drivers taking a sequence; None
    #: for drivers taking a mapping by name.
    order: tuple[str, ...] | None
    construct_params: Callable[[Mapping[str, Any]], dict[str, Any]]
    bind_processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    #: The type of each returned column, whose converter depends on what the cursor says.
    result_types: tuple[Any, ...]


class DirectStatement:
    """A Core *statement* (insert, update, select or text) run on the DB-API cursor.

    Every execution must give the same parameter names for a given dialect (a row dict built by
    the same code); a new set of names compiles once more. Columns left out of an insert get
    their scalar default; a column whose default is computed (in Python or SQL) must be given.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def rows(self, connection: Connection, parameters: Mapping[str, Any]) -> list[tuple]:
        """Run the statement once; return what it returns (nothing: an empty list)."""
        if not settings_of(connection).driver_cursor:
            result = connection.execute(self.statement, parameters)
            return [tuple(row) for row in result] if result.returns_rows else []
        compiled = self._prepare(connection, parameters)
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            _run(connection, compiled, cursor, cursor.execute, _driver_parameters(compiled, parameters))
            if cursor.description is None:
                return []
            converters = [
                column_type.result_processor(connection.dialect, description[1])
                for column_type, description in zip(compiled.result_types, cursor.description, strict=False)
            ]
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        if not any(converters):
            return [tuple(row) for row in fetched]
        return [
            tuple(convert(value) if convert else value for convert, value in zip(converters, row, strict=False))
            for row in fetched
        ]

    def first_value(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """The first column of the first row returned, or None when no row is."""
        rows = self.rows(connection, parameters)
        return rows[0][0] if rows else None

    def many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row (same names in every row); nothing is returned."""
        if not rows:
            return
        if not settings_of(connection).driver_cursor:
            connection.execute(self.statement, list(rows))
            return
        compiled = self._prepare(connection, rows[0])
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            batch = [_driver_parameters(compiled, row) for row in rows]
            _run(connection, compiled, cursor, cursor.executemany, batch)
        finally:
            cursor.close()

    def _prepare(self, connection: Connection, parameters: Mapping[str, Any]) -> _Compiled:
        if not connection.in_transaction():
            # As SQLAlchemy's own execution would: the statement runs in the connection's
            # transaction (on SQLite, the BEGIN IMMEDIATE of vigilance.storage.engine), never outside one.
            connection.begin()
        dialect = connection.dialect
        key = (dialect.name, frozenset(parameters))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect, list(parameters))
        return compiled


def _run(
    connection: Connection, compiled: _Compiled, cursor, execute: Callable[[str, Any], Any], parameters: Any
) -> None:
    """*execute*, the cursor's ``execute`` or ``executemany``, with errors as SQLAlchemy gives them."""
    dialect = connection.dialect
    try:
        execute(compiled.sql, parameters)
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise exc.DBAPIError.instance(
            compiled.sql, None, error, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
        ) from error


def _compile(statement: ClauseElement, dialect, names: Iterable[str]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("a statement with expanding or literal parameters cannot run directly")
    defaults = {}
    for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
        default = column.default if column in compiled.insert_prefetch else column.onupdate
        if default is None or not default.is_scalar:
            raise ValueError(f"column {column.name} has a default that is not a plain value: give it a value")
        defaults[column.key] = default.arg
    processors = []
    for bind, name in compiled.bind_names.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((compiled.escaped_bind_names.get(name, name), processor))
    returned = getattr(statement, "exported_columns", ())
    construct = compiled.construct_params

    def construct_params(parameters: Mapping[str, Any]) -> dict[str, Any]:
        return construct({**defaults, **parameters} if defaults else parameters)

    return _Compiled(
        sql=compiled.string,
        order=tuple(compiled.positiontup) if compiled.positional else None,
        construct_params=construct_params,
        bind_processors=tuple(processors),
        result_types=tuple(column.type.dialect_impl(dialect) for column in returned),
    )


def _driver_parameters(compiled: _Compiled, parameters: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
    values = compiled.construct_params(parameters)
    for name, processor in compiled.bind_processors:
        values[name] = processor(values[name])
    if compiled.order is None:
        return values
    return [values[name] for name in compiled.order]
