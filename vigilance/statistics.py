"""The figures summaries and the dashboard show: one definition of each, computed in SQL.

Conventions, the same everywhere (summaries, dashboard, activity reports, their CSV):

- an item is **received** by a queue when it arrives in it (intake, or requalification to it);
  the period is in Europe/Paris days;
- **severity** is the latest assessment's grade, or the reporter's estimate until someone
  assessed, or "unknown";
- **imputability** is the latest assessment's level on the queue's scale, or "not assessed";
- **deadline compliance** counts the deadlines *due* in the period: met on time, missed (late,
  or still open after their due time), waived (not counted in the rate); the rate is
  met / (met + missed);
- **open** items are those not closed, counted now whatever the period.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from routing.vocabulary import Queue
from vigilance.access import may_work_queue
from vigilance.clock import PARIS
from vigilance.models import (
    OPEN_ITEM_STATUSES,
    Assessment,
    Deadline,
    DeadlineState,
    InformationCopy,
    QueueItem,
    Report,
    User,
)

NOT_ASSESSED = "not_assessed"
UNKNOWN = "unknown"
SEVERITY_KEYS = ("1", "2", "3", "4", UNKNOWN)
#: Open items by age, in days since they arrived in the queue: (key, from, to).
AGE_BUCKETS = (("0-2", 0, 2), ("2-7", 2, 7), ("7-30", 7, 30), ("30-90", 30, 90), ("90+", 90, None))


@dataclass
class Compliance:
    met: int = 0
    missed: int = 0
    waived: int = 0
    #: Due later in the period, not yet settled.
    pending: int = 0

    @property
    def rate(self) -> float | None:
        counted = self.met + self.missed
        return self.met / counted if counted else None


@dataclass(frozen=True)
class Case:
    """A serious case as the activity report lists it: no patient data."""

    item_id: int
    report_id: int
    reference: str
    queue: str
    received_at: datetime
    category: str
    event_kind: str
    product: str
    severity: str
    imputability: str
    status: str


@dataclass
class QueueActivity:
    queue: str
    received: int = 0
    serious: int = 0
    by_category: Counter = field(default_factory=Counter)
    by_event_kind: Counter = field(default_factory=Counter)
    by_severity: Counter = field(default_factory=Counter)
    by_imputability: Counter = field(default_factory=Counter)
    #: Items received per week (the Monday that starts it).
    by_week: Counter = field(default_factory=Counter)
    compliance: Compliance = field(default_factory=Compliance)
    serious_cases: list[Case] = field(default_factory=list)


@dataclass
class Activity:
    """What one establishment's queues received and did between two moments."""

    start: datetime
    end: datetime
    queues: dict[str, QueueActivity]

    @property
    def received(self) -> int:
        return sum(q.received for q in self.queues.values())

    @property
    def serious(self) -> int:
        return sum(q.serious for q in self.queues.values())

    def received_by_week(self) -> list[tuple[date, int]]:
        """Items received per week of the period, every queue together (weeks start on Monday)."""
        return [(monday, sum(q.by_week[monday] for q in self.queues.values())) for monday in self.weeks()]

    @property
    def serious_cases(self) -> list[Case]:
        return sorted(
            (case for q in self.queues.values() for case in q.serious_cases),
            key=lambda case: (case.received_at, case.item_id),
        )

    def weeks(self) -> list[date]:
        first = _monday(self.start.astimezone(PARIS).date())
        last = (self.end - timedelta(microseconds=1)).astimezone(PARIS).date()
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def activity(
    session: Session, *, establishment_id: int, queues: Iterable[str], start: datetime, end: datetime, now: datetime
) -> Activity:
    """Counts by queue, category, event kind, severity, imputability and week, compliance, cases
    (information copies left out: they are the informing vigilance's cases)."""
    queues = list(queues)
    result = Activity(start, end, {queue: QueueActivity(queue) for queue in queues})
    if not queues:
        return result
    latest = aliased(Assessment)
    newest_version = (
        select(func.max(Assessment.version)).where(col(Assessment.queue_item_id) == col(QueueItem.id)).scalar_subquery()
    )
    rows = session.execute(
        select(
            QueueItem.id,
            QueueItem.queue,
            QueueItem.serious,
            QueueItem.status,
            QueueItem.created_at,
            Report.id,
            Report.reference,
            Report.received_at,
            Report.category,
            Report.event_kind,
            Report.product_name,
            Report.severity_grade,
            latest.severity_grade,
            latest.imputability,
        )
        .join(Report, col(Report.id) == col(QueueItem.report_id))
        .outerjoin(latest, and_(col(latest.queue_item_id) == col(QueueItem.id), col(latest.version) == newest_version))
        .where(
            col(QueueItem.establishment_id) == establishment_id,
            col(QueueItem.queue).in_(queues),
            col(QueueItem.created_at) >= start,
            col(QueueItem.created_at) < end,
            # Another vigilance's case sent for information is not a case of this one.
            ~exists().where(col(InformationCopy.queue_item_id) == col(QueueItem.id)),
        )
        .order_by(col(QueueItem.created_at), col(QueueItem.id))
    ).all()
    for (
        item_id,
        queue,
        serious,
        status,
        arrived,
        report_id,
        reference,
        received_at,
        category,
        event_kind,
        product,
        reported_grade,
        assessed_grade,
        imputability,
    ) in rows:
        figures = result.queues[queue]
        grade = assessed_grade if assessed_grade is not None else reported_grade
        severity = str(grade) if grade is not None else UNKNOWN
        imputability = imputability or NOT_ASSESSED
        figures.received += 1
        figures.by_category[category] += 1
        figures.by_event_kind[event_kind] += 1
        figures.by_severity[severity] += 1
        figures.by_imputability[imputability] += 1
        figures.by_week[_monday(arrived.astimezone(PARIS).date())] += 1
        if serious:
            figures.serious += 1
            figures.serious_cases.append(
                Case(
                    item_id,
                    report_id,
                    reference,
                    queue,
                    received_at,
                    category,
                    event_kind,
                    product,
                    severity,
                    imputability,
                    status,
                )
            )
    for queue, compliance in compliance_by_queue(
        session, establishment_id=establishment_id, queues=queues, start=start, end=end, now=now
    ).items():
        result.queues[queue].compliance = compliance
    return result


def compliance_by_queue(
    session: Session, *, establishment_id: int, queues: list[str], start: datetime, end: datetime, now: datetime
) -> dict[str, Compliance]:
    # Missed whatever its state says: still open after its due time, or waived only once its due
    # time had come (rows settled so before waivers were refused after it).
    overdue = or_(
        and_(col(Deadline.state) == DeadlineState.OPEN, col(Deadline.due_at) <= now),
        and_(col(Deadline.state) == DeadlineState.WAIVED, col(Deadline.settled_at) >= col(Deadline.due_at)),
    )
    rows = session.execute(
        select(Deadline.queue, Deadline.state, overdue, func.count())
        .join(QueueItem, col(QueueItem.id) == col(Deadline.queue_item_id))
        .where(
            col(QueueItem.establishment_id) == establishment_id,
            col(Deadline.queue).in_(queues),
            col(Deadline.due_at) >= start,
            col(Deadline.due_at) < end,
        )
        .group_by(Deadline.queue, Deadline.state, overdue)
    ).all()
    result = {queue: Compliance() for queue in queues}
    for queue, state, is_overdue, count in rows:
        figures = result[queue]
        if state == DeadlineState.MET:
            figures.met += count
        elif state == DeadlineState.MISSED or is_overdue:
            figures.missed += count
        elif state == DeadlineState.WAIVED:
            figures.waived += count
        else:
            figures.pending += count
    return result


def open_by_status(session: Session, *, establishment_id: int, queues: list[str]) -> dict[str, Counter]:
    """Open items per queue and status, now."""
    rows = session.execute(
        select(QueueItem.queue, QueueItem.status, func.count())
        .where(
            col(QueueItem.queue).in_(queues),
            col(QueueItem.establishment_id) == establishment_id,
            col(QueueItem.status).in_(OPEN_ITEM_STATUSES),
        )
        .group_by(QueueItem.queue, QueueItem.status)
    ).all()
    result = {queue: Counter() for queue in queues}
    for queue, status, count in rows:
        result[queue][status] = count
    return result


def open_by_age(session: Session, *, establishment_id: int, queues: list[str], now: datetime) -> dict[str, Counter]:
    """Open items per queue by how long they have been in it, now."""
    # The oldest bucket is tested first: "older than 90 days", then 30, 7, 2.
    bucket = case(
        *[
            (col(QueueItem.created_at) <= now - timedelta(days=low), key)
            for key, low, _high in reversed(AGE_BUCKETS[1:])
        ],
        else_=AGE_BUCKETS[0][0],
    )
    rows = session.execute(
        select(QueueItem.queue, bucket, func.count())
        .where(
            col(QueueItem.queue).in_(queues),
            col(QueueItem.establishment_id) == establishment_id,
            col(QueueItem.status).in_(OPEN_ITEM_STATUSES),
        )
        .group_by(QueueItem.queue, bucket)
    ).all()
    result = {queue: Counter({key: 0 for key, _low, _high in AGE_BUCKETS}) for queue in queues}
    for queue, key, count in rows:
        result[queue][key] = count
    return result


@dataclass(frozen=True)
class SlowItem:
    item_id: int
    reference: str
    product: str
    queue: str
    status: str
    arrived_at: datetime
    holder: str | None


def slowest_open(session: Session, *, establishment_id: int, queues: list[str], limit: int = 5) -> list[SlowItem]:
    """The open items that have waited longest in their queue."""
    holder = aliased(User)
    rows = session.execute(
        select(
            QueueItem.id,
            Report.reference,
            Report.product_name,
            QueueItem.queue,
            QueueItem.status,
            QueueItem.created_at,
            holder.name,
            holder.email,
        )
        .join(Report, col(Report.id) == col(QueueItem.report_id))
        .outerjoin(holder, col(holder.id) == col(QueueItem.assignee_id))
        .where(
            col(QueueItem.establishment_id) == establishment_id,
            col(QueueItem.queue).in_(queues),
            col(QueueItem.status).in_(OPEN_ITEM_STATUSES),
        )
        .order_by(col(QueueItem.created_at), col(QueueItem.id))
        .limit(limit)
    ).all()
    return [
        SlowItem(item_id, reference, product, queue, status, arrived, name or email)
        for item_id, reference, product, queue, status, arrived, name, email in rows
    ]


def queues_of(user: User) -> list[str]:
    """The vigilance systems whose figures *user* may read: the queues they work."""
    return [queue.value for queue in Queue if may_work_queue(user, queue.value)]


@dataclass
class Dashboard:
    """The dashboard's figures for one period and scope; ``rows`` is what its CSV holds."""

    activity: Activity
    open_by_age: dict[str, Counter]

    def rows(self) -> list[tuple[str, str, str, int | float | str]]:
        """(figure, queue, key, value), one figure per line: easy to pivot in a spreadsheet."""
        rows: list[tuple[str, str, str, int | float | str]] = []
        weeks = self.activity.weeks()
        for queue, figures in self.activity.queues.items():
            for monday in weeks:
                rows.append(("received_per_week", queue, monday.isoformat(), figures.by_week[monday]))
            rows.append(("received", queue, "total", figures.received))
            rows.append(("serious", queue, "total", figures.serious))
            for key in SEVERITY_KEYS:
                rows.append(("severity", queue, key, figures.by_severity[key]))
            compliance = figures.compliance
            for key in ("met", "missed", "waived", "pending"):
                rows.append(("deadlines", queue, key, getattr(compliance, key)))
            rows.append(
                ("deadlines", queue, "compliance_rate", "" if compliance.rate is None else round(compliance.rate, 4))
            )
            for key, _low, _high in AGE_BUCKETS:
                rows.append(("open_by_age_days", queue, key, self.open_by_age[queue][key]))
        return rows


def dashboard(
    session: Session, *, establishment_id: int, queues: list[str], start: datetime, end: datetime, now: datetime
) -> Dashboard:
    return Dashboard(
        activity(session, establishment_id=establishment_id, queues=queues, start=start, end=end, now=now),
        open_by_age(session, establishment_id=establishment_id, queues=queues, now=now),
    )


def activity_rows(report: Activity) -> list[tuple[str, str, str, int | float | str]]:
    """An activity report as (section, queue, key, value) lines, for its CSV."""
    rows: list[tuple[str, str, str, int | float | str]] = []
    for queue, figures in report.queues.items():
        rows.append(("received", queue, "total", figures.received))
        rows.append(("serious", queue, "total", figures.serious))
        for section, counter in (
            ("category", figures.by_category),
            ("event_kind", figures.by_event_kind),
            ("severity", figures.by_severity),
            ("imputability", figures.by_imputability),
        ):
            for key, count in sorted(counter.items()):
                rows.append((section, queue, key, count))
        compliance = figures.compliance
        for key in ("met", "missed", "waived", "pending"):
            rows.append(("deadlines", queue, key, getattr(compliance, key)))
        rows.append(
            ("deadlines", queue, "compliance_rate", "" if compliance.rate is None else round(compliance.rate, 4))
        )
    return rows
