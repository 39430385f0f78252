"""SQLite writers queue on a lock file: taken for each write transaction, released at its end."""

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import exc, text
from sqlmodel import Session

from vigilance.storage.engine import make_engine
from vigilance.storage.settings import StorageSettings
from vigilance.storage.transaction import read_only
from vigilance.storage.writers_lock import writers_lock_path

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the writers' queue is for SQLite, which has one writer at a time")


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    engine.dispose()


def lock_is_free(database: Path) -> bool:
    """Whether another writer could take the queue's lock now (asked from a descriptor of our own)."""
    descriptor = os.open(writers_lock_path(str(database)), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def test_with_the_lock_off_writers_leave_it_alone(tmp_path):
    """VIGILANCE_SQLITE_WRITERS_LOCK=off, to measure the queue again: SQLite's busy handler alone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}", StorageSettings(sqlite_writers_lock=False))
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
            assert lock_is_free(tmp_path / "queue.db")
            connection.commit()
    finally:
        engine.dispose()


def test_a_write_transaction_holds_the_lock_until_commit_rollback_or_close(engine, tmp_path):
    database = tmp_path / "queue.db"
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert not lock_is_free(database)
        connection.commit()
        assert lock_is_free(database)

        connection.execute(text("INSERT INTO notes (body) VALUES ('b')"))
        assert not lock_is_free(database)
        connection.rollback()
        assert lock_is_free(database)

        connection.execute(text("INSERT INTO notes (body) VALUES ('c')"))
        assert not lock_is_free(database)
    # Closed with its transaction open: rolled back by the pool, and the lock is free.
    assert lock_is_free(database)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["a"]


def test_a_read_only_transaction_leaves_the_writers_alone(engine, tmp_path):
    with Session(engine) as session:
        read_only(session).execute(text("SELECT count(*) FROM notes"))
        assert lock_is_free(tmp_path / "queue.db")


def test_a_second_write_transaction_in_the_same_thread_fails_rather_than_hanging(engine):
    with engine.connect() as holder:
        holder.execute(text("INSERT INTO notes (body) VALUES ('held')"))
        impatient = engine.connect()
        try:
            # On the driver's connection: through SQLAlchemy it would begin a transaction first.
            impatient.connection.dbapi_connection.execute("PRAGMA busy_timeout=200")
            started = time.monotonic()
            with pytest.raises(exc.OperationalError, match="locked"):
                impatient.execute(text("INSERT INTO notes (body) VALUES ('waits for itself')"))
            # SQLite's busy timeout ended the wait; the queue did not block it forever.
            assert time.monotonic() - started < 10
        finally:
            impatient.close()
        holder.commit()


HOLDER = """
import sys, time
from sqlalchemy import text
from vigilance.storage.engine import make_engine
engine = make_engine(sys.argv[1])
connection = engine.connect()
connection.execute(text("INSERT INTO notes (body) VALUES ('never committed')"))
print("holding", flush=True)
time.sleep(60)
"""


def test_a_writer_killed_while_holding_the_lock_does_not_block_the_others(engine, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(engine.url)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert not lock_is_free(tmp_path / "queue.db")
        holder.kill()
        holder.wait(timeout=10)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('after the kill')"))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["after the kill"]
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
        holder.stdout.close()


def test_a_transaction_ended_from_another_thread_lets_its_first_thread_queue_again(engine, tmp_path):
    database = tmp_path / "queue.db"
    connection = engine.connect()
    try:
        connection.execute(text("INSERT INTO notes (body) VALUES ('begun here')"))
        ender = threading.Thread(target=connection.commit)  # as a pool reset may do
        ender.start()
        ender.join()
        assert lock_is_free(database)
        # Back in the first thread, the next write queues again rather than believing it holds the lock.
        connection.execute(text("INSERT INTO notes (body) VALUES ('again')"))
        assert not lock_is_free(database)
        connection.commit()
    finally:
        connection.close()


def test_a_begin_refused_by_a_writer_outside_the_queue_lets_go_of_the_lock(engine, tmp_path):
    database = tmp_path / "queue.db"
    outsider = sqlite3.connect(database, isolation_level=None)  # the sqlite3 shell, say: it does not queue
    outsider.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as connection:
            connection.connection.dbapi_connection.execute("PRAGMA busy_timeout=100")
            with pytest.raises(exc.OperationalError, match="locked"):
                connection.execute(text("INSERT INTO notes (body) VALUES ('refused')"))
            assert lock_is_free(database)
    finally:
        outsider.rollback()
        outsider.close()
