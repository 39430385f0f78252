"""The database: one engine per app, one session per request or job."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from app.writer_queue import QueuedWriterConnection, writers_lock_path

_EXTENSION = "vigilance.db"
_SQLITE_BEGIN = "vigilance_sqlite_begin"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            # The driver's own transaction handling is off so that ours can begin IMMEDIATE.
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "isolation_level": None,
                "factory": QueuedWriterConnection,
            },
            poolclass=StaticPool if in_memory else None,
        )
        lock_path = None if in_memory else writers_lock_path(engine.url.database)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.writers_lock_path = lock_path
            cursor = dbapi_connection.cursor()
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # FULL: in WAL mode, NORMAL may roll back the last commits after a power loss or an
            # operating-system crash; an acknowledged report must survive those too (one fsync
            # of the WAL per commit, about 0.4 ms on this service's disks).
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # A transaction that reads and then writes (the audit chain's head, a reference
            # counter) must hold the write lock from the start, or a concurrent writer would
            # make it fail when it tries to upgrade (SQLAlchemy's documented pysqlite recipe).
            # Work known to only read says so (``read_only``) and lets writers go on.
            mode = connection.get_execution_options().get(_SQLITE_BEGIN, "IMMEDIATE")
            if mode == "IMMEDIATE":
                # Queue behind the other writers (app/writer_queue.py) rather than poll.
                connection.connection.dbapi_connection.take_writers_lock()
            try:
                connection.exec_driver_sql(f"BEGIN {mode}")
            except BaseException:
                connection.connection.dbapi_connection.release_writers_lock()
                raise

        return engine
    return create_engine(url, pool_pre_ping=True)


def read_only(session: Session) -> Session:
    """Begin *session*'s next transaction as a reader: on SQLite it then takes no write lock.

    Call it before the transaction's first statement; the transaction must not write.
    """
    session.connection(execution_options={_SQLITE_BEGIN: "DEFERRED"})
    return session


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions[_EXTENSION]


def get_session() -> Session:
    """The session of the current request, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for work outside a request (CLI, worker): commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
