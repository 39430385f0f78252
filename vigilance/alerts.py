"""Alerts: the people around a case told the moment something needs them, in the service and by email.

Raised in the transaction of what causes them (intake, requalification, a question), so an
alert and its email exist exactly when the change does; the outbox delivers the email within
the worker's next tick. Who is told:

- a serious report, or one with a deadline "without delay" or of at most 48 working hours: the
  correspondents who work each of its queues in its establishment;
- a death (grade 4): the establishment's coordinators too;
- a question asked of the reporter: the reporter.

A serious report's alert is mailed to its queues' correspondents whatever they chose, and so
is a question to its reporter; the other alerts are mailed to those who chose them in their
profile (``AlertEmailChoice``). Every alert is listed in
the service, unread until opened.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from routing import Decision
from routing.deadlines import DeadlinePolicy
from vigilance.access import acts_as_coordinator
from vigilance.errors import InvalidInput
from vigilance.i18n import translatable
from vigilance.inserts import insert_unless_present
from vigilance.models import Alert, AlertEmailChoice, InformationRequest, Report, Role, User
from vigilance.notifications import compose
from vigilance.outbox import Email, enqueue

#: The severity grade of a death.
DEATH_GRADE = 4
#: A deadline this short (or "without delay") is urgent: ANSM's "sans délai et au plus tard dans
#: les 48 heures ouvrables" for a transfusion reaction is the longest that counts.
URGENT_HOURS = 48
#: The same in working days, for the policies counted in days.
URGENT_DAYS = 2


class AlertKind(StrEnum):
    SERIOUS_REPORT = "serious_report"
    URGENT_DEADLINE = "urgent_deadline"
    DEATH = "death"
    QUESTION = "question"


def is_urgent(policy: DeadlinePolicy) -> bool:
    """Whether a deadline of *policy* asks for work at once."""
    if policy.without_delay:
        return True
    if policy.unit in ("hours", "working_hours"):
        return policy.amount <= URGENT_HOURS
    return policy.amount <= URGENT_DAYS


def urgent_queues(decision: Decision) -> set[str]:
    """The queues of *decision* with an urgent deadline."""
    return {deadline.queue.value for deadline in decision.deadlines if is_urgent(deadline.policy)}


#: The alerts a person may choose not to receive by email (they still see them in the service).
OPTIONAL_BY_EMAIL = (AlertKind.URGENT_DEADLINE, AlertKind.DEATH)


def email_choices(session: Session, user: User) -> dict[str, bool]:
    """Whether *user* receives each optional kind of alert by email (yes unless they said no)."""
    chosen = {
        choice.kind: choice.by_email
        for choice in session.exec(select(AlertEmailChoice).where(AlertEmailChoice.user_id == user.id)).all()
    }
    return {kind.value: chosen.get(kind.value, True) for kind in OPTIONAL_BY_EMAIL}


def choose_emails(session: Session, user: User, choices: dict[str, bool]) -> None:
    """Record which optional alerts *user* also receives by email (in the profile's transaction).

    :raises InvalidInput: a kind that is mandatory or unknown.
    """
    optional = {kind.value for kind in OPTIONAL_BY_EMAIL}
    unknown = sorted(set(choices) - optional)
    if unknown:
        raise InvalidInput({unknown[0]: [translatable("Réglage inconnu.")]})
    for kind, wanted in choices.items():
        choice = session.get(AlertEmailChoice, (user.id, kind)) or AlertEmailChoice(user_id=user.id, kind=kind)
        choice.by_email = bool(wanted)
        session.add(choice)
    session.flush()


def _declined(session: Session, user_ids: list[int]) -> set[tuple[int, str]]:
    """The (person, kind) pairs of optional alerts that these people chose not to receive by email."""
    if not user_ids:
        return set()
    return {
        (choice.user_id, choice.kind)
        for choice in session.exec(
            select(AlertEmailChoice).where(
                col(AlertEmailChoice.user_id).in_(user_ids), col(AlertEmailChoice.by_email).is_(False)
            )
        ).all()
    }


def _people(session: Session, establishment_id: int) -> list[User]:
    return list(
        session.exec(select(User).where(User.establishment_id == establishment_id, col(User.is_active).is_(True))).all()
    )


def _raise(
    session: Session,
    *,
    user: User,
    kind: AlertKind,
    key: str,
    report_id: int,
    path: str,
    now: datetime,
    email: Email | None,
    queue_item_id: int | None = None,
    information_request_id: int | None = None,
    declined: set[tuple[int, str]] = frozenset(),
) -> None:
    # Serious reports to their queues' correspondents, and questions: mailed whatever was chosen.
    emailed = email is not None and (user.id, kind.value) not in declined
    row = dict(
        dedupe_key=key[:200],
        user_id=user.id,
        kind=kind.value,
        report_id=report_id,
        queue_item_id=queue_item_id,
        information_request_id=information_request_id,
        path=path,
        emailed=emailed,
        created_at=now,
        read_at=None,
    )
    statement = insert_unless_present(session, Alert.__table__, ["dedupe_key"]).values(**row)
    new = session.execute(statement.returning(Alert.__table__.c.id)).first() is not None
    if new and emailed:
        enqueue(session, key=f"alert:{key}", recipient=user, email=email, now=now)


def on_arrival(
    session: Session,
    *,
    report: Any,
    items: Iterable[Any],
    deadlines: Iterable[Any],
    urgent: set[str],
    now: datetime,
    base_url: str,
) -> None:
    """Alert the people a newly routed report needs at once (in the caller's transaction).

    *report*, *items* and *deadlines* are rows as stored (models or intake's rows): *items* are
    the queue items just opened, *urgent* the queues whose deadlines are urgent.
    """
    items = list(items)
    deadlines = list(deadlines)
    death = report.severity_grade == DEATH_GRADE
    if not items or not (report.serious or death or urgent & {item.queue for item in items}):
        return
    people = _people(session, report.establishment_id)
    declined = _declined(session, [person.id for person in people])
    emails: dict[tuple[str, int, str], Email] = {}

    def email_for(kind: AlertKind, item: Any, language: str) -> Email:
        key = (kind.value, item.id, language)
        if key not in emails:
            own = [d for d in deadlines if d.queue_item_id == item.id]
            dated = [d for d in own if d.due_at is not None]
            first = min(dated, key=lambda d: d.due_at) if dated else (own[0] if own else None)
            emails[key] = compose(
                "alert_arrival",
                language,
                alert=kind.value,
                reference=report.reference,
                product=report.product_name,
                event_kind=report.event_kind,
                serious=report.serious,
                grade=report.severity_grade,
                queue=item.queue,
                due_at=first.due_at if first else None,
                without_delay=bool(first and first.without_delay),
                deadline=(first.description.get(language) or first.description.get("fr", "")) if first else "",
                link=f"{base_url}/queue-items/{item.id}",
            )
        return emails[key]

    for item in items:
        if report.serious:
            kind = AlertKind.SERIOUS_REPORT
        elif item.queue in urgent:
            kind = AlertKind.URGENT_DEADLINE
        else:
            continue
        for person in people:
            if person.role == Role.CORRESPONDENT and item.queue in person.vigilances:
                _raise(
                    session,
                    user=person,
                    kind=kind,
                    key=f"{kind.value}:{item.id}:{person.id}",
                    report_id=report.id,
                    queue_item_id=item.id,
                    path=f"/queue-items/{item.id}",
                    now=now,
                    email=email_for(kind, item, person.language),
                    declined=declined,
                )
    if death:
        first_item = items[0]
        for person in people:
            if acts_as_coordinator(person):
                _raise(
                    session,
                    user=person,
                    kind=AlertKind.DEATH,
                    key=f"death:{report.id}:{person.id}",
                    report_id=report.id,
                    queue_item_id=first_item.id,
                    path=f"/queue-items/{first_item.id}",
                    now=now,
                    email=email_for(AlertKind.DEATH, first_item, person.language),
                    declined=declined,
                )


def on_question(session: Session, *, request: InformationRequest, report: Report, now: datetime, base_url: str) -> None:
    """Tell the reporter at once that a question waits for them (in the question's transaction)."""
    reporter = session.get(User, report.reporter_id)
    if reporter is None or not reporter.is_active:
        return
    email = compose(
        "question_asked",
        reporter.language,
        reference=report.reference,
        product=report.product_name,
        asked_at=request.asked_at,
        link=f"{base_url}/reports/{report.id}/questions",
    )
    _raise(
        session,
        user=reporter,
        kind=AlertKind.QUESTION,
        key=f"question:{request.id}:{reporter.id}",
        report_id=report.id,
        information_request_id=request.id,
        path=f"/reports/{report.id}#questions",
        now=now,
        email=email,
    )


def on_answer(session: Session, *, request: InformationRequest, now: datetime) -> None:
    """The reporter answered, or the question was withdrawn: its alert has nothing more to ask of them."""
    session.execute(
        update(Alert)
        .where(col(Alert.information_request_id) == request.id, col(Alert.read_at).is_(None))
        .values(read_at=now)
    )


def unread_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count()).select_from(Alert).where(Alert.user_id == user.id, col(Alert.read_at).is_(None))
    )


def listing(session: Session, user: User, *, limit: int = 100) -> list[tuple[Alert, Report]]:
    """A person's latest alerts, unread first, with their reports."""
    rows = session.exec(
        select(Alert, Report)
        .join(Report, col(Report.id) == Alert.report_id)
        .where(Alert.user_id == user.id)
        .order_by(col(Alert.read_at).is_not(None), col(Alert.created_at).desc(), col(Alert.id).desc())
        .limit(limit)
    ).all()
    return [(alert, report) for alert, report in rows]


def mark_read(session: Session, user: User, *, now: datetime, alert_id: int | None = None) -> int:
    """Mark one of *user*'s alerts (or all of them) read; return how many changed."""
    statement = update(Alert).where(col(Alert.user_id) == user.id, col(Alert.read_at).is_(None)).values(read_at=now)
    if alert_id is not None:
        statement = statement.where(col(Alert.id) == alert_id)
    return session.execute(statement).rowcount or 0


def waiting_questions(session: Session, user: User) -> list[tuple[InformationRequest, Report]]:
    """The questions asked of *user* on their reports and not answered yet, oldest first."""
    rows = session.exec(
        select(InformationRequest, Report)
        .join(Report, col(Report.id) == InformationRequest.report_id)
        .where(
            Report.reporter_id == user.id,
            col(InformationRequest.answered_at).is_(None),
            col(InformationRequest.withdrawn_at).is_(None),
        )
        .order_by(col(InformationRequest.asked_at))
    ).all()
    return [(request, report) for request, report in rows]


def waiting_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(InformationRequest)
        .join(Report, col(Report.id) == InformationRequest.report_id)
        .where(
            Report.reporter_id == user.id,
            col(InformationRequest.answered_at).is_(None),
            col(InformationRequest.withdrawn_at).is_(None),
        )
    )


def own_alert(session: Session, user: User, alert_id: int) -> Alert | None:
    """One of *user*'s alerts, or None (someone else's is as good as absent)."""
    alert = session.get(Alert, alert_id)
    return alert if alert is not None and alert.user_id == user.id else None
