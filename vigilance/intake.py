"""Report intake: one validated draft becomes a routed, dated and audited report, in one transaction."""

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from routing import Decision, EventKind, Facts, ProductFacts, decide
from routing.identifiers import (
    DonationNumber,
    normalise_donation_number,
    normalise_lot_number,
    read_donation_number,
)
from vigilance import alerts, audit, case_file, followups, report_products
from vigilance.clock import PARIS
from vigilance.clocks import schedule_deadline
from vigilance.decisions import freeze
from vigilance.duplicates import find_candidates
from vigilance.errors import Forbidden, InvalidInput
from vigilance.i18n import Message, translatable
from vigilance.models import (
    Deadline,
    DeadlineState,
    Establishment,
    ItemStatus,
    QueueItem,
    ReferenceCounter,
    Report,
    ReportStatus,
    User,
)
from vigilance.planning import PlannedItem, plan_openings
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir
from vigilance.report_products import answers_of, joined_name
from vigilance.snapshots import report_snapshot
from vigilance.storage.driver_cursor import DirectStatement

logger = logging.getLogger(__name__)

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
    #: The reaction was unexpected (None: the reporter did not say).
    unexpected: bool | None = None
    severity_grade: int | None = None
    patient_sex: str | None = None
    patient_birth_year: int | None = None
    patient_initials: str | None = None
    lot_number: str | None = None
    donation_number: str | None = None
    #: How to reach the reporter about this case: their unit, a telephone number (never the patient's).
    reporter_unit: str | None = None
    reporter_phone: str | None = None
    #: The reporter confirmed that the report names no product (an error with no product involved).
    no_product_confirmed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: Every product, when several were given (``product`` is then the first); else ``(product,)``.
    products: tuple[ProductFacts, ...] = ()
    #: Whether the products came as a list (``products``): their field errors are named by position.
    listed: bool = False
    #: What the clinician adds for the declaration form (``vigilance.case_file``: the reporter's
    #: fields of the forms, by name), flowing into each item's case file.
    case_details: dict[str, Any] | None = None

    def __post_init__(self):
        products = tuple(self.products) or (self.product,)
        if products[0] != self.product:  # one of the two changed alone: refused, never ignored
            raise ValueError("a draft's product is its first product")
        object.__setattr__(self, "products", products)


#: Grade 4 is a death: serious by definition (CSP art. R. 1221-49), whatever the box says.
DEATH_GRADE = 4
#: What clinicians type where no product is concerned, compared without case, accents or punctuation.
#: Not "inconnu": a product the reporter cannot name is one a correspondent qualifies (the
#: qualification queue), not a report without product.
_NO_PRODUCT_WORDS = frozenset(
    {
        "aucun",
        "aucune",
        "aucun produit",
        "pas de produit",
        "sans produit",
        "sans objet",
        "neant",
        "rien",
        "na",
        "n a",
        "none",
        "no product",
        "nil",
        "x",
        "xx",
        "xxx",
    }
)


#: A telephone number or an extension as people write them: digits, spaces, dots, dashes,
#: brackets, a leading +.
_PHONE = re.compile(r"\+?[0-9 .()\-]{2,30}")


def names_no_product(name: str) -> bool:
    """Whether *name* names no product at all: only punctuation, or a word that means "none"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    words = " ".join(letters.split())
    return not words or words in _NO_PRODUCT_WORDS


def check_draft(draft: Draft, *, now: datetime) -> None:
    """Refuse what types cannot say is wrong: impossible dates, a NIR in any free text, answers
    that contradict each other, a report that names no product unless the reporter confirms it.

    :raises InvalidInput: with every problem found, per field.
    """
    errors: dict[str, list[Message]] = {}

    def problem(path: str, message: Message) -> None:
        errors.setdefault(path, []).append(message)

    if draft.occurred_at > now + CLOCK_SKEW:
        problem("occurred_at", translatable("La date de l'événement est dans le futur."))
    if draft.occurred_at.year < EARLIEST_EVENT_YEAR:
        problem(
            "occurred_at",
            translatable("La date de l'événement est antérieure à %(year)s.", year=EARLIEST_EVENT_YEAR),
        )
    # Only an event within bounds is placed in Paris time: year 9999 at UTC-5 is beyond the calendar there.
    event_year = None if "occurred_at" in errors else draft.occurred_at.astimezone(PARIS).year
    if draft.detected_at is not None:
        if draft.detected_at > now + CLOCK_SKEW:
            problem("detected_at", translatable("La date de découverte est dans le futur."))
        if draft.detected_at < draft.occurred_at:
            problem("detected_at", translatable("La découverte ne peut précéder l'événement."))
    if draft.patient_birth_year is not None:
        if draft.patient_birth_year > now.astimezone(PARIS).year:
            problem("patient.birth_year", translatable("L'année de naissance est dans le futur."))
        if event_year is not None and draft.patient_birth_year > event_year:
            problem(
                "patient.birth_year",
                translatable("Le patient serait né après l'événement."),
            )
    if draft.severity_grade == DEATH_GRADE and not draft.serious:
        problem(
            "serious",
            translatable("Un grade 4 (décès) est toujours grave : cochez « grave », ou corrigez le grade."),
        )
    for path, product in _product_paths(draft):
        if names_no_product(product.name) and not draft.no_product_confirmed:
            problem(
                path,
                translatable(
                    "Aucun produit n'est nommé : nommez le produit en cause, ou confirmez qu'aucun produit n'est concerné."
                ),
            )
    if draft.donation_number and draft.donation_number.strip():
        donation = read_donation_number(draft.donation_number)
        if donation.refused:
            problem("donation_number", donation_number_refusal(donation))
    if draft.reporter_phone and not _PHONE.fullmatch(draft.reporter_phone):
        problem(
            "reporter_phone",
            translatable("Un numéro de téléphone ou de poste : des chiffres, espaces, points, tirets, un + au début."),
        )
    free_texts = {
        "description": draft.description,
        **{f"{path}.name": product.name for path, product in _product_paths(draft)},
        "lot_number": draft.lot_number,
        "donation_number": draft.donation_number,
        "reporter_unit": draft.reporter_unit,
        "reporter_phone": draft.reporter_phone,
    }
    for path, text in free_texts.items():
        if contains_nir(text):
            errors.setdefault(path, []).append(NIR_MESSAGE)
    if draft.case_details:
        try:
            case_file.check_details(draft.case_details)
        except InvalidInput as refused:
            for path, messages in refused.errors.items():
                errors.setdefault(path, []).extend(messages)
    if errors:
        raise InvalidInput(errors)


def donation_number_refusal(donation: DonationNumber) -> Message:
    """Why an ISBT 128 donation number whose check does not match is refused."""
    return translatable(
        "Ce numéro de don ISBT 128 (%(number)s) ne correspond pas à son caractère de contrôle : "
        "vérifiez-le sur l'étiquette.",
        number=donation.normalised,
    )


def donation_number_warnings(donation_number: str | None) -> list[dict[str, Any]]:
    """What the reporter is told, without refusing, about the donation number: one in no
    format known here is kept as typed, and said so."""
    if not donation_number or not donation_number.strip():
        return []
    if not read_donation_number(donation_number).unknown_format:
        return []
    return [
        {
            "field": "donation_number",
            "code": "donation_number_format_unknown",
            "message": translatable(
                "Numéro de don dans un format non reconnu (ni ISBT 128) : enregistré tel quel, "
                "sans vérification. Vérifiez-le sur l'étiquette."
            ),
        }
    ]


def _product_paths(draft: Draft) -> list[tuple[str, ProductFacts]]:
    """Each product with the field path its errors go to: ``product``, or ``products.<n>``."""
    if not draft.listed:
        return [("product", draft.product)]
    return [(f"products.{n}", product) for n, product in enumerate(draft.products)]


def next_reference(session: Session, year: int) -> tuple[int, str]:
    """The next number of *year*: unique and without gaps, even under concurrent intake.

    The counter row stays locked by this transaction until it commits, so a concurrent intake
    waits for it rather than reading the same number.
    """
    connection = session.connection()
    sequence = _BUMP_COUNTER.first_value(connection, {"counter_year": year})
    if sequence is None:
        try:
            with connection.begin_nested():
                connection.execute(ReferenceCounter.__table__.insert(), {"year": year, "last": 1})
            sequence = 1
        except IntegrityError as taken:
            # Another intake opened the year first: take the next number after theirs.
            sequence = _BUMP_COUNTER.first_value(connection, {"counter_year": year})
            if sequence is None:
                raise RuntimeError(f"the reference counter of {year} vanished during intake") from taken
    return sequence, f"VIG-{year}-{sequence:06d}"


# Run on the driver's cursor (see vigilance.storage.driver_cursor): they run while SQLite's write lock is held.
_COUNTERS = ReferenceCounter.__table__
_BUMP_COUNTER = DirectStatement(
    _COUNTERS.update()
    .where(_COUNTERS.c.year == bindparam("counter_year"))
    .values(last=_COUNTERS.c.last + 1)
    .returning(_COUNTERS.c.last)
)
_INSERT_REPORT = DirectStatement(Report.__table__.insert().returning(Report.__table__.c.id))
_INSERT_ITEM = DirectStatement(QueueItem.__table__.insert().returning(QueueItem.__table__.c.id))
_INSERT_DEADLINE = DirectStatement(Deadline.__table__.insert().returning(Deadline.__table__.c.id))


class StoredRow(SimpleNamespace):
    """A row as intake wrote it, read by attribute like its model (``report.reference``).

    Not an ORM object: building those costs more than the writes on this hot path, and
    what was just written needs no loading back.
    """


class StoredReport(StoredRow):
    pass


@dataclass(frozen=True)
class Intake:
    """What intake stored: the report, its queue items and its deadlines."""

    report: StoredReport
    items: list[StoredRow]
    deadlines: list[StoredRow]


def submit(session: Session, *, draft: Draft, actor: User, now: datetime, base_url: str = "") -> Intake:
    """Decide, store and audit a report with its queue items and deadlines (flush, no commit).

    Everything that needs no database (checks, the decision, the rows to write) is done before
    the first write, so that the transaction, and on SQLite the write lock, lasts only as long
    as the writes themselves.

    :param base_url: where the service is reached, for the links in the alerts' emails.
    :raises InvalidInput: the draft is refused; nothing is stored.
    :raises Forbidden: the actor belongs to no establishment.
    """
    check_draft(draft, now=now)
    if actor.establishment_id is None:
        raise Forbidden(translatable("Votre compte n'est rattaché à aucun établissement."))
    establishment = session.get(Establishment, actor.establishment_id)
    facts = Facts(
        event_kind=draft.event_kind,
        products=draft.products,
        serious=draft.serious,
        severity_grade=draft.severity_grade,
        unexpected=draft.unexpected,
        occurred_at=draft.occurred_at,
        detected_at=draft.detected_at,
        received_at=now,
        region=establishment.region,
    )
    # The rulebook in force on the day of the event decides.
    decision = decide(facts, on=draft.occurred_at.astimezone(PARIS).date())
    plan = plan_openings(decision)  # dated by the decision, from these facts
    year = now.astimezone(PARIS).year
    row: dict[str, Any] = dict(
        **report_columns(draft, decision, finess=establishment.finess),
        received_at=now,
        reporter_id=actor.id,
        establishment_id=actor.establishment_id,
        status=ReportStatus.RECEIVED.value,
        created_at=now,
        updated_at=now,
    )
    # The writes, as plain statements: intake is the hot path, and the unit of work would
    # spend more time than the database.
    row["year"] = year
    row["sequence"], row["reference"] = next_reference(session, year)
    row["possible_duplicates"] = find_candidates(
        session,
        establishment_id=actor.establishment_id,
        occurred_at=draft.occurred_at,
        event_kind=draft.event_kind.value,
        lot_number=draft.lot_number,
        donation_number=draft.donation_number,
        patient=(draft.patient_sex, draft.patient_birth_year, draft.patient_initials),
    )
    connection = session.connection()
    row["id"] = _INSERT_REPORT.first_value(connection, row)
    report = StoredReport(**row)
    report_products.store(session, report_id=report.id, decision=decision)
    items, deadlines = _open_queue_items(session, report, plan, decision.rulebook.id, now, establishment.region)
    copied = followups.open_copies_and_plans(
        session,
        decision=decision,
        report=report,
        items={item.queue: item.id for item in items},
        anchors=facts.anchors(),
        now=now,
    )
    case_file.open_at_intake(
        session,
        report=report,
        items=[*items, *copied],
        product_names=[product.name for product in draft.products],
        details=draft.case_details,
        actor=actor,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        now=now,
        report_id=report.id,
        target=report.reference,
        after=report_snapshot(report),
    )
    alerts.on_arrival(
        session,
        report=report,
        items=[*items, *copied],  # a copy's queue learns of a serious case as the routed ones do
        deadlines=deadlines,
        urgent=alerts.urgent_queues(decision),
        now=now,
        base_url=base_url,
    )
    logger.info("Report %s received from %s: %s -> %s", report.reference, actor.email, report.category, report.queues)
    return Intake(report, items, deadlines)


def report_columns(draft: Draft, decision: Decision, *, finess: str) -> dict[str, Any]:
    """The report's columns that the draft and its decision give: the same for a report filed
    now and for a past case imported (``vigilance.imports.cases``), whose doors add the rest."""
    return dict(
        event_kind=draft.event_kind.value,
        occurred_at=draft.occurred_at,
        detected_at=draft.detected_at,
        product_name=_product_line(draft),
        product_answers=answers_of(draft.product),
        lot_number=draft.lot_number,
        donation_number=draft.donation_number,
        lot_number_normalised=normalise_lot_number(draft.lot_number),
        donation_number_normalised=normalise_donation_number(draft.donation_number),
        category=decision.category.value,
        queues=[q.value for q in decision.queues],
        rulebook_id=decision.rulebook.id,
        decision=freeze(decision, finess),
        patient_sex=draft.patient_sex,
        patient_birth_year=draft.patient_birth_year,
        patient_initials=draft.patient_initials.upper() if draft.patient_initials else None,
        description=draft.description,
        serious=draft.serious,
        unexpected=draft.unexpected,
        severity_grade=draft.severity_grade,
        reporter_unit=draft.reporter_unit,
        reporter_phone=draft.reporter_phone,
    )


def _product_line(draft: Draft) -> str:
    """The report's one-line product: the name as typed when one was given (even one that holds
    several), every name joined when several were given."""
    if len(draft.products) == 1:
        return draft.product.name
    return joined_name(draft.products)


def _open_queue_items(
    session: Session,
    report: "StoredReport",
    plan: tuple[PlannedItem, ...],
    rulebook_id: str,
    now: datetime,
    region: str,
) -> tuple[list["StoredRow"], list["StoredRow"]]:
    """Write the planned items and deadlines, and schedule the deadlines' clocks."""
    item_rows = [
        dict(
            report_id=report.id,
            queue=planned.queue,
            establishment_id=report.establishment_id,
            status=ItemStatus.NEW.value,
            serious=report.serious,
            next_due_at=planned.next_due_at,
            urgency_at=planned.urgency_at,
            version=1,
            created_at=now,
        )
        for planned in plan
    ]
    connection = session.connection()
    for item_row in item_rows:
        item_row["id"] = _INSERT_ITEM.first_value(connection, item_row)
    deadline_rows = [
        dict(
            report_id=report.id,
            queue_item_id=item_row["id"],
            state=DeadlineState.OPEN.value,
            **deadline.columns(),
        )
        for planned, item_row in zip(plan, item_rows, strict=True)
        for deadline in planned.deadlines
    ]
    for deadline_row in deadline_rows:
        deadline_row["id"] = _INSERT_DEADLINE.first_value(connection, deadline_row)
        schedule_deadline(
            session,
            deadline_id=deadline_row["id"],
            due_at=deadline_row["due_at"],
            unit=deadline_row["unit"],
            start=now,
            rulebook_id=rulebook_id,
            region=region,
            now=now,
        )
    return [StoredRow(**r) for r in item_rows], [StoredRow(**r) for r in deadline_rows]


def report_deadlines(session: Session, report: Report) -> list[Deadline]:
    return list(session.scalars(select(Deadline).where(Deadline.report_id == report.id).order_by(Deadline.id)))
