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

from sqlmodel import Session, select

from vigilance.models import AuditEvent, AuditHead, User

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _digest(prev_hash: str, event: AuditEvent) -> str:
    content = {
        "prev": prev_hash,
        "at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor_label,
        "action": event.action,
        "report_id": event.report_id,
        "target": event.target,
        "before": event.before,
        "after": event.after,
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
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS, count=0)
        session.add(head)
        session.flush()
    # JSON round trip: what is hashed is exactly what the database gives back.
    event = AuditEvent(
        occurred_at=now,
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        report_id=report_id,
        target=target,
        before=json.loads(_canonical(before)) if before is not None else None,
        after=json.loads(_canonical(after)) if after is not None else None,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = _digest(head.last_hash, event)
    head.last_hash = event.hash
    head.count += 1
    session.add(event)
    session.add(head)
    session.flush()
    return event


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
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
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
