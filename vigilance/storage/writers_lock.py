"""Lock files beside one SQLite file: its writers queue on one, mail has one sender at a time.

What it saves: 1.5 to 4 ms per intake on average, with tails past 50 ms, that SQLite's busy
handler spent sleeping while the write lock sat free (the intake benchmark, commit 7c02b4e);
on 2026-12-04, under load, intake's p99 over HTTP 155-159 ms with it, 210-263 ms without. With
more writing processes than cores it can cost throughput (docs/architecture.md). Off with
``VIGILANCE_SQLITE_WRITERS_LOCK=off`` (the engine then gives connections no lock path).

SQLite has one writer at a time. A connection that finds the write lock taken does not wait for
it to free: its busy handler sleeps and tries again, for 1, 2, 5, 10, 15, 20, 25 ms and more
between tries. A request that misses the lock by a few microseconds sleeps for milliseconds
while the lock sits free; under concurrent intake that idle time was a fifth of the request.

So every transaction that will write (``BEGIN IMMEDIATE``) first takes an exclusive ``flock`` on
``<database>-writers``; the kernel wakes the next waiter the moment the holder lets go, just
after its ``COMMIT`` or ``ROLLBACK``. SQLite's own lock still decides: the lock file only
orders the service's own writers, so a writer that does not take it (the ``sqlite3`` shell, a
read transaction that upgrades) is waited for by SQLite's busy handler as before. The kernel
releases the lock of a process that dies, whatever it was doing. (A descriptor inherited
through ``fork`` would share the lock: connections are opened after the workers start, as the
app opens none when it is created.)

A thread that already holds the lock through one connection and begins writing on another does
not take it again (it would wait for itself forever): that second transaction meets SQLite's
busy timeout, as it would without this queue.

Mail is sent by one process at a time (``alone_or_not_at_all`` on ``<database>-outbox``), so
that it can send outside any transaction: a transaction held across an SMTP exchange would
hold SQLite's only write lock, and every intake would wait for the mail server.
"""

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_held = threading.local()


def _holdings() -> set[str]:
    if not hasattr(_held, "paths"):
        _held.paths = set()
    return _held.paths


class QueuedWriterConnection(sqlite3.Connection):
    """A pysqlite connection that takes the writers' lock around its write transactions."""

    writers_lock_path: str | None = None
    _lock_fd: int | None = None
    _holding: bool = False
    #: The taking thread's holdings: a release from another thread (a pool reset, the garbage
    #: collector) must clear the taker's record, not its own.
    _taker_holdings: set[str] | None = None

    def take_writers_lock(self) -> None:
        """Wait for the other writers (call it just before ``BEGIN IMMEDIATE``)."""
        path = self.writers_lock_path
        if path is None or self._holding or path in _holdings():
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._holding = True
        self._taker_holdings = _holdings()
        self._taker_holdings.add(path)

    def release_writers_lock(self) -> None:
        if self._holding:
            self._holding = False
            self._taker_holdings.discard(self.writers_lock_path)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writers_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writers_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._forget_lock()

    def __del__(self) -> None:
        # A connection dropped without close() must not keep its descriptor, and with it
        # possibly the lock, for the life of the process.
        self._forget_lock()

    def _forget_lock(self) -> None:
        self.release_writers_lock()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def writers_lock_path(database_path: str) -> str:
    return f"{os.path.abspath(database_path)}-writers"


@contextmanager
def alone_or_not_at_all(path: str) -> Iterator[bool]:
    """Whether this caller is the only one holding *path*'s lock, for the ``with`` block.

    Never waits: a second caller learns at once that someone else is at it (and comes back at
    its next turn). The kernel frees the lock of a process that dies. Mail delivery on SQLite
    uses it so that one process at a time sends, outside any transaction (vigilance.outbox, app.scheduler).
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
