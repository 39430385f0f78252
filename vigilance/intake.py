"""Report intake: one validated draft becomes a routed, dated and audited report, in one transaction."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from routing import Decision, EventKind, Facts, ProductFacts, decide
from vigilance import audit
from vigilance.decisions import freeze
from vigilance.errors import Forbidden, InvalidInput
from vigilance.models import Deadline, Establishment, QueueItem, ReferenceCounter, Report, User
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir
from vigilance.snapshots import report_snapshot

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
#: Clocks differ a little between a clinician's device and the server.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_EVENT_YEAR = 1950


@dataclass(frozen=True)
class Draft:
    """A report as the clinician filled it in, already type-checked at the door."""

    event_kind: EventKind
    occurred_at: datetime
    product: ProductFacts
    description: str
    serious: bool
    detected_at: datetime | None = None
    severity_grade: int | None = None
    patient_sex: str | None = None
    patient_birth_year: int | None = None
    patient_initials: str | None = None
    lot_number: str | None = None
    donation_number: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_draft(draft: Draft, *, now: datetime) -> None:
    """Refuse what types cannot say is wrong: impossible dates, a NIR in any free text.

    :raises InvalidInput: with every problem found, per field.
    """
    errors: dict[str, list[dict[str, str]]] = {}

    def problem(path: str, fr: str, en: str) -> None:
        errors.setdefault(path, []).append({"fr": fr, "en": en})

    if draft.occurred_at > now + CLOCK_SKEW:
        problem("occurred_at", "La date de l'événement est dans le futur.", "The event date is in the future.")
    if draft.occurred_at.year < EARLIEST_EVENT_YEAR:
        problem("occurred_at", f"La date de l'événement est antérieure à {EARLIEST_EVENT_YEAR}.",
                f"The event date is before {EARLIEST_EVENT_YEAR}.")
    if draft.detected_at is not None:
        if draft.detected_at > now + CLOCK_SKEW:
            problem("detected_at", "La date de découverte est dans le futur.", "The detection date is in the future.")
        if draft.detected_at < draft.occurred_at:
            problem("detected_at", "La découverte ne peut précéder l'événement.",
                    "Detection cannot come before the event.")
    if draft.patient_birth_year is not None:
        if draft.patient_birth_year > now.astimezone(PARIS).year:
            problem("patient.birth_year", "L'année de naissance est dans le futur.", "The birth year is in the future.")
        if draft.patient_birth_year > draft.occurred_at.astimezone(PARIS).year:
            problem("patient.birth_year", "Le patient serait né après l'événement.",
                    "The patient would be born after the event.")
    free_texts = {
        "description": draft.description,
        "product.name": draft.product.name,
        "lot_number": draft.lot_number,
        "donation_number": draft.donation_number,
    }
    for path, text in free_texts.items():
        if contains_nir(text):
            errors.setdefault(path, []).append(NIR_MESSAGE)
    if errors:
        raise InvalidInput(errors)


def next_reference(session: Session, year: int) -> tuple[int, str]:
    """The next number of *year*: unique and without gaps, even under concurrent intake.

    The counter row stays locked by this transaction until it commits, so a concurrent intake
    waits for it rather than reading the same number.
    """
    bump = (
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    )
    sequence = session.execute(bump).scalar_one_or_none()
    if sequence is None:
        try:
            with session.begin_nested():
                session.execute(insert(ReferenceCounter).values(year=year, last=1))
            sequence = 1
        except IntegrityError:
            # Another intake opened the year first: take the next number after theirs.
            sequence = session.execute(bump).scalar_one()
    return sequence, f"VIG-{year}-{sequence:06d}"


def submit(session: Session, *, draft: Draft, actor: User, now: datetime) -> Report:
    """Decide, store and audit a report with its queue items and deadlines (flush, no commit).

    :raises InvalidInput: the draft is refused; nothing is stored.
    :raises Forbidden: the actor belongs to no establishment.
    """
    check_draft(draft, now=now)
    if actor.establishment_id is None:
        raise Forbidden({"fr": "Votre compte n'est rattaché à aucun établissement.",
                         "en": "Your account belongs to no establishment."})
    establishment = session.get(Establishment, actor.establishment_id)
    decision = decide(
        Facts(
            event_kind=draft.event_kind,
            product=draft.product,
            serious=draft.serious,
            severity_grade=draft.severity_grade,
            occurred_at=draft.occurred_at,
            detected_at=draft.detected_at,
            received_at=now,
            region=establishment.region,
        ),
        # The rulebook in force on the day of the event decides.
        on=draft.occurred_at.astimezone(PARIS).date(),
    )
    year = now.astimezone(PARIS).year
    sequence, reference = next_reference(session, year)
    report = Report(
        reference=reference,
        year=year,
        sequence=sequence,
        event_kind=draft.event_kind.value,
        occurred_at=draft.occurred_at,
        detected_at=draft.detected_at,
        received_at=now,
        product_name=draft.product.name,
        product_answers=_answers(draft.product),
        lot_number=draft.lot_number,
        donation_number=draft.donation_number,
        category=decision.category.value,
        queues=[q.value for q in decision.queues],
        rulebook_id=decision.rulebook.id,
        decision=freeze(decision),
        patient_sex=draft.patient_sex,
        patient_birth_year=draft.patient_birth_year,
        patient_initials=draft.patient_initials.upper() if draft.patient_initials else None,
        description=draft.description,
        serious=draft.serious,
        severity_grade=draft.severity_grade,
        reporter_id=actor.id,
        establishment_id=actor.establishment_id,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    _open_queue_items(session, report, decision, now)
    audit.record(session, actor=actor, action="create", now=now, report_id=report.id, target=reference,
                 after=report_snapshot(report))
    logger.info("Report %s received from %s: %s -> %s", reference, actor.email, report.category, report.queues)
    return report


def _answers(product: ProductFacts) -> dict[str, Any]:
    answers: dict[str, Any] = {k: (v.value if hasattr(v, "value") else v) for k, v in product.features.answered().items()}
    if product.origin is not None:
        answers["origin"] = product.origin.value
    if product.autologous is not None:
        answers["autologous"] = product.autologous
    return answers


def _open_queue_items(session: Session, report: Report, decision: Decision, now: datetime) -> None:
    for queue in decision.queues:
        deadlines = [d for d in decision.deadlines if d.queue == queue]
        dated = [d.due_at for d in deadlines if d.due_at is not None]
        item = QueueItem(
            report_id=report.id,
            queue=queue.value,
            establishment_id=report.establishment_id,
            serious=report.serious,
            next_due_at=min(dated) if dated else None,
            created_at=now,
        )
        session.add(item)
        session.flush()
        for deadline in deadlines:
            session.add(
                Deadline(
                    report_id=report.id,
                    queue_item_id=item.id,
                    queue=queue.value,
                    kind=deadline.kind,
                    rule_id=deadline.policy.id,
                    description=dict(deadline.policy.describe()),
                    unit=deadline.policy.unit,
                    without_delay=deadline.policy.without_delay,
                    due_at=deadline.due_at,
                    legal_basis=list(deadline.policy.legal_basis),
                )
            )
    session.flush()


def report_queue_items(session: Session, report: Report) -> list[QueueItem]:
    return list(session.scalars(select(QueueItem).where(QueueItem.report_id == report.id).order_by(QueueItem.id)))


def report_deadlines(session: Session, report: Report) -> list[Deadline]:
    return list(session.scalars(select(Deadline).where(Deadline.report_id == report.id).order_by(Deadline.id)))
