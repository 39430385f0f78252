"""Idempotency keys: a retried request replays the first answer instead of acting twice.

The key is claimed in a transaction of its own, committed at once, so that a second request
with the same key sees it while the first is still running (and is told so), and the answer
is recorded in the same transaction as the work it answers for.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from vigilance.errors import Conflict, InvalidInput
from vigilance.i18n import translatable
from vigilance.models import IdempotencyRecord

#: A claim older than this whose request never finished (its process died) may be taken over.
ABANDONED_AFTER = timedelta(minutes=5)


def request_hash(body: Any) -> str:
    """A fingerprint of the request body that ignores key order and spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    record_id: int
    #: Set when the key was already used for this very request: answer with this.
    replay: tuple[int, dict[str, Any]] | None = None


def claim(session: Session, *, user_id: int, key: str, fingerprint: str, now: datetime) -> Claim:
    """Claim *key* for this request, or find the answer a previous identical request got.

    :raises Conflict: the first request with this key is still running.
    :raises InvalidInput: the key was used with another body.
    """
    record = IdempotencyRecord(user_id=user_id, key=key, request_hash=fingerprint, created_at=now)
    try:
        with session.begin_nested():
            session.add(record)
        session.commit()
        return Claim(record.id)
    except IntegrityError:
        session.rollback()
    existing = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    ).one()
    if existing.request_hash != fingerprint:
        raise InvalidInput(
            {"Idempotency-Key": [translatable("Cette clé d'idempotence a déjà servi pour une autre requête.")]}
        )
    if existing.state == "done":
        return Claim(existing.id, replay=(existing.response_status, existing.response_body))
    if now - existing.created_at > ABANDONED_AFTER:
        existing.created_at = now
        session.add(existing)
        session.commit()
        return Claim(existing.id)
    raise Conflict(
        translatable("Une requête avec cette clé d'idempotence est encore en cours : réessayez dans un instant.")
    )


def complete(session: Session, *, record_id: int, status: int, body: dict[str, Any]) -> None:
    """Record the answer, in the transaction of the work it answers for (flush, no commit)."""
    record = session.get(IdempotencyRecord, record_id)
    record.state = "done"
    record.response_status = status
    record.response_body = body
    session.add(record)
    session.flush()


def release(session: Session, *, record_id: int) -> None:
    """Forget a claim whose request was refused: a refused request leaves nothing behind."""
    record = session.get(IdempotencyRecord, record_id)
    if record is not None and record.state != "done":
        session.delete(record)
        session.commit()


def answered(session: Session, *, user_id: int, key: str) -> tuple[int, dict[str, Any]] | None:
    """The answer already given for *key*, if its request was done (a one-time form sent again)."""
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key, IdempotencyRecord.state == "done"
        )
    ).first()
    return (record.response_status, record.response_body) if record else None
