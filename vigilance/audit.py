"""The audit trail: every creation, read, change and export of a report, hash-chained.

Each event's hash covers its content and the previous event's hash in its chain, so changing,
removing or reordering any past event breaks that chain from there on, and ``verify`` says
where. There are ``CHAINS`` chains, each with its head row (last hash, length) that appenders
lock, so concurrent transactions extend a chain one after the other. The report's id chooses
the chain: all the events of one report are in one chain, in order, while work on different
reports seldom waits for the same head (a single chain made every claim, read and intake of
the whole service queue behind one row lock until commit).

Events written before there were several chains are all in chain 1, which goes on from them.
Every chain's head exists from the first event on, so that removing a whole chain with its
head is found too.

Each link is an HMAC-SHA256 under the audit key (``vigilance.audit_keys``, held outside the
database): someone who can write to the database but lacks the key cannot rewrite an event and
hash the chain again. Events written before the key (scheme ``sha256``) stay verifiable as they
were; the first keyed event of their chain covers their last hash, and a chain cannot go back to
the unkeyed scheme once keyed. What the chains cannot show by themselves (the last events removed
with the head rolled back, a chain emptied with its head reset) the signed checkpoints kept
outside the database show (``vigilance.audit_checkpoints``).
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import select as select_models

from vigilance import audit_keys
from vigilance.models import AuditEvent, AuditHead, User
from vigilance.storage.driver_cursor import DirectStatement

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
#: The link of events written under the audit key, and of those written before there was one.
KEYED = "hmac-sha256"
UNKEYED = "sha256"

#: How many chains the trail is kept in. Events say which chain they are in, so changing
#: this later leaves past events verifiable; only new events would spread differently.
CHAINS = 16


def chain_of(report_id: int | None, actor_id: int | None = None) -> int:
    """The chain of a report's events; events about no report (administration, list reads)
    spread by their actor, so that every queue list read does not wait for one head."""
    if report_id is None and actor_id is not None:
        return 1 + actor_id % CHAINS
    return 1 + (report_id or 0) % CHAINS


@dataclass(frozen=True)
class Event:
    """One event of several recorded together (:func:`record_all`)."""

    action: str
    report_id: int | None = None
    target: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def _lock_order(event: Event, actor_id: int | None) -> tuple[int, int]:
    return chain_of(event.report_id, actor_id), event.report_id or 0


# On the driver's cursor (see vigilance.storage.driver_cursor): every intake, claim and read of a report
# appends an event, holding its chain's head until commit.
_HEADS = AuditHead.__table__
_INSERT_EVENT = DirectStatement(AuditEvent.__table__.insert())
_LOCK_HEAD = DirectStatement(
    select(_HEADS.c.last_hash, _HEADS.c.count).where(_HEADS.c.id == bindparam("chain")).with_for_update()
)
_MOVE_HEAD = DirectStatement(
    _HEADS.update()
    .where(_HEADS.c.id == bindparam("chain"))
    .values(last_hash=bindparam("new_hash"), count=bindparam("new_count"))
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_HASHED_FIELDS = ("occurred_at", "actor_id", "actor_label", "action", "report_id", "target", "before", "after")


def _digest(prev_hash: str, event: dict[str, Any] | AuditEvent, scheme: str = KEYED) -> str:
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
    if scheme == UNKEYED:
        return hashlib.sha256(_canonical(content).encode()).hexdigest()
    return audit_keys.mac(audit_keys.CHAIN, _canonical(content).encode())


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
    """Append one event to the chain, in the caller's transaction; return its hash.

    Several events about different reports in one transaction: :func:`record_all`.
    """
    # Plain statements rather than the unit of work: every read of a report writes one of these.
    connection = session.connection()
    chain = chain_of(report_id, actor.id if actor else None)
    heads = _LOCK_HEAD.rows(connection, {"chain": chain})
    if not heads:
        _create_heads(connection)
        heads = _LOCK_HEAD.rows(connection, {"chain": chain})
    prev_hash, count = heads[0]
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
        "chain": chain,
        "prev_hash": prev_hash,
        "scheme": KEYED,
    }
    event["hash"] = _digest(prev_hash, event)
    _INSERT_EVENT.rows(connection, event)
    _MOVE_HEAD.rows(connection, {"chain": chain, "new_hash": event["hash"], "new_count": count + 1})
    return event["hash"]


def record_all(session: Session, events: Iterable[Event], *, actor: User | None, now: datetime) -> list[str]:
    """Append several events in the caller's transaction, chain by chain; return their hashes
    in the order given.

    Each event locks its chain's head until commit, so two transactions taking heads in
    different orders (a list read and an activity report, say) could deadlock: the order is
    decided here, whatever order the events come in. A transaction that records events about
    several reports records them in one call.
    """
    given = list(events)
    hashes: dict[int, str] = {}
    actor_id = actor.id if actor else None
    for position in sorted(range(len(given)), key=lambda n: _lock_order(given[n], actor_id)):
        event = given[position]
        hashes[position] = record(
            session,
            actor=actor,
            action=event.action,
            now=now,
            report_id=event.report_id,
            target=event.target,
            before=event.before,
            after=event.after,
        )
    return [hashes[n] for n in range(len(given))]


def record_list_read(
    session: Session,
    *,
    actor: User,
    now: datetime,
    queue: str,
    filters: Any,
    cursor: Any,
    shown: int,
    door: str,
) -> str:
    """One event for a read of a queue's list (and its search): the queue, the filters as asked
    (those set), the page (its cursor) and how many items were shown; not one per row."""
    asked = {name: value for name, value in vars(filters).items() if value not in (None, (), False, "")}
    return record(
        session,
        actor=actor,
        action="list",
        now=now,
        target=f"{door}:queue:{queue}",
        after={"filters": asked, "after": vars(cursor) if cursor is not None else None, "shown": shown},
    )


def _create_heads(connection) -> None:
    """Every chain's head, at the very first event (in its own savepoint: a concurrent first
    event may create them at the same moment, and then theirs are used)."""
    missing = set(range(1, CHAINS + 1)) - set(connection.execute(select(_HEADS.c.id)).scalars())
    try:
        with connection.begin_nested():
            connection.execute(_HEADS.insert(), [{"id": n, "last_hash": GENESIS, "count": 0} for n in sorted(missing)])
    except IntegrityError:
        pass


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    #: The first event that does not hold, and why.
    broken_at: int | None = None
    reason: str = ""
    #: Everything found, one sentence each (the first is ``reason``): every chain is checked to
    #: its end, so that tampering in one does not hide tampering in another.
    findings: tuple[str, ...] = ()
    #: The hash found at each (chain, position) asked for (the checkpoints' positions).
    hashes_at: dict[tuple[int, int], str] | None = None
    #: Each chain's length.
    lengths: dict[int, int] | None = None


def verify(session: Session, batch: int = 5000, positions: Iterable[tuple[int, int]] = ()) -> Verification:
    """Recompute every chain from its start; report the first broken link of each chain.

    *positions* (chain, number of events) asks for the hash of the event at that position
    (the checkpoints' heads), given back in ``hashes_at``.
    """
    wanted = set(positions)
    hashes_at: dict[tuple[int, int], str] = {}
    expected_prev: dict[int, str] = {}
    lengths: dict[int, int] = {}
    keyed: set[int] = set()
    broken: dict[int, tuple[int, str]] = {}
    checked = 0
    last_id = 0
    while True:
        events = session.exec(
            select_models(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            last_id = event.id
            chain = event.chain
            lengths[chain] = lengths.get(chain, 0) + 1
            if (chain, lengths[chain]) in wanted:
                hashes_at[(chain, lengths[chain])] = event.hash
            if chain in broken:
                continue
            reason = _broken_link(event, expected_prev.get(chain, GENESIS), chain in keyed)
            if reason:
                broken[chain] = (event.id, reason)
                continue
            keyed.update([chain] if event.scheme == KEYED else [])
            expected_prev[chain] = event.hash
            checked += 1
    findings = [f"event {event_id} (chain {chain}): {reason}" for chain, (event_id, reason) in sorted(broken.items())]
    heads = {head.id: head for head in session.exec(select_models(AuditHead)).all()}
    if lengths and set(heads) != set(range(1, CHAINS + 1)) | set(lengths):
        findings.append("a chain's head is missing: a whole chain was removed")
    for chain, head in sorted(heads.items()):
        if chain in broken:
            continue
        if head.last_hash != expected_prev.get(chain, GENESIS) or head.count != lengths.get(chain, 0):
            findings.append(f"chain {chain} ends before its recorded head: events were removed at the end")
    first = min(broken.values()) if broken else None
    return Verification(
        not findings,
        checked,
        first[0] if first else None,
        first[1] if first else (findings[0] if findings else ""),
        tuple(findings),
        hashes_at,
        lengths,
    )


def _broken_link(event: AuditEvent, expected_prev: str, chain_keyed: bool) -> str:
    """Why *event* does not hold in its chain, or an empty string."""
    if event.prev_hash != expected_prev:
        return "previous hash does not match: an event was removed or reordered"
    if event.scheme == UNKEYED:
        if chain_keyed:
            return "unkeyed event after keyed ones: the chain was rewritten without the audit key"
        if _digest(event.prev_hash, event, UNKEYED) != event.hash:
            return "content does not match its hash: the event was altered"
        return ""
    if event.scheme != KEYED:
        return f"unknown scheme {event.scheme!r}: the event was altered"
    if not hmac.compare_digest(_digest(event.prev_hash, event, KEYED), event.hash):
        return "content does not match its keyed hash: the event was altered or rewritten without the audit key"
    return ""
