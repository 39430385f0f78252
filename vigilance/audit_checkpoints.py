"""Checkpoints: every chain's head, written outside the database in a file signed with the audit key.

A chain proves that its events were not changed, but not that its end is still there: someone
who deletes the last events and rolls the head back, or empties a chain and resets its head,
leaves a shorter chain that holds. A checkpoint keeps, for each chain, its number of events and
last hash at a moment, in a file the database's users cannot rewrite without the key.
``verify`` then finds a chain shorter than a checkpoint says (truncation) and a chain whose event
at a checkpoint's position has another hash (rolled back and written again, or reset), and a
checkpoint file whose signature does not match (edited).

One is taken every day by the worker (the day's row in ``audit_checkpoints`` is claimed in the
transaction that writes the file, so several workers take one), and by
``vigilance audit checkpoint``; the coordinators' weekly summary quotes the latest digest, so
that a copy of it lives in people's mailboxes too. The files belong on storage that the
database's administrators cannot write (another volume, a WORM bucket synchronised from it).
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from vigilance import audit_keys
from vigilance.inserts import insert_unless_present
from vigilance.models.audit import AuditCheckpoint, AuditHead

FORMAT = "vigilance-audit-checkpoint/1"
_PREFIX = "checkpoint-"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Checkpoint:
    file_name: str
    taken_at: str
    #: chain -> (count, last hash)
    heads: dict[int, tuple[int, str]]
    digest: str


def _heads(session: Session) -> dict[int, tuple[int, str]]:
    heads = AuditHead.__table__
    rows = session.connection().execute(select(heads.c.id, heads.c.count, heads.c.last_hash).order_by(heads.c.id))
    return {chain: (count, last_hash) for chain, count, last_hash in rows}


def take(session: Session, directory: Path, *, now: datetime, scheduled_on: date | None = None) -> Checkpoint | None:
    """Write a checkpoint of every chain's head in *directory* and record it, in the caller's
    transaction. With *scheduled_on*, only if that day's checkpoint is not taken yet (None if
    it is: another worker took it)."""
    name = f"{_PREFIX}{now.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    row = {"scheduled_on": scheduled_on, "taken_at": now, "file_name": name, "digest": "", "events": 0}
    claimed = session.execute(
        insert_unless_present(session, AuditCheckpoint.__table__, ["scheduled_on"] if scheduled_on else None)
        .values(**row)
        .returning(AuditCheckpoint.__table__.c.id)
    ).first()
    if claimed is None:
        return None
    # Read after the claim: the heads are then at least as recent as the claim's transaction.
    heads = _heads(session)
    body = {
        "format": FORMAT,
        "taken_at": now.isoformat(),
        "key_id": audit_keys.key_id(),
        "chains": [{"chain": chain, "count": count, "last_hash": last} for chain, (count, last) in heads.items()],
    }
    signed = _canonical(body)

    digest = hashlib.sha256(signed).hexdigest()
    document = {**body, "digest": digest, "mac": audit_keys.mac(audit_keys.CHECKPOINTS, signed)}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    written = path.with_name(path.name + ".tmp")
    with open(written, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    written.replace(path)  # whole, at once
    session.execute(
        AuditCheckpoint.__table__.update()
        .where(AuditCheckpoint.__table__.c.id == claimed[0])
        .values(digest=digest, events=sum(count for count, _ in heads.values()))
    )
    return Checkpoint(name, now.isoformat(), heads, digest)


def latest(session: Session) -> AuditCheckpoint | None:
    """The last checkpoint recorded (for the weekly summary)."""
    table = AuditCheckpoint.__table__
    row = session.connection().execute(select(table).order_by(table.c.taken_at.desc()).limit(1)).mappings().first()
    return AuditCheckpoint(**row) if row else None


def read_all(directory: Path) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint file in *directory* whose signature holds, and a finding for each that does not."""
    good, findings = [], []
    if not directory.is_dir():
        return good, findings
    for path in sorted(directory.glob(f"{_PREFIX}*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            mac = document.pop("mac")
            document.pop("digest", None)  # recomputed: only the signed content counts
            signed = _canonical(document)
            digest = hashlib.sha256(signed).hexdigest()
            if document.get("format") != FORMAT:
                raise ValueError("unknown format")
            if document.get("key_id") != audit_keys.key_id():
                findings.append(f"checkpoint {path.name}: signed with another audit key ({document.get('key_id')})")
                continue
            if not audit_keys.same(audit_keys.mac(audit_keys.CHECKPOINTS, signed), str(mac)):
                findings.append(f"checkpoint {path.name}: signature does not match: the file was altered")
                continue
            heads = {int(c["chain"]): (int(c["count"]), str(c["last_hash"])) for c in document["chains"]}
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            findings.append(f"checkpoint {path.name}: unreadable ({error.__class__.__name__}): the file was altered")
            continue
        good.append(Checkpoint(path.name, document["taken_at"], heads, digest))
    return good, findings


def positions(checkpoints: list[Checkpoint]) -> set[tuple[int, int]]:
    """The (chain, count) whose hash ``audit.verify`` must give back."""
    return {(chain, count) for cp in checkpoints for chain, (count, _) in cp.heads.items() if count}


def compare(checkpoints: list[Checkpoint], lengths: dict[int, int], hashes_at: dict[tuple[int, int], str]) -> list[str]:
    """What the chains as they are contradict in the checkpoints (once per chain, the latest checkpoint first)."""
    findings, seen = [], set()
    for cp in sorted(checkpoints, key=lambda c: c.taken_at, reverse=True):
        for chain, (count, last_hash) in sorted(cp.heads.items()):
            if chain in seen or not count:
                continue
            length = lengths.get(chain, 0)
            if length < count:
                seen.add(chain)
                what = "emptied (its head reset)" if length == 0 else "truncated (the last events removed)"
                findings.append(
                    f"chain {chain}: {length} events where checkpoint {cp.file_name} recorded {count}: {what}"
                )
            elif hashes_at.get((chain, count)) != last_hash:
                seen.add(chain)
                findings.append(
                    f"chain {chain}: the event at position {count} is not the one checkpoint {cp.file_name} "
                    "recorded: the chain was rolled back or reset and written again"
                )
    return findings
