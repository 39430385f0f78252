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

from sqlalchemy import Row, insert, or_, select, update
from sqlmodel import Session, col

from routing.calendar import WorkingCalendar
from routing.rulebook import Rulebook, shipped_rulebooks
from vigilance.access import acts_as_coordinator, may_work_queue
from vigilance.i18n import Message, translatable
from vigilance.models import (
    Deadline,
    DeadlineState,
    Establishment,
    FollowupStep,
    InformationRequest,
    QueueItem,
    Report,
    Role,
    Timer,
    User,
)
from vigilance.notifications import compose
from vigilance.outbox import Email, enqueue, enqueue_many
from vigilance.storage.driver_cursor import DirectStatement

logger = logging.getLogger(__name__)

#: The reporter is reminded of an unanswered question this many working days after it, and as
#: often again, at most this many times.
INFORMATION_REMINDER_DAYS = 2
INFORMATION_REMINDERS = 3
#: A missed deadline is escalated again every day while it stays missed.
OVERDUE_REPEAT = timedelta(days=1)

_INSERT_TIMER = DirectStatement(
    Timer.__table__.insert().values(information_request_id=None, done_at=None, outcome=None)
)


def _rulebook(rulebook_id: str) -> Rulebook:
    try:
        return shipped_rulebooks().get(rulebook_id)
    except KeyError:
        return shipped_rulebooks().earliest


def stage_moments(
    start: datetime, due: datetime, unit: str, stages: Iterable[float], calendar: WorkingCalendar
) -> list[tuple[float, datetime]]:
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


def schedule_deadline(
    session: Session,
    *,
    deadline_id: int,
    due_at: datetime | None,
    unit: str,
    start: datetime,
    rulebook_id: str,
    region: str,
    now: datetime,
) -> int:
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
    # On the driver's cursor: intake is the hot path (see vigilance.storage.driver_cursor).
    _INSERT_TIMER.many(session.connection(), rows)
    return len(rows)


def schedule_information_reminder(
    session: Session, *, request: InformationRequest, region: str, rulebook_id: str, after: datetime, number: int = 1
) -> None:
    session.add(
        Timer(
            kind="information_reminder",
            information_request_id=request.id,
            stage=f"#{number}",
            due_at=_information_reminder_due(rulebook_id=rulebook_id, region=region, after=after),
        )
    )


def _information_reminder_due(*, rulebook_id: str, region: str, after: datetime) -> datetime:
    return _rulebook(rulebook_id).calendar(region).add_working_hours(after, 24 * INFORMATION_REMINDER_DAYS)


def cancel_timers(
    session: Session, *, deadline_id: int | None = None, information_request_id: int | None = None, now: datetime
) -> None:
    """The workflow met what the timers were for: they stop at once, in the same transaction."""
    query = update(Timer).where(col(Timer.done_at).is_(None))
    if deadline_id is not None:
        query = query.where(col(Timer.deadline_id) == deadline_id)
    if information_request_id is not None:
        query = query.where(col(Timer.information_request_id) == information_request_id)
    session.execute(query.values(done_at=now, outcome="cancelled").execution_options(synchronize_session=False))


# Processing ----------------------------------------------------------------------------------------

_TIMERS = Timer.__table__
_DEADLINES = Deadline.__table__
_ITEMS = QueueItem.__table__
_REPORTS = Report.__table__
_REQUESTS = InformationRequest.__table__
_USERS = User.__table__
_ESTABLISHMENTS = Establishment.__table__
_STEPS = FollowupStep.__table__
_DEADLINE_KINDS = frozenset(("reminder", "escalation", "overdue_repeat"))
#: A step of a follow-up plan falls due (vigilance.followups): whoever holds its item is reminded.
FOLLOWUP_DUE = "followup_due"


def claim_due(session: Session, *, now: datetime, batch: int) -> list[Row]:
    """Lock up to *batch* due timers that no other worker holds, the longest due first."""
    return list(
        session.connection()
        .execute(
            select(
                _TIMERS.c.id,
                _TIMERS.c.kind,
                _TIMERS.c.due_at,
                _TIMERS.c.deadline_id,
                _TIMERS.c.information_request_id,
                _TIMERS.c.followup_step_id,
                _TIMERS.c.stage,
            )
            .where(_TIMERS.c.done_at.is_(None), _TIMERS.c.due_at <= now)
            .order_by(_TIMERS.c.due_at, _TIMERS.c.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        .all()
    )


def process_due(session: Session, *, now: datetime, base_url: str, batch: int = 200) -> int:
    """Act on up to *batch* due timers (no commit); return how many were handled.

    The batch is handled as a whole (a few queries for what the timers need, one insert per
    table) in a savepoint. If any of its timers fails, that savepoint is rolled back and the
    batch handled again one timer per savepoint: a timer that always fails is marked ``error``
    and holds up no other.
    """
    session.flush()
    timers = claim_due(session, now=now, batch=batch)
    if not timers:
        return 0
    try:
        with session.begin_nested():
            outcomes = _handle(session, timers, now=now, base_url=base_url)
    except Exception as error:
        logger.warning(
            "Clocks: a batch of %s timers failed (%s: %s); handling them one by one",
            len(timers),
            type(error).__name__,
            error,
        )
        outcomes = {}
        for timer in timers:
            try:
                with session.begin_nested():
                    outcomes.update(_handle(session, [timer], now=now, base_url=base_url))
            except Exception:
                logger.exception("Timer %s (%s) failed; marked as error", timer.id, timer.kind)
                outcomes[timer.id] = "error"
    _mark_done(session, outcomes, now=now)
    logger.info("Clocks: %s timers handled", len(timers))
    return len(timers)


def _mark_done(session: Session, outcomes: dict[int, str], *, now: datetime) -> None:
    by_outcome: dict[str, list[int]] = {}
    for timer_id, outcome in outcomes.items():
        by_outcome.setdefault(outcome, []).append(timer_id)
    connection = session.connection()
    for outcome, ids in by_outcome.items():
        connection.execute(update(_TIMERS).where(_TIMERS.c.id.in_(ids)).values(done_at=now, outcome=outcome))


def _by_id(connection, table, ids: set, *columns) -> dict[int, Row]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = connection.execute(select(table.c.id, *columns).where(table.c.id.in_(sorted(ids)))).all()
    return {row.id: row for row in rows}


class _People:
    """The active people a batch may write to, loaded in one query, grouped per establishment."""

    def __init__(self, connection, *, establishments: set[int], others: set[int]):
        people = []
        if establishments or others:
            people = connection.execute(
                select(
                    _USERS.c.id,
                    _USERS.c.email,
                    _USERS.c.role,
                    _USERS.c.establishment_id,
                    _USERS.c.vigilances,
                    _USERS.c.is_coordinator,
                    _USERS.c.language,
                    _USERS.c.is_active,
                )
                .where(
                    _USERS.c.is_active == True,  # noqa: E712
                    or_(_USERS.c.establishment_id.in_(sorted(establishments)), _USERS.c.id.in_(sorted(others))),
                )
                .order_by(_USERS.c.id)
            ).all()
        self.by_id = {person.id: person for person in people}
        self._of_place: dict[int, list[Row]] = {}
        for person in people:
            if person.establishment_id in establishments:
                self._of_place.setdefault(person.establishment_id, []).append(person)
        self._cache: dict[tuple, list[Row]] = {}

    def correspondents(self, establishment_id: int, queue: str) -> list[Row]:
        key = ("queue", establishment_id, queue)
        if key not in self._cache:
            self._cache[key] = [
                u
                for u in self._of_place.get(establishment_id, [])
                if u.role == Role.CORRESPONDENT and may_work_queue(u, queue)
            ]
        return self._cache[key]

    def coordinators(self, establishment_id: int) -> list[Row]:
        key = ("coordinators", establishment_id)
        if key not in self._cache:
            self._cache[key] = [u for u in self._of_place.get(establishment_id, []) if acts_as_coordinator(u)]
        return self._cache[key]

    def workers_of(self, item: Row) -> list[Row]:
        """Whoever holds the item, or everyone who works its queue when nobody does."""
        if item.assignee_id and item.assignee_id in self.by_id:
            return [self.by_id[item.assignee_id]]
        return self.correspondents(item.establishment_id, item.queue)


def _stage_label(kind: str, stage: str) -> Message:
    """What a reminder's subject says first: "Rappel (J-1)", "Délai dépassé"."""
    if kind == "reminder":
        return translatable("Rappel (%(stage)s)", stage=stage)
    if kind == "escalation":
        return translatable("Délai dépassé")
    return translatable("Délai toujours dépassé (%(stage)s)", stage=stage)


def _handle(session: Session, timers: list[Row], *, now: datetime, base_url: str) -> dict[int, str]:
    """Do what *timers* are for, with a few statements for all of them; return each one's outcome."""
    for timer in timers:
        if timer.kind not in _DEADLINE_KINDS and timer.kind not in ("information_reminder", FOLLOWUP_DUE):
            raise ValueError(f"timer {timer.id}: no handler for the kind {timer.kind!r}")
    connection = session.connection()
    outcomes: dict[int, str] = {}
    messages: list[tuple[str, Row, Email]] = []
    new_timers: list[dict] = []
    missed: set[int] = set()

    # What the timers need, a query per table for the whole batch.
    deadlines = _by_id(
        connection,
        _DEADLINES,
        {t.deadline_id for t in timers if t.kind in _DEADLINE_KINDS},
        _DEADLINES.c.report_id,
        _DEADLINES.c.queue_item_id,
        _DEADLINES.c.description,
        _DEADLINES.c.due_at,
        _DEADLINES.c.state,
        _DEADLINES.c.settled_at,
    )
    requests = _by_id(
        connection,
        _REQUESTS,
        {t.information_request_id for t in timers if t.kind == "information_reminder"},
        _REQUESTS.c.report_id,
        _REQUESTS.c.asked_at,
        _REQUESTS.c.answered_at,
    )
    steps = _by_id(
        connection,
        _STEPS,
        {t.followup_step_id for t in timers if t.kind == FOLLOWUP_DUE},
        _STEPS.c.report_id,
        _STEPS.c.queue_item_id,
        _STEPS.c.label,
        _STEPS.c.check,
        _STEPS.c.plan_title,
        _STEPS.c.due_at,
        _STEPS.c.done_at,
        _STEPS.c.cancelled_at,
    )
    live: list[tuple[Row, Row]] = []
    asking: list[tuple[Row, Row]] = []
    following: list[tuple[Row, Row]] = []
    for timer in timers:
        if timer.kind == FOLLOWUP_DUE:
            step = steps.get(timer.followup_step_id)
            if step is None or step.done_at is not None or step.cancelled_at is not None:
                outcomes[timer.id] = "skipped"
            else:
                following.append((timer, step))
            continue
        if timer.kind == "information_reminder":
            request = requests.get(timer.information_request_id)
            if request is None or request.answered_at is not None:
                outcomes[timer.id] = "skipped"
            else:
                asking.append((timer, request))
            continue
        deadline = deadlines.get(timer.deadline_id)
        if deadline is None or deadline.settled_at is not None:
            outcomes[timer.id] = "skipped"
        elif timer.kind == "reminder" and deadline.due_at is not None and deadline.due_at <= now:
            outcomes[timer.id] = "superseded"  # a worker back after an outage: the escalation says more, once
        else:
            live.append((timer, deadline))
    items = _by_id(
        connection,
        _ITEMS,
        {d.queue_item_id for _t, d in live} | {s.queue_item_id for _t, s in following},
        _ITEMS.c.queue,
        _ITEMS.c.establishment_id,
        _ITEMS.c.assignee_id,
    )
    reports = _by_id(
        connection,
        _REPORTS,
        {d.report_id for _t, d in live} | {r.report_id for _t, r in asking} | {s.report_id for _t, s in following},
        _REPORTS.c.reference,
        _REPORTS.c.product_name,
        _REPORTS.c.reporter_id,
        _REPORTS.c.establishment_id,
        _REPORTS.c.rulebook_id,
    )
    people = _People(
        connection,
        establishments={item.establishment_id for item in items.values()},
        others={i.assignee_id for i in items.values() if i.assignee_id}
        | {reports[r.report_id].reporter_id for _t, r in asking},
    )

    for timer, deadline in live:
        item = items[deadline.queue_item_id]
        report = reports[deadline.report_id]
        recipients = people.workers_of(item)
        if timer.kind in ("escalation", "overdue_repeat"):
            if deadline.state == DeadlineState.OPEN:
                missed.add(deadline.id)
            recipients = _unique(recipients + people.coordinators(item.establishment_id))
            day = 1 if timer.kind == "escalation" else int(timer.stage.removeprefix("day ")) + 1
            new_timers.append(
                _timer_row(
                    kind="overdue_repeat",
                    deadline_id=deadline.id,
                    stage=f"day {day}",
                    due_at=_next_slot(timer.due_at, OVERDUE_REPEAT, now),
                )
            )
        emails: dict[str, Email] = {}  # the same email for everyone who reads the same language
        for person in recipients:
            language = person.language
            if language not in emails:
                stage_label = _stage_label(timer.kind, timer.stage).render(language)
                emails[language] = compose(
                    "deadline_reminder",
                    language,
                    reference=report.reference,
                    product=report.product_name,
                    queue=item.queue,
                    action=(deadline.description.get(language) or deadline.description.get("fr", "")),
                    due_at=deadline.due_at,
                    time_left=None,
                    link=f"{base_url}/queue-items/{item.id}",
                    stage_label=stage_label,
                    overdue=timer.kind != "reminder",
                )
            messages.append((f"timer:{timer.id}:to:{person.id}", person, emails[language]))
        outcomes[timer.id] = "done" if recipients else "nobody"

    for timer, step in following:
        item = items[step.queue_item_id]
        report = reports[step.report_id]
        recipients = people.workers_of(item)
        emails = {}
        for person in recipients:
            language = person.language
            if language not in emails:
                title = step.plan_title.get(language) or step.plan_title.get("fr", "")
                emails[language] = compose(
                    "followup_due",
                    language,
                    reference=report.reference,
                    product=report.product_name,
                    queue=item.queue,
                    plan=title,
                    step=step.label.get(language) or step.label.get("fr", ""),
                    check=step.check.get(language) or step.check.get("fr", ""),
                    due_at=step.due_at,
                    link=f"{base_url}/queue-items/{item.id}",
                )
            # One reminder per step and person, whatever timer carries it.
            messages.append((f"followup:{timer.followup_step_id}:to:{person.id}", person, emails[language]))
        outcomes[timer.id] = "done" if recipients else "nobody"

    regions: dict[int, str] | None = None
    for timer, request in asking:
        report = reports[request.report_id]
        reporter = people.by_id.get(report.reporter_id)
        if reporter is None:
            outcomes[timer.id] = "nobody"
            continue
        email = compose(
            "information_reminder",
            reporter.language,
            reference=report.reference,
            product=report.product_name,
            asked_at=request.asked_at,
            link=f"{base_url}/reports/{report.id}",
        )
        messages.append((f"timer:{timer.id}:to:{reporter.id}", reporter, email))
        number = int(timer.stage.removeprefix("#"))
        if number < INFORMATION_REMINDERS:
            if regions is None:
                regions = {
                    row.id: row.region
                    for row in _by_id(
                        connection,
                        _ESTABLISHMENTS,
                        {reports[r.report_id].establishment_id for _t, r in asking},
                        _ESTABLISHMENTS.c.region,
                    ).values()
                }
            new_timers.append(
                _timer_row(
                    kind="information_reminder",
                    information_request_id=request.id,
                    stage=f"#{number + 1}",
                    due_at=_information_reminder_due(
                        rulebook_id=report.rulebook_id,
                        region=regions[report.establishment_id],
                        after=max(timer.due_at, now),
                    ),
                )
            )
        outcomes[timer.id] = "done"

    # What they do, a statement per table for the whole batch.
    enqueue_many(session, messages, now=now)
    if missed:
        connection.execute(
            update(_DEADLINES)
            .where(_DEADLINES.c.id.in_(sorted(missed)), _DEADLINES.c.state == DeadlineState.OPEN)
            .values(state=DeadlineState.MISSED)
        )
    if new_timers:
        connection.execute(insert(_TIMERS), new_timers)
    return outcomes


def _timer_row(
    *,
    kind: str,
    due_at: datetime,
    stage: str,
    deadline_id: int | None = None,
    information_request_id: int | None = None,
    followup_step_id: int | None = None,
) -> dict:
    return dict(
        kind=kind,
        due_at=due_at,
        stage=stage,
        deadline_id=deadline_id,
        information_request_id=information_request_id,
        followup_step_id=followup_step_id,
        done_at=None,
        outcome=None,
    )


def notify_answer(session: Session, *, request: InformationRequest, now: datetime, base_url: str) -> None:
    """Tell the correspondent who asked that the reporter answered (in the answer's transaction)."""
    asker = session.get(User, request.asked_by)
    report = session.get(Report, request.report_id)
    if asker is None or not asker.is_active:
        return
    email = compose(
        "information_answered",
        asker.language,
        reference=report.reference,
        product=report.product_name,
        link=f"{base_url}/queue-items/{request.queue_item_id}",
    )
    enqueue(session, key=f"answer:{request.id}:to:{asker.id}", recipient=asker, email=email, now=now)


def _next_slot(previous: datetime, period: timedelta, now: datetime) -> datetime:
    """The next repeat after *now*: a worker back after days down sends one, not one per day."""
    slot = previous + period
    if slot <= now:
        slot += period * ((now - slot) // period + 1)
    return slot


def _unique(people: list[Row]) -> list[Row]:
    seen: dict[int, Row] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())
