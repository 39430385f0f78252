"""The audit trail: every creation, read, change and export of a report, hash-chained.

Each event's hash covers its content and the previous event's hash, so changing, removing or
reordering any past event breaks the chain from there on, and ``verify`` says where. Appends
lock the single head row, so concurrent transactions extend the chain one after the other.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session
from sqlmodel import select as select_models

from vigilance.models import AuditEvent, AuditHead, User

logger = logging.getLogger(__name__)

GENESIS = "0" * 64

# Compiled once, parameters apart: every read of a report appends an event.
_INSERT_EVENT = AuditEvent.__table__.insert()
_LOCK_HEAD = (
    select(AuditHead.__table__.c.last_hash, AuditHead.__table__.c.count)
    .where(AuditHead.__table__.c.id == 1)
    .with_for_update()
)
_MOVE_HEAD = (
    AuditHead.__table__.update()
    .where(AuditHead.__table__.c.id == 1)
    .values(last_hash=bindparam("new_hash"), count=bindparam("new_count"))
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_HASHED_FIELDS = ("occurred_at", "actor_id", "actor_label", "action", "report_id", "target", "before", "after")


def _digest(prev_hash: str, event: dict[str, Any] | AuditEvent) -> str:
    values = event if isinstance(event, dict) else {name: getattr(event, name) for name in _HASHED_FIELDS}
    content = {
        "prev": prev_hash,
        "at": values["occurred_at"].isoformat(),
        "actor_id": values["actor_id"],
        "actor": values["actor_label"],
        "action": values["action"],
        "report_id": values["report_id"],
        "target": values["target"],
        "before": values["before"],
        "after": values["after"],
    }
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    now: datetime,
    report_id: int | None = None,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> str:
    """Append one event to the chain, in the caller's transaction; return its hash."""
    # Plain statements rather than the unit of work: every read of a report writes one of these.
    connection = session.connection()
    head = connection.execute(_LOCK_HEAD).first()
    if head is None:
        connection.execute(AuditHead.__table__.insert(), {"id": 1, "last_hash": GENESIS, "count": 0})
        prev_hash, count = GENESIS, 0
    else:
        prev_hash, count = head
    # JSON round trip: what is hashed is exactly what the database gives back.
    event = {
        "occurred_at": now,
        "actor_id": actor.id if actor else None,
        "actor_label": actor.email if actor else "system",
        "action": action,
        "report_id": report_id,
        "target": target,
        "before": json.loads(_canonical(before)) if before is not None else None,
        "after": json.loads(_canonical(after)) if after is not None else None,
        "prev_hash": prev_hash,
    }
    event["hash"] = _digest(prev_hash, event)
    connection.execute(_INSERT_EVENT, event)
    connection.execute(_MOVE_HEAD, {"new_hash": event["hash"], "new_count": count + 1})
    return event["hash"]


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    #: The first event that does not hold, and why.
    broken_at: int | None = None
    reason: str = ""


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute the chain from the start; report the first broken link."""
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        events = session.exec(
            select_models(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            if event.prev_hash != expected_prev:
                return Verification(False, checked, event.id, "previous hash does not match: an event was removed or reordered")
            if _digest(event.prev_hash, event) != event.hash:
                return Verification(False, checked, event.id, "content does not match its hash: the event was altered")
            expected_prev = event.hash
            checked += 1
            last_id = event.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hash != expected_prev or head.count != checked):
        return Verification(False, checked, None, "the chain ends before its recorded head: events were removed at the end")
    return Verification(True, checked)
