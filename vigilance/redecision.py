"""Re-deciding the open reports under a rulebook: what would change, then the change as one batch.

When a rulebook is corrected, or a new one ships for dates already reported, the open reports
it governs (those whose event falls in its period) may no longer be decided as they were. The
dry run lists every one whose decision would differ; applying re-decides them all in one
transaction, through the same code as a requalification (``triage.apply_decision``): items of
new queues opened with deadlines counted from the original receipt, items of queues left
closed, each report's change and the batch itself in the audit trail. Applying twice changes
nothing the second time: a report re-decided is then decided as the rulebook decides.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from routing import Decision, decide
from routing.rulebook import Rulebook, Rulebooks, shipped_rulebooks
from vigilance import audit
from vigilance.errors import Conflict, InvalidInput
from vigilance.i18n import translatable
from vigilance.models import Deadline, Establishment, QueueItem, Report, ReportStatus, User
from vigilance.planning import plan_openings
from vigilance.triage import apply_decision, decision_day, report_facts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """A decision as the list shows it: category, queues, the rulebook that decided, its rules."""

    category: str
    queues: tuple[str, ...]
    rulebook_id: str
    #: The rules that decided (None for a decision stored before rules were recorded).
    rule_ids: tuple[str, ...] | None

    def __str__(self) -> str:
        return f"{self.category} [{', '.join(self.queues)}] ({self.rulebook_id})"


@dataclass(frozen=True)
class Redecision:
    """One open report whose decision would differ under the rulebook."""

    report_id: int
    reference: str
    establishment_id: int
    before: Outcome
    after: Outcome
    #: Deadlines the new decision adds to queues the report stays in (their rule ids).
    added_deadlines: tuple[str, ...]
    decision: Decision

    @property
    def differences(self) -> tuple[str, ...]:
        """What differs: ``category``, ``queues``, ``rulebook``, ``rules``, ``deadlines``."""
        found = []
        if self.before.category != self.after.category:
            found.append("category")
        if self.before.queues != self.after.queues:
            found.append("queues")
        if self.before.rulebook_id != self.after.rulebook_id:
            found.append("rulebook")
        if self.before.rule_ids != self.after.rule_ids:
            found.append("rules")
        if self.added_deadlines:
            found.append("deadlines")
        return tuple(found)


@dataclass(frozen=True)
class Batch:
    """What one application did."""

    batch_id: str | None
    rulebook_id: str
    redecisions: tuple[Redecision, ...]
    opened_items: tuple[int, ...]


def rulebook_named(rulebook_id: str, rulebooks: Rulebooks | None = None) -> Rulebook:
    """The rulebook of that id, or a field error naming the ones there are."""
    rulebooks = rulebooks or shipped_rulebooks()
    try:
        return rulebooks.get(rulebook_id)
    except KeyError:
        known = ", ".join(r.id for r in rulebooks)
        raise InvalidInput(
            {
                "rulebook": [
                    translatable("Référentiel inconnu : %(id)s (connus : %(known)s).", id=rulebook_id, known=known)
                ]
            }
        ) from None


def preview(
    session: Session,
    *,
    rulebook_id: str,
    establishment_id: int | None = None,
    rulebooks: Rulebooks | None = None,
    lock: bool = False,
) -> list[Redecision]:
    """Every open report the rulebook governs whose decision would differ; nothing is written.

    :param establishment_id: only that establishment's reports (a coordinator's); all when None.
    :param lock: lock the open reports until the transaction ends (before re-deciding them), so
        that two approvals at once run one after the other and the second finds nothing to do.
    :raises InvalidInput: no rulebook has that id.
    """
    rulebooks = rulebooks or shipped_rulebooks()
    rulebook = rulebook_named(rulebook_id, rulebooks)
    regions = {e.id: e.region for e in session.exec(select(Establishment)).all()}
    found = []
    for report in _governed(session, rulebook, rulebooks, establishment_id, lock=lock):
        change = _redecision(session, report, regions[report.establishment_id], rulebooks)
        if change is not None:
            found.append(change)
    return found


def open_reports_governed(
    session: Session,
    *,
    rulebook_id: str,
    establishment_id: int | None = None,
    rulebooks: Rulebooks | None = None,
) -> int:
    """How many open reports the rulebook decides (the day of their event is in its span),
    whether or not their decision would change: so that an empty preview can say why it is
    empty (a rulebook not yet in force governs none).

    :raises InvalidInput: no rulebook has that id.
    """
    rulebooks = rulebooks or shipped_rulebooks()
    rulebook = rulebook_named(rulebook_id, rulebooks)
    return sum(1 for _report in _governed(session, rulebook, rulebooks, establishment_id))


def _governed(
    session: Session, rulebook: Rulebook, rulebooks: Rulebooks, establishment_id: int | None, lock: bool = False
):
    """The open reports whose event falls on a day *rulebook* governs, in id order (locked for
    the transaction with *lock*)."""
    query = select(Report).where(col(Report.status) != ReportStatus.CLOSED.value).order_by(col(Report.id))
    if establishment_id is not None:
        query = query.where(Report.establishment_id == establishment_id)
    if lock:
        query = query.with_for_update()
    for report in session.exec(query).all():
        if (rulebooks.in_force(decision_day(report)) or rulebooks.earliest).id == rulebook.id:
            yield report


def fingerprint(redecisions: list[Redecision]) -> str:
    """A short digest of a preview, so that what is approved is what was shown."""
    text = "\n".join(f"{r.report_id}|{r.before}|{r.after}|{','.join(r.added_deadlines)}" for r in redecisions)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def apply(
    session: Session,
    *,
    rulebook_id: str,
    actor: User | None,
    now: datetime,
    establishment_id: int | None = None,
    expected: str | None = None,
    base_url: str = "",
    rulebooks: Rulebooks | None = None,
) -> Batch:
    """Re-decide every report the preview lists, as one audited batch (flush, no commit).

    :param actor: who approved it; None from the command line (the operator).
    :param expected: the fingerprint of the preview that was approved; when given and the
        preview has changed since, nothing is done.
    :raises Conflict: the preview changed since it was approved.
    """
    redecisions = preview(
        session, rulebook_id=rulebook_id, establishment_id=establishment_id, rulebooks=rulebooks, lock=True
    )
    if expected is not None and expected != fingerprint(redecisions):
        raise Conflict(translatable("La liste a changé depuis l'aperçu : relisez-la avant d'approuver."))
    if not redecisions:
        return Batch(None, rulebook_id, (), ())
    batch_id = now.strftime("%Y%m%dT%H%M%S.%f")
    target = f"rulebook:{rulebook_id}:redecide"  # the batch's events share it, and the batch id
    audit.record(
        session,
        actor=actor,
        action="update",
        now=now,
        target=target,
        after={
            "batch": batch_id,
            "rulebook_id": rulebook_id,
            "establishment_id": establishment_id,
            "reports": [r.reference for r in redecisions],
        },
    )
    opened: list[int] = []
    for redecision in redecisions:
        report = session.get(Report, redecision.report_id)
        items = apply_decision(
            session,
            report=report,
            decision=redecision.decision,
            actor=actor,
            now=now,
            reason=f"re-decided under {rulebook_id}",
            target=target,
            extra={"batch": batch_id},
            base_url=base_url,
        )
        opened.extend(item.id for item in items)
    logger.info("Batch %s re-decided %d reports", batch_id, len(redecisions))
    return Batch(batch_id, rulebook_id, tuple(redecisions), tuple(opened))


def _redecision(session: Session, report: Report, region: str, rulebooks: Rulebooks) -> Redecision | None:
    stored = report.decision or {}
    # A person's qualification of a product stands (report_products.facts_of carries it, product
    # by product): the rules decide again only what follows from it.
    facts = report_facts(session, report, region=region)
    decision = decide(facts, on=decision_day(report), rulebooks=rulebooks)
    rule_ids = stored.get("rule_ids")
    before = Outcome(
        report.category, tuple(report.queues), report.rulebook_id, tuple(rule_ids) if rule_ids is not None else None
    )
    after = Outcome(
        decision.category.value, tuple(q.value for q in decision.queues), decision.rulebook.id, decision.rule_ids
    )
    added = _added_deadlines(session, report, decision, after)
    change = Redecision(report.id, report.reference, report.establishment_id, before, after, added, decision)
    return change if change.differences else None


def _added_deadlines(session: Session, report: Report, decision: Decision, after: Outcome) -> tuple[str, ...]:
    """The deadlines the decision plans for queues the report stays in that its open items lack."""
    kept = {
        item.queue: item.id
        for item in session.exec(select(QueueItem).where(QueueItem.report_id == report.id)).all()
        if item.queue in after.queues and item.status != "closed"
    }
    if not kept:
        return ()
    known: dict[int, set[str]] = {}
    for item_id, rule_id in session.exec(
        select(Deadline.queue_item_id, Deadline.rule_id).where(col(Deadline.queue_item_id).in_(list(kept.values())))
    ).all():
        known.setdefault(item_id, set()).add(rule_id)
    return tuple(
        deadline.rule_id
        for planned in plan_openings(decision)
        if planned.queue in kept
        for deadline in planned.deadlines
        if deadline.rule_id not in known.get(kept[planned.queue], set())
    )
