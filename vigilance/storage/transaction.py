"""The one way to write, whatever the door (API, pages, CLI, worker jobs), and the way to only read.

``write_transaction`` knows what each database needs, so that no caller has to remember it:
- SQLite has a single writer. Whatever the session had begun is ended first: a read begun
  ``DEFERRED`` cannot take the writers' lock in turn (and would fail on upgrade), and a
  transaction left open would hold the lock while this one waits for it. Then the write
  begins ``IMMEDIATE`` after the writers' lock (:mod:`vigilance.storage.engine`).
- PostgreSQL: an ordinary transaction. A read already begun goes on into it (one ``BEGIN`` and
  one ``COMMIT`` fewer per request: the API's token check reads in the request's transaction).
The block commits when it ends and rolls back when it raises.

The web request's session is made on :func:`reading_by_default`: what it does outside a write
transaction only reads (on SQLite a ``DEFERRED`` transaction, which takes no write lock).

It also seals, just before committing, the rows of the audited tables its transaction wrote
(:mod:`vigilance.audit_seals`): whatever path wrote them (the ORM, a Core statement, the
driver's cursor), the triggers noted them, and a row edited outside the service keeps no
matching seal.

What it saves is not time but a rule to remember: "end the read before writing" was written
out by hand in the token check, the page sign-in check and intake's door.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from vigilance import audit_seals
from vigilance.storage.engine import SQLITE_BEGIN

_WRITING = "vigilance_writing"


def reading_by_default(engine: Engine) -> Engine:
    """*engine* with its transactions beginning as reads: on SQLite ``DEFERRED``, without the
    writers' lock. For sessions that write only inside :func:`write_transaction` (the request's
    session): a read no longer queues behind every writer, nor holds up the next one.
    """
    return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})


def read_only(session: Session) -> Session:
    """Begin *session*'s next transaction as a reader: on SQLite it then takes no write lock.

    Call it before the transaction's first statement; the transaction must not write (end it
    with :func:`end_read`, or let :func:`write_transaction` end it).
    """
    session.connection(execution_options={SQLITE_BEGIN: "DEFERRED"})
    return session


def end_read(session: Session) -> None:
    """End the transaction *session* has begun, where a write to come needs it (SQLite only).

    For a write in another session of the same thread: on SQLite this session's transaction
    would hold the write lock, or keep the other from taking it. On PostgreSQL nothing is held
    that a writer waits for, and the transaction goes on.
    """
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()


@contextmanager
def write_transaction(bind: Session | Engine) -> Iterator[Session]:
    """One write transaction on *bind* (a session, or an engine to open one on): committed at
    the end of the block, rolled back if it raises.

    Not nested: a write transaction inside another on the same session is refused, rather than
    committing the outer one's work halfway.
    """
    session = Session(bind, expire_on_commit=False) if isinstance(bind, Engine) else bind
    if session.info.get(_WRITING):
        raise RuntimeError("this session is already in a write transaction")
    end_read(session)
    session.info[_WRITING] = True
    try:
        if session.get_bind().dialect.name == "sqlite":
            # IMMEDIATE even where the session's transactions begin as reads (reading_by_default).
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        audit_seals.begin(session)
        yield session
        audit_seals.seal_written(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_WRITING, None)
        if session is not bind:
            session.close()
