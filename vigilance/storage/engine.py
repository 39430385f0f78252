"""The engine: SQLite's pragmas and way of beginning, or PostgreSQL with a checked pool.

What it saves and why:
- SQLite runs in WAL mode: readers go on while one connection writes, where the default
  rollback journal stops every reader during each commit (the design's single-node mode).
  ``synchronous=FULL`` costs one fsync of the WAL per commit (about 0.4 ms on this service's
  disks) so that an acknowledged report survives a power loss (tests/app/test_intake_crash.py).
- Write transactions begin ``IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe): one that
  reads then writes (the audit chain's head, the reference counter) would otherwise fail on
  upgrade when another writer got there first. Work that only reads begins ``DEFERRED``
  (:func:`vigilance.storage.transaction.read_only`) and lets writers go on.
- Before ``BEGIN IMMEDIATE`` the connection queues on the writers' lock
  (:mod:`vigilance.storage.writers_lock`), unless ``sqlite_writers_lock`` is off.
- The engine carries its :class:`StorageSettings` to every connection (``settings_of``).
"""

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from vigilance.storage.settings import DEFAULT, EXECUTION_OPTION, StorageSettings
from vigilance.storage.writers_lock import QueuedWriterConnection, writers_lock_path

#: The execution option saying how SQLite begins the connection's next transaction.
SQLITE_BEGIN = "vigilance_sqlite_begin"


def make_engine(url: str, settings: StorageSettings = DEFAULT) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    options = {EXECUTION_OPTION: settings}
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, execution_options=options)
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
        execution_options=options,
    )
    lock_path = None if in_memory or not settings.sqlite_writers_lock else writers_lock_path(engine.url.database)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        dbapi_connection.writers_lock_path = lock_path
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # FULL: in WAL mode, NORMAL may roll back the last commits after a power loss or an
        # operating-system crash; an acknowledged report must survive those too.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        if mode == "IMMEDIATE":
            connection.connection.dbapi_connection.take_writers_lock()
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            connection.connection.dbapi_connection.release_writers_lock()
            raise

    return engine
