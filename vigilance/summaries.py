"""Periodic summaries: the correspondents' daily digest, the coordinators' weekly summary and
monthly activity report, queued in the outbox once per person and period.

A run is one kind of summary, one period, one establishment. ``run`` first inserts its
``SummaryRun`` row, then builds and queues every email, in the caller's transaction: a second
worker's insert waits on the first and finds the row taken; a worker killed before committing
leaves nothing, and the next one does the whole run. The outbox key (kind, period, person)
keeps a run done by hand (``vigilance summaries send``) from queueing anything twice.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from routing.calendar import WorkingCalendar
from routing.vocabulary import Queue
from vigilance import audit_checkpoints, statistics
from vigilance.access import acts_as_coordinator, may_work_queue
from vigilance.clock import PARIS
from vigilance.inserts import insert_unless_present
from vigilance.models import (
    OPEN_ITEM_STATUSES,
    Establishment,
    FollowupStep,
    InformationRequest,
    QueueItem,
    Report,
    Role,
    SummaryRun,
    User,
)
from vigilance.notifications import compose
from vigilance.outbox import Email, enqueue
from vigilance.periods import Period, digest_window, latest_due, period_containing, send_moment

logger = logging.getLogger(__name__)

#: The periods sent by mail; a yearly report is read and downloaded in the service.
SENT = ("daily", "weekly", "monthly")
#: Items listed per section of a digest (the total is always given).
DIGEST_LINES = 10
#: Serious cases listed in a monthly email (all of them are in the report it links to).
MONTHLY_CASES = 30
#: "Falls due soon": within this many working days.
SOON_WORKING_DAYS = 2
ALL_QUEUES = tuple(q.value for q in Queue)


def calendar_of(establishment: Establishment) -> WorkingCalendar:
    """The days people work in the establishment's region: Monday to Friday, public holidays off.

    Regulatory clocks count "jours ouvrables" (Saturdays included) as the rulebook says; digests
    follow the staff's week, so that nobody gets one on a Saturday.
    """
    return WorkingCalendar(region=establishment.region, convention="ouvres")


def recipients(session: Session, kind: str, establishment_id: int) -> list[User]:
    """Who receives *kind* in an establishment: the people concerned who chose it."""
    people = session.exec(
        select(User)
        .where(col(User.establishment_id) == establishment_id, col(User.is_active).is_(True))
        .order_by(col(User.id))
    ).all()
    if kind == "daily":
        return [u for u in people if u.role == Role.CORRESPONDENT and u.vigilances and u.daily_digest]
    if kind == "weekly":
        return [u for u in people if acts_as_coordinator(u) and u.weekly_summary]
    return [u for u in people if acts_as_coordinator(u) and u.monthly_report]


# The daily digest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    item_id: int
    reference: str
    product: str
    queue: str
    status: str
    serious: bool
    moment: datetime | None
    #: For a follow-up step: its label and what to check, in French and English.
    step: dict | None = None


@dataclass
class Section:
    lines: list[Line] = field(default_factory=list)
    total: int = 0


@dataclass
class DailyDigest:
    period: Period
    #: The moment the digest speaks of: its send time, or later if it goes out late.
    as_of: datetime
    soon_until: datetime
    new: Section
    due_soon: Section
    overdue: Section
    unanswered: Section
    #: Follow-up steps (vigilance.followups) due by ``soon_until`` and not done, on items the
    #: reader holds or nobody does, open or closed (a long-term follow-up outlives the declaration).
    followups: Section = field(default_factory=Section)

    @property
    def empty(self) -> bool:
        return not (
            self.new.total or self.due_soon.total or self.overdue.total or self.unanswered.total or self.followups.total
        )


@dataclass
class _EstablishmentCounts:
    """Counts shared by every correspondent of an establishment, taken in two grouped queries."""

    new: Counter  # by queue
    open_due: Counter  # by (queue, assignee_id, "overdue" | "soon")


def _establishment_counts(
    session: Session, establishment_id: int, window: tuple[datetime, datetime], as_of: datetime, soon_until: datetime
) -> _EstablishmentCounts:
    new = Counter(
        dict(
            session.execute(
                select(QueueItem.queue, func.count())
                .where(
                    col(QueueItem.establishment_id) == establishment_id,
                    col(QueueItem.created_at) >= window[0],
                    col(QueueItem.created_at) < window[1],
                )
                .group_by(QueueItem.queue)
            ).all()
        )
    )
    overdue = col(QueueItem.urgency_at) <= as_of
    rows = session.execute(
        select(QueueItem.queue, QueueItem.assignee_id, overdue, func.count())
        .where(
            col(QueueItem.establishment_id) == establishment_id,
            col(QueueItem.urgency_at) <= soon_until,
            col(QueueItem.status).in_(OPEN_ITEM_STATUSES),
        )
        .group_by(QueueItem.queue, QueueItem.assignee_id, overdue)
    ).all()
    open_due = Counter()
    for queue, assignee, is_overdue, count in rows:
        open_due[(queue, assignee, "overdue" if is_overdue else "soon")] += count
    return _EstablishmentCounts(new, open_due)


def _lines(rows) -> list[Line]:
    return [Line(*row) for row in rows]


def build_daily(
    session: Session,
    user: User,
    period: Period,
    *,
    hour: int,
    calendar: WorkingCalendar,
    now: datetime,
    shared: _EstablishmentCounts | None = None,
) -> DailyDigest:
    """What one correspondent should know this morning, in the queues they work."""
    as_of = max(now, send_moment(period, hour))
    window = digest_window(period, hour=hour, calendar=calendar)
    soon_until = calendar.add_working_days(as_of, SOON_WORKING_DAYS)
    if shared is None:
        shared = _establishment_counts(session, user.establishment_id, window, as_of, soon_until)
    queues = [q for q in user.vigilances if may_work_queue(user, q)]
    mine = (col(QueueItem.queue).in_(queues), col(QueueItem.establishment_id) == user.establishment_id)
    held_by_me_or_nobody = or_(col(QueueItem.assignee_id) == user.id, col(QueueItem.assignee_id).is_(None))
    # Only what a line shows: the report's description and decision stay where they are.
    line = select(
        QueueItem.id, Report.reference, Report.product_name, QueueItem.queue, QueueItem.status, QueueItem.serious
    ).join(Report, col(Report.id) == col(QueueItem.report_id))

    new_rows = session.execute(
        line.add_columns(QueueItem.created_at)
        .where(*mine, col(QueueItem.created_at) >= window[0], col(QueueItem.created_at) < window[1])
        .order_by(col(QueueItem.created_at).desc(), col(QueueItem.id).desc())
        .limit(DIGEST_LINES)
    ).all()
    open_mine = (*mine, col(QueueItem.status).in_(OPEN_ITEM_STATUSES), held_by_me_or_nobody)
    overdue_rows = session.execute(
        line.add_columns(QueueItem.urgency_at)
        .where(*open_mine, col(QueueItem.urgency_at) <= as_of)
        .order_by(col(QueueItem.urgency_at), col(QueueItem.id))
        .limit(DIGEST_LINES)
    ).all()
    soon_rows = session.execute(
        line.add_columns(QueueItem.urgency_at)
        .where(*open_mine, col(QueueItem.urgency_at) > as_of, col(QueueItem.urgency_at) <= soon_until)
        .order_by(col(QueueItem.urgency_at), col(QueueItem.id))
        .limit(DIGEST_LINES)
    ).all()
    unanswered_open = (
        col(InformationRequest.asked_by) == user.id,
        col(InformationRequest.answered_at).is_(None),
        col(InformationRequest.withdrawn_at).is_(None),
        col(QueueItem.status).in_(OPEN_ITEM_STATUSES),
    )
    # The oldest questions first, chosen before their reports are read.
    oldest = (
        select(InformationRequest.queue_item_id, InformationRequest.asked_at)
        .join(QueueItem, col(QueueItem.id) == col(InformationRequest.queue_item_id))
        .where(*unanswered_open)
        .order_by(col(InformationRequest.asked_at), col(InformationRequest.id))
        .limit(DIGEST_LINES)
        .subquery()
    )
    unanswered_rows = session.execute(
        line.add_columns(oldest.c.asked_at)
        .join(oldest, oldest.c.queue_item_id == col(QueueItem.id))
        .order_by(oldest.c.asked_at)
    ).all()
    unanswered_total = (
        session.execute(
            select(func.count())
            .select_from(InformationRequest)
            .join(QueueItem, col(QueueItem.id) == col(InformationRequest.queue_item_id))
            .where(*unanswered_open)
        ).scalar_one()
        if len(unanswered_rows) == DIGEST_LINES
        else len(unanswered_rows)
    )

    def due_total(bucket: str) -> int:
        return sum(
            count
            for (queue, assignee, kind), count in shared.open_due.items()
            if kind == bucket and queue in queues and assignee in (None, user.id)
        )

    return DailyDigest(
        period=period,
        as_of=as_of,
        soon_until=soon_until,
        new=Section(_lines(new_rows), sum(shared.new[q] for q in queues)),
        due_soon=Section(_lines(soon_rows), due_total("soon")),
        overdue=Section(_lines(overdue_rows), due_total("overdue")),
        unanswered=Section(_lines(unanswered_rows), unanswered_total),
        followups=_followup_section(session, mine, held_by_me_or_nobody, soon_until),
    )


def _followup_section(session: Session, mine, held_by_me_or_nobody, until: datetime) -> Section:
    """The follow-up steps due by *until*, not done nor ended, on the reader's items."""
    pending = (
        *mine,
        held_by_me_or_nobody,
        col(FollowupStep.done_at).is_(None),
        col(FollowupStep.cancelled_at).is_(None),
        col(FollowupStep.due_at) <= until,
    )
    rows = session.execute(
        select(
            QueueItem.id,
            Report.reference,
            Report.product_name,
            QueueItem.queue,
            QueueItem.status,
            QueueItem.serious,
            FollowupStep.due_at,
            FollowupStep.label,
            FollowupStep.check,
        )
        .join(QueueItem, col(QueueItem.id) == col(FollowupStep.queue_item_id))
        .join(Report, col(Report.id) == col(FollowupStep.report_id))
        .where(*pending)
        .order_by(col(FollowupStep.due_at), col(FollowupStep.id))
        .limit(DIGEST_LINES)
    ).all()
    total = len(rows)
    if total == DIGEST_LINES:
        total = session.execute(
            select(func.count())
            .select_from(FollowupStep)
            .join(QueueItem, col(QueueItem.id) == col(FollowupStep.queue_item_id))
            .where(*pending)
        ).scalar_one()
    lines = [Line(*row[:7], step={"label": row.label, "check": row.check}) for row in rows]
    return Section(lines, total)


# The weekly summary ---------------------------------------------------------------------------


@dataclass
class QueueWeek:
    queue: str
    received: int
    serious: int
    met: int
    missed: int
    open: Counter
    previous_received: int
    previous_serious: int
    previous_met: int
    previous_missed: int

    @property
    def quiet(self) -> bool:
        return not (self.received or self.previous_received or self.met or self.missed or sum(self.open.values()))


@dataclass
class WeeklySummary:
    period: Period
    queues: list[QueueWeek]
    slowest: list[statistics.SlowItem]


def build_weekly(session: Session, establishment_id: int, period: Period, *, now: datetime) -> WeeklySummary:
    """Per vigilance system: the week's intake and deadlines, beside the week before, and what is open."""
    this = statistics.activity(
        session,
        establishment_id=establishment_id,
        queues=ALL_QUEUES,
        start=period.starts_at,
        end=period.ends_at,
        now=now,
    )
    before = period.previous()
    last = statistics.activity(
        session,
        establishment_id=establishment_id,
        queues=ALL_QUEUES,
        start=before.starts_at,
        end=before.ends_at,
        now=now,
    )
    open_now = statistics.open_by_status(session, establishment_id=establishment_id, queues=list(ALL_QUEUES))
    rows = []
    for queue in ALL_QUEUES:
        current, then = this.queues[queue], last.queues[queue]
        rows.append(
            QueueWeek(
                queue,
                current.received,
                current.serious,
                current.compliance.met,
                current.compliance.missed,
                open_now[queue],
                then.received,
                then.serious,
                then.compliance.met,
                then.compliance.missed,
            )
        )
    slowest = statistics.slowest_open(session, establishment_id=establishment_id, queues=list(ALL_QUEUES))
    return WeeklySummary(period, [row for row in rows if not row.quiet], slowest)


# Composing and queueing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Composed:
    recipient: User
    key: str
    email: Email


@dataclass
class RunResult:
    kind: str
    period: Period
    establishment_id: int
    #: Whether this call did the run (False: already done, or another worker is doing it).
    claimed: bool
    emails: list[Composed] = field(default_factory=list)
    #: Emails new to the outbox (a run by hand after the worker's queues nothing again).
    queued: int = 0
    skipped_empty: int = 0


def _key(kind: str, period: Period, user: User) -> str:
    return f"summary:{kind}:{period.start.isoformat()}:to:{user.id}"


def compose_run(
    session: Session,
    kind: str,
    period: Period,
    establishment: Establishment,
    *,
    now: datetime,
    hour: int,
    base_url: str,
) -> tuple[list[Composed], int]:
    """Every email of one run, and how many daily digests were left out for having nothing to say."""
    people = recipients(session, kind, establishment.id)
    if not people:
        return [], 0
    composed: list[Composed] = []
    skipped = 0
    if kind == "daily":
        calendar = calendar_of(establishment)
        as_of = max(now, send_moment(period, hour))
        window = digest_window(period, hour=hour, calendar=calendar)
        shared = _establishment_counts(
            session, establishment.id, window, as_of, calendar.add_working_days(as_of, SOON_WORKING_DAYS)
        )
        for person in people:
            digest = build_daily(session, person, period, hour=hour, calendar=calendar, now=now, shared=shared)
            if digest.empty and not person.digest_when_empty:
                skipped += 1
                continue
            email = compose(
                "daily_digest",
                person.language,
                digest=digest,
                person=person,
                period=period,
                establishment=establishment,
                base_url=base_url,
            )
            composed.append(Composed(person, _key(kind, period, person), email))
    elif kind == "weekly":
        summary = build_weekly(session, establishment.id, period, now=now)
        # A copy of the audit trail's latest checkpoint digest in people's mailboxes, out of
        # reach of whoever might rewrite the database and the checkpoint files.
        checkpoint = audit_checkpoints.latest(session)
        for person in people:
            email = compose(
                "weekly_summary",
                person.language,
                summary=summary,
                period=period,
                establishment=establishment,
                base_url=base_url,
                checkpoint=checkpoint,
            )
            composed.append(Composed(person, _key(kind, period, person), email))
    elif kind == "monthly":
        report = statistics.activity(
            session,
            establishment_id=establishment.id,
            queues=ALL_QUEUES,
            start=period.starts_at,
            end=period.ends_at,
            now=now,
        )
        for person in people:
            email = compose(
                "monthly_report",
                person.language,
                report=report,
                period=period,
                establishment=establishment,
                case_limit=MONTHLY_CASES,
                base_url=base_url,
            )
            composed.append(Composed(person, _key(kind, period, person), email))
    else:
        raise ValueError(f"{kind!r} summaries are not sent by mail; sent: {SENT}")
    return composed, skipped


def _claim(session: Session, kind: str, period: Period, establishment_id: int, now: datetime) -> int | None:
    """Insert the run's row; None when it exists (another worker did, or is doing, this run)."""
    statement = insert_unless_present(session, SummaryRun.__table__).values(
        period=kind, period_start=period.start, establishment_id=establishment_id, queued=0, queued_at=now
    )
    inserted = session.execute(statement.returning(SummaryRun.__table__.c.id)).first()
    return inserted[0] if inserted else None


def run(
    session: Session,
    kind: str,
    period: Period,
    establishment: Establishment,
    *,
    now: datetime,
    hour: int,
    base_url: str,
    dry_run: bool = False,
    again: bool = False,
) -> RunResult:
    """Do one run in the caller's transaction (flush, no commit).

    :param dry_run: compose only: nothing is recorded or queued (the caller rolls back).
    :param again: also when the run is recorded as done (by hand): the outbox keys still keep
        anyone from receiving the same summary twice; what a first run skipped is queued.
    """
    result = RunResult(kind, period, establishment.id, claimed=False)
    if not dry_run:
        run_id = _claim(session, kind, period, establishment.id, now)
        result.claimed = run_id is not None
        if run_id is None and not again:
            return result
    result.emails, result.skipped_empty = compose_run(
        session, kind, period, establishment, now=now, hour=hour, base_url=base_url
    )
    if dry_run:
        return result
    for composed in result.emails:
        if enqueue(session, key=composed.key, recipient=composed.recipient, email=composed.email, now=now):
            result.queued += 1
    if result.claimed:
        session.execute(
            SummaryRun.__table__.update().where(SummaryRun.__table__.c.id == run_id).values(queued=result.queued)
        )
    session.flush()
    return result


#: How many weekly or monthly periods a worker back from a long outage catches up at most.
CATCH_UP = 6


def due_runs(session: Session, *, now: datetime, hour: int) -> list[tuple[str, Period, Establishment]]:
    """The runs whose time has come and that nobody has done, oldest first.

    A daily digest is about today's work: only the latest is due. A weekly or monthly summary
    is a record: each of the last ``CATCH_UP`` periods not sent yet is due, back to the first
    one ever sent, so a worker back from an outage across a month's end sends the month it
    missed, even when a later period was meanwhile sent by hand. Before an establishment's first
    run, only the latest period is due: a new installation does not send a backlog.
    """
    establishments = session.exec(select(Establishment).order_by(col(Establishment.id))).all()
    first_sent = {
        (kind, establishment_id): start
        for kind, establishment_id, start in session.execute(
            select(SummaryRun.period, SummaryRun.establishment_id, func.min(SummaryRun.period_start)).group_by(
                SummaryRun.period, SummaryRun.establishment_id
            )
        ).all()
    }
    # Catching up never reaches further back than CATCH_UP months.
    window_start = now.astimezone(PARIS).date() - timedelta(days=31 * (CATCH_UP + 1))
    sent = {
        tuple(row)
        for row in session.execute(
            select(SummaryRun.period, SummaryRun.establishment_id, SummaryRun.period_start).where(
                col(SummaryRun.period_start) >= window_start
            )
        ).all()
    }
    due = []
    for establishment in establishments:
        calendar = calendar_of(establishment)
        for kind in SENT:
            periods = [latest_due(kind, now, hour=hour, calendar=calendar)]
            first = first_sent.get((kind, establishment.id))
            if kind != "daily" and first is not None:
                while len(periods) < CATCH_UP and periods[-1].previous().start >= first:
                    periods.append(periods[-1].previous())
            due += [
                (kind, period, establishment)
                for period in reversed(periods)
                if (kind, establishment.id, period.start) not in sent
            ]
    return due


def chosen_period(kind: str, *, on=None, now: datetime, hour: int, calendar: WorkingCalendar) -> Period:
    """The period a person asks for by date (the day, week or month containing it), or the latest due."""
    if on is not None:
        return period_containing(kind, on)
    return latest_due(kind, now, hour=hour, calendar=calendar)
