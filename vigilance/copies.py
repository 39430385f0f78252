"""Information copies: where a text makes one vigilance inform another, the other queue gets
the report for information, as an item of its own with no declaration deadline, linked both
ways to the item it copies, with the legal basis that asks for it (rulebook ``[[copy]]``).

Its correspondents read the report (``vigilance.access``: the copy's queue is in the frozen
decision) and work the copy as any item: they read, assess, close it. Only the deadlines are
absent: the declaration is the informing vigilance's to make.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from routing.followups import CopyRule
from vigilance.models import InformationCopy, ItemStatus, QueueItem

logger = logging.getLogger(__name__)


def open_copies(
    session: Session,
    *,
    rules: Iterable[CopyRule],
    report_id: int,
    establishment_id: int,
    serious: bool,
    items: Mapping[str, int],
    now: datetime,
) -> list[QueueItem]:
    """Open an information copy in each queue *rules* name (a decision's, or one a correspondent
    sends), linked to the informing item (by queue in *items*); a queue that already holds the
    report gets none (flush, no commit)."""
    rules = tuple(rules)
    if not rules:
        return []
    held = set(session.exec(select(QueueItem.queue).where(QueueItem.report_id == report_id)).all())
    opened: list[QueueItem] = []
    for rule in rules:
        original = items.get(rule.source.value)
        if original is None or rule.target.value in held:
            continue
        copy = QueueItem(
            report_id=report_id,
            queue=rule.target.value,
            establishment_id=establishment_id,
            status=ItemStatus.NEW,
            serious=serious,
            created_at=now,
        )
        session.add(copy)
        session.flush()
        session.add(
            InformationCopy(
                queue_item_id=copy.id,
                original_item_id=original,
                report_id=report_id,
                rule_id=rule.id,
                explanation=dict(rule.explanation),
                legal_basis=list(rule.legal_basis),
                created_at=now,
            )
        )
        held.add(rule.target.value)
        opened.append(copy)
    session.flush()
    if opened:
        logger.info("Report %s: information copies in %s", report_id, [c.queue for c in opened])
    return opened


def copies_among(session: Session, item_ids: list[int]) -> dict[int, InformationCopy]:
    """Which of these items are copies: each copy by its item's id."""
    if not item_ids:
        return {}
    rows = session.exec(select(InformationCopy).where(col(InformationCopy.queue_item_id).in_(item_ids)))
    return {row.queue_item_id: row for row in rows}


def copies_of_report(session: Session, report_id: int) -> list[InformationCopy]:
    """Every copy of a report, both ways: what each item sent or received."""
    return list(
        session.exec(select(InformationCopy).where(InformationCopy.report_id == report_id).order_by(InformationCopy.id))
    )


def offered_copies(rules: Iterable[CopyRule], *, category: str, event_kind: str, queue: str) -> list[CopyRule]:
    """The copies a correspondent working *queue* may send for such a case, by the rulebook."""
    return [rule for rule in rules if rule.offered(category, event_kind, queue)]


def as_decided(rule: CopyRule) -> dict:
    """A copy as the report's frozen decision names it (see vigilance.decisions.freeze)."""
    return {
        "queue": rule.target.value,
        "source": rule.source.value,
        "rule": rule.id,
        "legal_basis": list(rule.legal_basis),
    }
