"""Regulatory clocks: reminders, escalations and their daily repeats, as timer rows.

A deadline gets its timers when it is created (reminder stages, then the escalation at its due
time); the workflow cancels them when it meets the deadline. ``process_due`` claims the timers
that are due (``FOR UPDATE SKIP LOCKED``: workers never take the same ones), queues the emails
in the outbox under one key per timer and recipient, and marks the timers done, all in the
caller's transaction: a killed worker's uncommitted batch is simply taken by the next one.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from routing.calendar import WorkingCalendar
from routing.rulebook import Rulebook, shipped_rulebooks
from vigilance.access import may_work_queue
from vigilance.models import (
    Deadline,
    DeadlineState,
    Establishment,
    InformationRequest,
    QueueItem,
    Report,
    Role,
    Timer,
    User,
)
from vigilance.notifications import compose
from vigilance.outbox import enqueue

logger = logging.getLogger(__name__)

#: The reporter is reminded of an unanswered question this many working days after it, and as
#: often again, at most this many times.
INFORMATION_REMINDER_DAYS = 2
INFORMATION_REMINDERS = 3
#: A missed deadline is escalated again every day while it stays missed.
OVERDUE_REPEAT = timedelta(days=1)

_INSERT_TIMER = Timer.__table__.insert().values(information_request_id=None, done_at=None, outcome=None)


def _rulebook(rulebook_id: str) -> Rulebook:
    try:
        return shipped_rulebooks().get(rulebook_id)
    except KeyError:
        return shipped_rulebooks().earliest


def stage_moments(start: datetime, due: datetime, unit: str, stages: Iterable[float],
                  calendar: WorkingCalendar) -> list[tuple[float, datetime]]:
    """When each fraction of the time allowed has elapsed, counted in the deadline's own clock."""
    moments = []
    working = unit in ("working_hours", "working_days")
    allowed = calendar.working_hours_between(start, due) if working else (due - start).total_seconds() / 3600
    if allowed <= 0:
        return []
    for fraction in stages:
        if working:
            moments.append((fraction, calendar.add_working_hours(start, allowed * fraction)))
        else:
            moments.append((fraction, start + timedelta(hours=allowed * fraction)))
    return moments


def schedule_deadline(session: Session, *, deadline_id: int, due_at: datetime | None, unit: str, start: datetime,
                      rulebook_id: str, region: str, now: datetime) -> int:
    """Create a deadline's timers: its reminder stages still to come, and its escalation."""
    if due_at is None:
        return 0
    rulebook = _rulebook(rulebook_id)
    calendar = rulebook.calendar(region)
    rows = [
        {"kind": "reminder", "due_at": moment, "deadline_id": deadline_id, "stage": f"{round(fraction * 100)}%"}
        for fraction, moment in stage_moments(start, due_at, unit, rulebook.reminder_stages, calendar)
        if moment > now
    ]
    rows.append({"kind": "escalation", "due_at": due_at, "deadline_id": deadline_id, "stage": "due"})
    # A plain statement: intake is the hot path (see vigilance.intake).
    session.connection().execute(_INSERT_TIMER, rows)
    return len(rows)


def schedule_information_reminder(session: Session, *, request: InformationRequest, region: str,
                                  rulebook_id: str, after: datetime, number: int = 1) -> None:
    calendar = _rulebook(rulebook_id).calendar(region)
    session.add(Timer(kind="information_reminder", information_request_id=request.id, stage=f"#{number}",
                      due_at=calendar.add_working_hours(after, 24 * INFORMATION_REMINDER_DAYS)))


def cancel_timers(session: Session, *, deadline_id: int | None = None, information_request_id: int | None = None,
                  now: datetime) -> None:
    """The workflow met what the timers were for: they stop at once, in the same transaction."""
    query = update(Timer).where(col(Timer.done_at).is_(None))
    if deadline_id is not None:
        query = query.where(col(Timer.deadline_id) == deadline_id)
    if information_request_id is not None:
        query = query.where(col(Timer.information_request_id) == information_request_id)
    session.execute(query.values(done_at=now, outcome="cancelled").execution_options(synchronize_session=False))


# Processing ----------------------------------------------------------------------------------------


def claim_due(session: Session, *, now: datetime, batch: int) -> list[Timer]:
    return list(session.exec(
        select(Timer)
        .where(col(Timer.done_at).is_(None), col(Timer.due_at) <= now)
        .order_by(col(Timer.due_at), col(Timer.id))
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all())


def process_due(session: Session, *, now: datetime, base_url: str, batch: int = 200) -> int:
    """Act on up to *batch* due timers (flush, no commit); return how many were handled."""
    timers = claim_due(session, now=now, batch=batch)
    for timer in timers:
        handler = _HANDLERS[timer.kind]
        try:
            # Each timer in a savepoint: one that always fails must not hold up the clocks.
            with session.begin_nested():
                timer.outcome = handler(session, timer, now, base_url) or "done"
        except Exception:
            logger.exception("Timer %s (%s) failed; marked as error", timer.id, timer.kind)
            timer.outcome = "error"
        timer.done_at = now
        session.add(timer)
    session.flush()
    if timers:
        logger.info("Clocks: %s timers handled", len(timers))
    return len(timers)


def _queue_correspondents(session: Session, item: QueueItem) -> list[User]:
    people = session.exec(select(User).where(User.establishment_id == item.establishment_id,
                                             User.is_active == True)).all()  # noqa: E712
    return [u for u in people if u.role == Role.CORRESPONDENT and may_work_queue(u, item.queue)]


def _coordinators(session: Session, establishment_id: int) -> list[User]:
    people = session.exec(select(User).where(User.establishment_id == establishment_id,
                                             User.is_active == True)).all()  # noqa: E712
    return [u for u in people if u.role == Role.COORDINATOR or (u.role == Role.ADMIN and u.is_coordinator)]


def _workers_of(session: Session, item: QueueItem) -> list[User]:
    """Whoever holds the item, or everyone who works its queue when nobody does."""
    if item.assignee_id:
        holder = session.get(User, item.assignee_id)
        if holder is not None and holder.is_active:
            return [holder]
    return _queue_correspondents(session, item)


_STAGE_LABELS = {
    "reminder": ({"fr": "Rappel ({stage})", "en": "Reminder ({stage})"}),
    "escalation": ({"fr": "Délai dépassé", "en": "Deadline missed"}),
    "overdue_repeat": ({"fr": "Délai toujours dépassé ({stage})", "en": "Deadline still missed ({stage})"}),
}


def _deadline_timer(session: Session, timer: Timer, now: datetime, base_url: str) -> str:
    deadline = session.get(Deadline, timer.deadline_id)
    if deadline is None or deadline.settled_at is not None:
        return "skipped"
    if timer.kind == "reminder" and deadline.due_at is not None and deadline.due_at <= now:
        return "superseded"  # a worker back after an outage: the escalation says more, once
    item = session.get(QueueItem, deadline.queue_item_id)
    report = session.get(Report, deadline.report_id)
    recipients = _workers_of(session, item)
    if timer.kind in ("escalation", "overdue_repeat"):
        if deadline.state == DeadlineState.OPEN:
            deadline.state = DeadlineState.MISSED
            session.add(deadline)
        recipients = _unique(recipients + _coordinators(session, item.establishment_id))
        day = 1 if timer.kind == "escalation" else int(timer.stage.removeprefix("day ")) + 1
        session.add(Timer(kind="overdue_repeat", deadline_id=deadline.id, stage=f"day {day}",
                          due_at=_next_slot(timer.due_at, OVERDUE_REPEAT, now)))
    for person in recipients:
        language = person.language
        stage_label = _STAGE_LABELS[timer.kind][language].format(stage=timer.stage)
        email = compose(
            "deadline_reminder", language, reference=report.reference, product=report.product_name,
            queue=item.queue, action=(deadline.description.get(language) or deadline.description.get("fr", "")),
            due_at=deadline.due_at, time_left=None, link=f"{base_url}/queue-items/{item.id}",
            stage_label=stage_label, overdue=timer.kind != "reminder",
        )
        enqueue(session, key=f"timer:{timer.id}:to:{person.id}", recipient=person, email=email, now=now)
    return "done" if recipients else "nobody"


def _information_timer(session: Session, timer: Timer, now: datetime, base_url: str) -> str:
    request = session.get(InformationRequest, timer.information_request_id)
    if request is None or request.answered_at is not None:
        return "skipped"
    report = session.get(Report, request.report_id)
    reporter = session.get(User, report.reporter_id)
    if reporter is None or not reporter.is_active:
        return "nobody"
    email = compose("information_reminder", reporter.language, reference=report.reference,
                    product=report.product_name, asked_at=request.asked_at, link=f"{base_url}/reports/{report.id}")
    enqueue(session, key=f"timer:{timer.id}:to:{reporter.id}", recipient=reporter, email=email, now=now)
    number = int(timer.stage.removeprefix("#"))
    if number < INFORMATION_REMINDERS:
        establishment = session.get(Establishment, report.establishment_id)
        schedule_information_reminder(session, request=request, region=establishment.region,
                                      rulebook_id=report.rulebook_id, after=max(timer.due_at, now), number=number + 1)
    return "done"


def notify_answer(session: Session, *, request: InformationRequest, now: datetime, base_url: str) -> None:
    """Tell the correspondent who asked that the reporter answered (in the answer's transaction)."""
    asker = session.get(User, request.asked_by)
    report = session.get(Report, request.report_id)
    if asker is None or not asker.is_active:
        return
    email = compose("information_answered", asker.language, reference=report.reference, product=report.product_name,
                    link=f"{base_url}/queue-items/{request.queue_item_id}")
    enqueue(session, key=f"answer:{request.id}:to:{asker.id}", recipient=asker, email=email, now=now)


def _next_slot(previous: datetime, period: timedelta, now: datetime) -> datetime:
    """The next repeat after *now*: a worker back after days down sends one, not one per day."""
    slot = previous + period
    if slot <= now:
        slot += period * ((now - slot) // period + 1)
    return slot


def _unique(people: list[User]) -> list[User]:
    seen: dict[int, User] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


_HANDLERS = {
    "reminder": _deadline_timer,
    "escalation": _deadline_timer,
    "overdue_repeat": _deadline_timer,
    "information_reminder": _information_timer,
}

