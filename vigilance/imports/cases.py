"""Past cases, from a CSV or JSON file: decided under the rulebook of their date, keeping their
own references, marked as imported.

The format: one case a line of a CSV whose header names the columns (any order, case ignored;
``,`` or ``;``), or one case an object of a JSON list (or of ``{"cases": [...]}``) whose keys
are the same names (a problem in a JSON file is named by the case's position in the list, 1 for
the first, in place of a line). Days are written ``2023-05-17`` or ``17/05/2023``; moments in ISO 8601
(``2023-05-17T14:30``, the time in France unless an offset is given).

=========================  ========  ===============================================================
field                      required  what
=========================  ========  ===============================================================
``reference``              yes       the case's reference in the earlier register, kept as it is
                                     (20 characters at most; unique; not in this service's own
                                     ``VIG-YYYY-NNNNNN`` form, which its new cases take)
``received_at``            yes       when the correspondent received it: its deadlines count from it
``occurred_at``            yes       when it happened: its date chooses the rulebook
``detected_at``            no        when it was detected
``event_kind``             yes       ``recipient_adverse_reaction``, ``donor_adverse_reaction``,
                                     ``incident``, ``quality_defect``, ``post_donation_information``
``products``               yes       the product names; several separated by ``|`` in a CSV, a list
                                     of names in JSON (contract.md, "Several products")
``serious``                yes       ``oui``/``non``, ``yes``/``no``, ``1``/``0``, true/false in JSON
``severity_grade``         no        1 to 4 (4: a death, always serious)
``unexpected``             no        yes/no
``description``            yes       what happened (pseudonymous: a NIR is refused)
``lot_number``             no        the lot number
``donation_number``        no        the donation number (an ISBT 128 number's check is checked)
``patient_sex``            no        ``F``, ``M`` or ``U``
``patient_birth_year``     no        the patient's year of birth
``patient_initials``       no        at most 3 letters
``status``                 yes       ``open`` (still to work) or ``closed``
``outcome``                no        a closed case's outcome (``declared``, ``not_reportable``,
                                     ``duplicate``, ``transferred``, ``information_only``);
                                     default ``declared`` when declared, else ``not_reportable``
``closed_on``              no        when it was closed (default: declared on, else received)
``declared_to``            no        the authority declared to (``ANSM``, ``ABM``, ``CRPV``,
                                     ``EFS``, ``manufacturer``; default: the decision's authority)
``declared_on``            no        when it was declared (a day: its end, as a declaration's date is
                                     read on the item page)
``declaration_reference``  no        the authority's number (default: the case's reference)
``reporter_email``         no        the account of the establishment who reported it (default: the
                                     door's reporter, ``--reporter`` or the page's field)
=========================  ========  ===============================================================

Each case is decided as intake decides one (``routing.decide`` under the rulebook in force on
the day of the event, with the establishment's holiday calendar), and opens the items and
deadlines :func:`vigilance.planning.plan_openings` plans for that decision, dated from the case's
own moments. What differs from a case filed now is only what the past makes true:

- a declared case's declaration is recorded on each of its items, and meets each deadline
  whose due time it did not pass (declared late: missed, as compliance figures count it);
- a closed case's items are closed with its outcome on its closing day; its deadlines not met
  by the declaration are missed if their due time had passed by then, else waived
  ("imported: closed");
- an open case's deadlines whose due time has passed are missed (as the clocks would have
  marked them), without escalation; only those still to come get their clocks (reminders,
  escalation), and its information copies and follow-up plans open as at intake (only the
  steps to come get a reminder);
- nothing is announced: no alert, no email (no ``alerts.on_arrival``), for open and closed
  cases alike: they are not arriving, they are history.

The reference is kept; the report's ``year`` is its year of receipt and its ``sequence`` a
negative number (-1, -2... in that year), so that it never takes a number the service's own
references will use. A ``report_imports`` row marks it as imported (shown "importé" on its
pages), with the file's SHA-256 and its line. The case is audited (``create``) as intake audits
one, by the administrator who confirmed the import.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from routing import Decision, EventKind, Facts, ProductFacts, Queue, decide
from routing.scales import AUTHORITIES, OUTCOMES
from vigilance import audit, followups, report_products
from vigilance.clock import PARIS, utcnow
from vigilance.clocks import schedule_deadline
from vigilance.errors import InvalidInput
from vigilance.i18n import Message, translatable
from vigilance.imports.reading import Checked, Problem, Progress, boolean, header_records, json_records, moment, text_of
from vigilance.intake import Draft, check_draft, report_columns
from vigilance.models import (
    Deadline,
    DeadlineState,
    Declaration,
    Establishment,
    ItemStatus,
    QueueItem,
    Report,
    ReportImport,
    ReportStatus,
    Role,
    User,
)
from vigilance.planning import plan_openings
from vigilance.snapshots import report_snapshot
from vigilance.triage import refresh_next_due

COLUMNS = (
    "reference",
    "received_at",
    "occurred_at",
    "detected_at",
    "event_kind",
    "products",
    "serious",
    "severity_grade",
    "unexpected",
    "description",
    "lot_number",
    "donation_number",
    "patient_sex",
    "patient_birth_year",
    "patient_initials",
    "status",
    "outcome",
    "closed_on",
    "declared_to",
    "declared_on",
    "declaration_reference",
    "reporter_email",
)
REQUIRED = ("reference", "received_at", "occurred_at", "event_kind", "products", "serious", "description", "status")
#: The service's own references: an imported case may not take one.
OWN_REFERENCE = re.compile(r"VIG-\d{4}-\d{6}", re.IGNORECASE)
REFERENCE_LENGTH = Report.__table__.c["reference"].type.length
#: What "imported" closes a deadline with, when the case was closed before its due time.
WAIVED_ON_IMPORT = "imported: closed"


@dataclass(frozen=True)
class Case:
    line: int
    reference: str
    draft: Draft
    received_at: datetime
    decision: Decision
    closed: bool
    outcome: str | None
    closed_at: datetime | None
    declared_to: str | None
    declared_at: datetime | None
    declaration_reference: str
    reporter_id: int
    extra: dict[str, Any] = field(default_factory=dict)


def check(
    session: Session,
    data: bytes,
    *,
    establishment: str | None = None,
    reporter: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    **_options: Any,
) -> Checked:
    """Read and check the cases; decide each under the rulebook of its date (reads only).

    :param establishment: the FINESS of the establishment the cases belong to.
    :param reporter: the email of the account that reported them, unless a case names its own.
    """
    now = now or utcnow()
    text = text_of(data)
    if text.lstrip().startswith(("[", "{")):
        records, problems = json_records(text)
        names = sorted({name for _, values in records for name in values})
        required_missing: list[str] = []
    else:
        records, names, problems = header_records(text)
        required_missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n and n not in COLUMNS]
    if required_missing:
        problems.append(
            Problem(1, "file", translatable("Colonnes manquantes : %(columns)s.", columns=", ".join(required_missing)))
        )
    if unknown:
        problems.append(
            Problem(1, "file", translatable("Colonnes inconnues : %(columns)s.", columns=", ".join(unknown[:10])))
        )
    place = _establishment(session, establishment, problems)
    default_reporter = _reporter(session, reporter, place, problems, line=0, field="reporter") if reporter else None
    if required_missing or unknown or place is None or (reporter and default_reporter is None):
        return Checked(records=len(records), problems=problems)
    taken = set(session.exec(select(Report.reference)))
    seen: dict[str, int] = {}
    reporters: dict[str, tuple[User | None, list[Problem]]] = {}
    ready = []
    for done, (line, values) in enumerate(records, start=1):
        case, row_problems = _check_case(session, line, values, place, default_reporter, reporters, taken, seen, now)
        problems.extend(row_problems)
        if case is not None and not row_problems:
            ready.append(case)
        if progress is not None:
            progress("check", done, len(records))
    return Checked(
        records=len(records),
        problems=problems,
        ready=ready,
        would={"created": len(ready)},
        context={"establishment_id": place.id},
    )


def _establishment(session: Session, finess: str | None, problems: list[Problem]) -> Establishment | None:
    finess = re.sub(r"\s+", "", finess or "").upper()
    if not finess:
        problems.append(Problem(0, "establishment", translatable("Choisissez l'établissement des cas importés.")))
        return None
    found = session.exec(select(Establishment).where(Establishment.finess == finess)).first()
    if found is None:
        problems.append(
            Problem(0, "establishment", translatable("Aucun établissement %(finess)s.", finess=finess[:20]))
        )
    return found


def _reporter(session, email, place, problems, *, line, field) -> User | None:
    email = str(email).strip().lower()
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        problems.append(Problem(line, field, translatable("Aucun compte %(email)s.", email=email[:254])))
        return None
    if user.establishment_id != place.id or user.role == Role.ADMIN:
        problems.append(
            Problem(
                line,
                field,
                translatable("%(email)s n'est pas un compte de l'établissement des cas.", email=email[:254]),
            )
        )
        return None
    return user


def _text(values: dict, name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).strip()


def _check_case(session, line, values, place, default_reporter, reporters, taken, seen, now):
    problems: list[Problem] = []

    def problem(field: str, message: Message) -> None:
        problems.append(Problem(line, field, message))

    for name in REQUIRED:
        if values.get(name) is None or (isinstance(values.get(name), str) and not values[name].strip()):
            problem(name, translatable("Champ obligatoire."))
    reference = _text(values, "reference")
    if reference:
        if len(reference) > REFERENCE_LENGTH:
            problem("reference", translatable("%(count)s caractères au plus.", count=REFERENCE_LENGTH))
        elif OWN_REFERENCE.fullmatch(reference):
            problem(
                "reference",
                translatable(
                    "La forme VIG-AAAA-NNNNNN est celle des cas du service : gardez celle du registre d'origine."
                ),
            )
        elif reference in taken:
            problem("reference", translatable("La référence %(reference)s existe déjà.", reference=reference))
        elif reference in seen:
            problem(
                "reference",
                translatable(
                    "La référence %(reference)s figure déjà ligne %(line)s.", reference=reference, line=seen[reference]
                ),
            )
        else:
            seen[reference] = line

    def when(name: str, *, end_of_day: bool = False) -> datetime | None:
        text = _text(values, name)
        if not text:
            return None
        try:
            return moment(text, end_of_day=end_of_day)
        except ValueError:
            problem(name, translatable("Date illisible : %(value)s (AAAA-MM-JJ ou JJ/MM/AAAA).", value=text[:40]))
            return None

    received_at, occurred_at, detected_at = when("received_at"), when("occurred_at"), when("detected_at")
    closed_at, declared_at = when("closed_on", end_of_day=True), when("declared_on", end_of_day=True)
    if received_at is not None and received_at > now:
        problem("received_at", translatable("La date de réception est dans le futur."))
    for name, value in (("closed_on", closed_at), ("declared_on", declared_at)):
        if value is not None and value.astimezone(PARIS).date() > now.astimezone(PARIS).date():
            problem(name, translatable("Cette date est dans le futur."))
    if declared_at is not None and declared_at > now:
        declared_at = now  # declared today: not after this moment
    if closed_at is not None and closed_at > now:
        closed_at = now
    if received_at and occurred_at and received_at < occurred_at:
        problem("received_at", translatable("La réception ne peut précéder l'événement."))
    if received_at and declared_at and declared_at.astimezone(PARIS).date() < received_at.astimezone(PARIS).date():
        problem("declared_on", translatable("La déclaration ne peut précéder la réception."))
    event_kind = None
    if _text(values, "event_kind"):
        try:
            event_kind = EventKind(_text(values, "event_kind"))
        except ValueError:
            problem(
                "event_kind",
                translatable("Type d'événement : %(choices)s.", choices=", ".join(e.value for e in EventKind)),
            )
    raw_products = values.get("products")
    if isinstance(raw_products, list):
        names = [str(p.get("name", "") if isinstance(p, dict) else p).strip() for p in raw_products]
    else:
        names = [p.strip() for p in str(raw_products or "").split("|")]
    names = [n for n in names if n]
    if raw_products and not names:
        problem("products", translatable("Nommez au moins un produit."))
    if len(names) > 10:
        problem("products", translatable("10 produits au plus."))
    if any(len(n) > 500 for n in names):
        problem("products", translatable("%(count)s caractères au plus.", count=500))
    serious = (
        boolean(values.get("serious")) if _text(values, "serious") or isinstance(values.get("serious"), bool) else None
    )
    if serious is None and _text(values, "serious"):
        problem("serious", translatable("oui ou non."))
    unexpected = boolean(values.get("unexpected")) if _text(values, "unexpected") else None
    if unexpected is None and _text(values, "unexpected"):
        problem("unexpected", translatable("oui ou non."))
    severity_grade = _number(values, "severity_grade", 1, 4, problem)
    birth_year = _number(values, "patient_birth_year", 1880, 9999, problem)
    sex = _text(values, "patient_sex").upper() or None
    if sex is not None and sex not in ("F", "M", "U"):
        problem("patient_sex", translatable("F, M ou U."))
    initials = _text(values, "patient_initials") or None
    if initials is not None and not re.fullmatch(r"[A-Za-z]{1,3}", initials):
        problem("patient_initials", translatable("3 lettres au plus."))
    description = _text(values, "description")
    if len(description) > Report.__table__.c["description"].type.length:
        problem("description", translatable("%(count)s caractères au plus.", count=10_000))
    for name in ("lot_number", "donation_number"):
        if len(_text(values, name)) > 64:
            problem(name, translatable("%(count)s caractères au plus.", count=64))
    status = _text(values, "status").lower()
    if status and status not in ("open", "closed"):
        problem("status", translatable("open ou closed."))
    outcome = _text(values, "outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        problem("outcome", translatable("Issue : %(choices)s.", choices=", ".join(OUTCOMES)))
    if outcome is not None and status == "open":
        problem("outcome", translatable("Un cas ouvert n'a pas encore d'issue."))
    if outcome == "declared" and declared_at is None:
        problem("declared_on", translatable("Un cas clos « déclaré » dit quand il l'a été."))
    declared_to = _text(values, "declared_to") or None
    if declared_to is not None and declared_to not in AUTHORITIES:
        problem("declared_to", translatable("Autorité : %(choices)s.", choices=", ".join(AUTHORITIES)))
    if declared_to is not None and declared_at is None:
        problem("declared_on", translatable("Dites quand la déclaration a été faite."))
    declaration_reference = _text(values, "declaration_reference") or reference
    if len(declaration_reference) > 64:
        problem("declaration_reference", translatable("%(count)s caractères au plus.", count=64))
    reporter = default_reporter
    if _text(values, "reporter_email"):
        email = _text(values, "reporter_email").lower()
        if email not in reporters:
            found: list[Problem] = []
            reporters[email] = (_reporter(session, email, place, found, line=line, field="reporter_email"), found)
        reporter, found = reporters[email]
        problems.extend(Problem(line, p.field, p.message) for p in found)
    elif reporter is None:
        problem(
            "reporter_email",
            translatable("Dites qui a déclaré le cas (colonne reporter_email, ou le déclarant par défaut)."),
        )
    if problems:
        return None, problems
    products = tuple(ProductFacts(name=n) for n in names)
    draft = Draft(
        event_kind=event_kind,
        occurred_at=occurred_at,
        product=products[0],
        products=products,
        listed=len(products) > 1,
        description=description,
        serious=serious,
        detected_at=detected_at,
        unexpected=unexpected,
        severity_grade=severity_grade,
        patient_sex=sex,
        patient_birth_year=birth_year,
        patient_initials=initials,
        lot_number=_text(values, "lot_number") or None,
        donation_number=_text(values, "donation_number") or None,
    )
    try:
        check_draft(draft, now=now)
    except InvalidInput as refusal:
        for path, messages in refusal.errors.items():
            name = "products" if path.startswith("product") else path.replace("patient.", "patient_")
            problems.extend(Problem(line, name, m) for m in messages)
        return None, problems
    facts = Facts(
        event_kind=event_kind,
        products=products,
        serious=serious,
        severity_grade=severity_grade,
        unexpected=unexpected,
        occurred_at=occurred_at,
        detected_at=detected_at,
        received_at=received_at,
        region=place.region,
    )
    # The rulebook in force on the day of the event decides, as at intake.
    decision = decide(facts, on=occurred_at.astimezone(PARIS).date())
    closed = status == "closed"
    if closed:
        outcome = outcome or ("declared" if declared_at else "not_reportable")
        closed_at = closed_at or declared_at or received_at
        if closed_at < received_at:
            problems.append(Problem(line, "closed_on", translatable("La clôture ne peut précéder la réception.")))
            return None, problems
    return (
        Case(
            line=line,
            reference=reference,
            draft=draft,
            received_at=received_at,
            decision=decision,
            closed=closed,
            outcome=outcome if closed else None,
            closed_at=closed_at if closed else None,
            declared_to=declared_to,
            declared_at=declared_at,
            declaration_reference=declaration_reference,
            reporter_id=reporter.id,
        ),
        [],
    )


def _number(values: dict, name: str, low: int, high: int, problem) -> int | None:
    text = _text(values, name)
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        problem(name, translatable("Un nombre de %(low)s à %(high)s.", low=low, high=high))
        return None
    return number


def store(
    session: Session, checked: Checked, *, actor: User | None, now: datetime, sha256: str, progress: Progress | None
) -> dict[str, int]:
    place = session.get(Establishment, checked.context["establishment_id"])
    sequences: dict[int, int] = {}
    total = len(checked.ready)
    for done, case in enumerate(checked.ready, start=1):
        store_case(session, case, place=place, actor=actor, now=now, sha256=sha256, sequences=sequences)
        if progress is not None:
            progress("store", done, total)
    return {"created": total}


def _next_sequence(session: Session, year: int, sequences: dict[int, int]) -> int:
    """The next negative number of *year* for an imported case (-1, -2...)."""
    if year not in sequences:
        lowest = session.exec(select(func.min(Report.sequence)).where(Report.year == year)).first()
        sequences[year] = min(lowest or 0, 0)
    sequences[year] -= 1
    return sequences[year]


def store_case(
    session: Session,
    case: Case,
    *,
    place: Establishment,
    actor: User | None,
    now: datetime,
    sha256: str,
    sequences: dict[int, int],
) -> Report:
    """Write one imported case: its report, products, items, deadlines (as the past makes
    them), declaration, and its mark (flush, no commit). No alert, no email."""
    draft, decision = case.draft, case.decision
    year = case.received_at.astimezone(PARIS).year
    closed = case.closed
    report = Report(
        reference=case.reference,
        year=year,
        sequence=_next_sequence(session, year, sequences),
        **report_columns(draft, decision, finess=place.finess),
        received_at=case.received_at,
        reporter_id=case.reporter_id,
        establishment_id=place.id,
        status=ReportStatus.CLOSED
        if closed
        else (ReportStatus.IN_PROGRESS if case.declared_at else ReportStatus.RECEIVED),
        created_at=case.received_at,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    report_products.store(session, report_id=report.id, decision=decision)
    items: dict[str, int] = {}
    for planned in plan_openings(decision):  # the items and deadlines intake would open
        item = QueueItem(
            report_id=report.id,
            queue=planned.queue,
            establishment_id=place.id,
            status=ItemStatus.CLOSED if closed else (ItemStatus.DECLARED if case.declared_at else ItemStatus.NEW),
            serious=report.serious,
            outcome=case.outcome if closed else None,
            closed_at=case.closed_at if closed else None,
            created_at=case.received_at,
        )
        session.add(item)
        session.flush()
        items[planned.queue] = item.id
        if case.declared_at is not None:
            session.add(
                Declaration(
                    queue_item_id=item.id,
                    authority=case.declared_to or decision.authorities.get(Queue(planned.queue), "ANSM"),
                    authority_reference=case.declaration_reference,
                    declared_at=case.declared_at,
                    declared_on=case.declared_at.astimezone(PARIS).date(),
                    kind="initial",
                    recorded_by=actor.id if actor is not None else case.reporter_id,
                    recorded_at=now,
                )
            )
        to_schedule = []
        for planned_deadline in planned.deadlines:
            deadline = Deadline(report_id=report.id, queue_item_id=item.id, **planned_deadline.columns())
            _as_it_was(deadline, case, now)
            session.add(deadline)
            if deadline.state == DeadlineState.OPEN and deadline.due_at is not None:
                to_schedule.append(deadline)
        session.flush()
        for deadline in to_schedule:  # only deadlines still to come get clocks
            schedule_deadline(
                session,
                deadline_id=deadline.id,
                due_at=deadline.due_at,
                unit=deadline.unit,
                start=case.received_at,
                rulebook_id=decision.rulebook.id,
                region=place.region,
                now=now,
            )
        refresh_next_due(session, item)
        session.add(item)
    if not closed:
        followups.open_copies_and_plans(
            session,
            decision=decision,
            report=report,
            items=items,
            anchors={
                "occurred": draft.occurred_at,
                "detected": draft.detected_at or draft.occurred_at,
                "received": case.received_at,
            },
            now=now,
        )
    session.add(
        ReportImport(
            report_id=report.id,
            imported_at=now,
            imported_by=actor.id if actor is not None else None,
            file_sha256=sha256,
            line=case.line,
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        now=now,
        report_id=report.id,
        target=report.reference,
        after={**report_snapshot(report), "imported": {"sha256": sha256, "line": case.line}},
    )
    return report


def _as_it_was(deadline: Deadline, case: Case, now: datetime) -> None:
    """Set a deadline of an imported case as the past made it: met by a declaration in time,
    missed when its due time passed unmet, waived when the case closed before it; open only
    when still to come on an open case. Never escalated: no timer is made for the past."""
    due = deadline.due_at
    if deadline.kind == "declaration" and case.declared_at is not None:
        deadline.state = DeadlineState.MET if due is None or case.declared_at <= due else DeadlineState.MISSED
        deadline.settled_at = case.declared_at
        return
    if case.closed:
        passed = due is not None and due <= case.closed_at
        deadline.state = DeadlineState.MISSED if passed else DeadlineState.WAIVED
        deadline.waiver_reason = None if passed else WAIVED_ON_IMPORT
        deadline.settled_at = case.closed_at
        return
    if due is not None and due <= now:
        deadline.state = DeadlineState.MISSED  # as the clocks mark a deadline passed, still to settle
