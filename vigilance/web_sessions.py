"""Page sessions kept on the server: the browser holds a random key, the database the rest.

A session is refused at its next request once it was signed out, idle too long, older than
its absolute lifetime, its account disabled, or once the account changed what the session was
granted: a new password, another role, establishment, set of queues or coordinator flag. The
row keeps a digest of those (``grants``) and compares it with the account's at each request, so
that whoever makes the change (a page, the CLI, a later feature) needs to call nothing. The
digest covers the password hash on the server only: the cookie holds a random key. A refused session is ended there and then, and
the row is kept: ``ended_at`` and ``end_reason`` say when and why, for the audit (ended
sessions are not purged: about one row per shift per person).

Reading costs one indexed query per page request; ``last_seen_at`` is written at most once a
minute (:data:`LAST_SEEN_RESOLUTION`), as an API token's last use is.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from vigilance.models import Establishment, User, WebSession

#: ``last_seen_at`` is written at most this often: a page view should not always write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class EndReason:
    SIGNED_OUT = "signed_out"
    RENEWED = "renewed"  # the same browser signed in again (a password change keeps it signed in)
    IDLE = "idle"
    EXPIRED = "expired"
    CHANGED = "account_changed"  # password, role, establishment, queues or coordinator flag
    DISABLED = "disabled"
    UNKNOWN_USER = "unknown_user"


@dataclass(frozen=True)
class Lifetime:
    """How long a session lives: *idle* without a request, *maximum* in all."""

    idle: timedelta
    maximum: timedelta


@dataclass(frozen=True)
class Found:
    """The session a cookie names, read in one query: still usable (``user``) or why not."""

    session_id: int
    user: User | None
    establishment: Establishment | None
    #: Why the session can no longer be used; None while it can.
    refusal: str | None
    #: Whether it was already ended (nothing left to write).
    ended: bool
    last_seen_at: datetime

    def is_stale(self, now: datetime) -> bool:
        """Whether the last request is worth writing down again."""
        return now - self.last_seen_at > LAST_SEEN_RESOLUTION


def grants_of(user: User) -> str:
    """A digest of what a session of *user* may do and of the password it began with."""
    queues = ",".join(sorted(user.vigilances or ()))
    granted = (
        f"{user.password_hash or ''}|{user.role}|{user.establishment_id or ''}|{queues}|{int(user.is_coordinator)}"
    )
    return hashlib.sha256(granted.encode()).hexdigest()


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def begin(session: Session, *, user: User, now: datetime) -> str:
    """Start a session for *user*; returns the key for the cookie (stored only as a hash)."""
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            key_hash=_key_hash(key),
            user_id=user.id,
            grants=grants_of(user),
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return key


# Built once: every signed-in page request runs it.
_BY_KEY = (
    select(WebSession, User, Establishment)
    .join(User, User.id == WebSession.user_id)
    .outerjoin(Establishment, Establishment.id == User.establishment_id)
    .where(WebSession.key_hash == bindparam("key_hash"))
)


def find(session: Session, *, key: str, now: datetime, lifetime: Lifetime) -> Found | None:
    """The session the cookie's *key* names, judged at *now* (reads only); None for an unknown key."""
    row = session.exec(_BY_KEY, params={"key_hash": _key_hash(key)}).first()
    if row is None:
        return None
    record, user, establishment = row
    refusal = _refusal(record, user, now, lifetime)
    return Found(
        session_id=record.id,
        user=None if refusal else user,
        establishment=None if refusal else establishment,
        refusal=refusal,
        ended=record.ended_at is not None,
        last_seen_at=record.last_seen_at,
    )


def _refusal(record: WebSession, user: User, now: datetime, lifetime: Lifetime) -> str | None:
    if record.ended_at is not None:
        return record.end_reason or EndReason.SIGNED_OUT
    if not user.is_active:
        return EndReason.DISABLED
    if record.grants != grants_of(user):
        return EndReason.CHANGED
    if now - record.created_at >= lifetime.maximum:
        return EndReason.EXPIRED
    if now - record.last_seen_at >= lifetime.idle:
        return EndReason.IDLE
    return None


def touch(session: Session, *, session_id: int, now: datetime) -> None:
    """Write down that the session was used at *now* (its idle time starts again)."""
    session.execute(
        update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None)).values(last_seen_at=now)
    )


def end(session: Session, *, session_id: int, reason: str, now: datetime) -> None:
    """End a session for *reason*, unless it already ended (the first reason stays)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_all(session: Session, *, user_id: int, reason: str, now: datetime) -> int:
    """End every open session of a user; how many were ended."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return result.rowcount
