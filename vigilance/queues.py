"""Queues as correspondents read them: most urgent first, filtered, a keyset page at a time."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, not_, or_, tuple_
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from routing import Queue
from routing.calendar import WorkingCalendar
from routing.identifiers import normalise_donation_number, normalise_lot_number
from routing.rulebook import shipped_rulebooks
from vigilance.access import may_read_item, may_work_queue
from vigilance.clock import PARIS
from vigilance.copies import copies_among
from vigilance.errors import NotFound
from vigilance.i18n import Message, translatable, translatable_plural
from vigilance.models import NOTHING_DUE, OPEN_ITEM_STATUSES, Deadline, Establishment, QueueItem, Report, User
from vigilance.storage import status_counts as kept_counts


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[str, ...] = ()
    category: str | None = None
    serious: bool | None = None
    assigned: str | None = None  # "me" or "nobody"
    overdue: bool = False
    received_from: date | None = None
    received_to: date | None = None
    search: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the sort key of its last item."""

    urgency_at: datetime
    serious: bool
    id: int


@dataclass
class QueuePage:
    rows: list[tuple[QueueItem, Report]]
    next: Cursor | None
    deadlines: dict[int, Deadline] = field(default_factory=dict)
    #: The ids of the page's items that are information copies (marked as such in the list).
    copies: set[int] = field(default_factory=set)


def _scope(session: Session, queue: str, actor: User):
    if not may_work_queue(actor, queue):
        raise NotFound(translatable("File introuvable."))
    return and_(col(QueueItem.queue) == queue, col(QueueItem.establishment_id) == actor.establishment_id)


#: The report's columns a queue row shows (API and page).
_LISTED_REPORT_COLUMNS = (
    Report.id,
    Report.reference,
    Report.category,
    Report.product_name,
    Report.received_at,
    Report.serious,
    Report.event_kind,
)


def list_items(
    session: Session, *, queue: str, actor: User, filters: QueueFilter, after: Cursor | None, limit: int, now: datetime
) -> QueuePage:
    """One page of *queue* for *actor*: earliest unmet deadline first, serious first among equals.

    Keyset pagination on (urgency, seriousness, id): the cost of a page does not grow with the
    depth of the queue, which OFFSET would make it do.
    """
    query = (
        select(QueueItem, Report)
        .join(Report, col(Report.id) == col(QueueItem.report_id))
        # What a queue row shows of its report: not the frozen decision and answers (JSON that
        # would be parsed for every row).
        .options(load_only(*_LISTED_REPORT_COLUMNS))
        .where(_scope(session, queue, actor))
    )
    # A search looks through closed items too: the case being looked for is often an old one.
    statuses = filters.statuses or (() if filters.search else OPEN_ITEM_STATUSES)
    if statuses:
        query = query.where(col(QueueItem.status).in_(statuses))
    if filters.category:
        query = query.where(col(Report.category) == filters.category)
    if filters.serious is not None:
        query = query.where(col(QueueItem.serious) == filters.serious)
    if filters.assigned == "me":
        query = query.where(col(QueueItem.assignee_id) == actor.id)
    elif filters.assigned == "nobody":
        query = query.where(col(QueueItem.assignee_id).is_(None))
    if filters.overdue:
        query = query.where(col(QueueItem.urgency_at) < now)
    if filters.received_from:
        query = query.where(col(Report.received_at) >= _day_start(filters.received_from))
    if filters.received_to:
        query = query.where(col(Report.received_at) < _day_start(filters.received_to + timedelta(days=1)))
    if filters.search:
        query = query.where(_matches(filters.search))
    # Serious first among equals is "NOT serious" ascending: the whole sort key then runs one
    # way, a keyset page is a single row comparison, and the index serves it from the cursor.
    sort_key = (col(QueueItem.urgency_at), not_(col(QueueItem.serious)), col(QueueItem.id))
    if after is not None:
        query = query.where(tuple_(*sort_key) > tuple_(after.urgency_at, not after.serious, after.id))
    rows = session.exec(query.order_by(*sort_key).limit(limit + 1)).all()
    page = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = page[-1][0]
        next_cursor = Cursor(last.urgency_at, last.serious, last.id)
    ids = [item.id for item, _ in page]
    return QueuePage(page, next_cursor, next_deadlines(session, ids), set(copies_among(session, ids)))


def _matches(search: str):
    """Reports a search term finds: its reference, lot or donation number exactly, or a part of
    its product's name or of its description, whatever the case."""
    term = search.strip()
    anywhere = f"%{_escape_like(term)}%"
    found = [
        col(Report.reference) == term.upper(),
        col(Report.product_name).ilike(anywhere, escape="\\"),
        col(Report.description).ilike(anywhere, escape="\\"),
    ]
    # As intake stores them (routing.identifiers): any spelling of the number finds it. A term
    # of separators alone is no number (compared with NULL, it would find every report).
    if lot := normalise_lot_number(term):
        found.append(col(Report.lot_number_normalised) == lot)
    if donation := normalise_donation_number(term):
        found.append(col(Report.donation_number_normalised) == donation)
    return or_(*found)


def worked_queues(actor: User) -> list[str]:
    """The queues *actor* works, in the order the service lists them."""
    return [queue.value for queue in Queue if may_work_queue(actor, queue.value)]


#: How many items a search across queues shows: the most recently received first.
SEARCH_LIMIT = 50


@dataclass
class SearchResults:
    rows: list[tuple[QueueItem, Report]]
    #: More items matched than are shown: the reader narrows the search.
    more: bool
    deadlines: dict[int, Deadline] = field(default_factory=dict)


def search_items(session: Session, *, actor: User, search: str, limit: int = SEARCH_LIMIT) -> SearchResults:
    """The items of every queue *actor* works, open or closed, whose report *search* finds.

    Each item shown is one *actor* may open (an item left behind by a requalification stays
    in its old queue, but its report is no longer that queue's to read).
    """
    queues = worked_queues(actor)
    if not queues or not search.strip():
        return SearchResults([], False)
    # Read with room to spare for the few items a requalification left behind.
    read = limit * 2
    query = (
        select(QueueItem, Report)
        .join(Report, col(Report.id) == col(QueueItem.report_id))
        .options(load_only(*_LISTED_REPORT_COLUMNS, Report.queues, Report.reporter_id, Report.establishment_id))
        .where(
            col(QueueItem.queue).in_(queues),
            col(QueueItem.establishment_id) == actor.establishment_id,
            _matches(search),
        )
        .order_by(col(Report.received_at).desc(), col(QueueItem.id).desc())
        .limit(read + 1)
    )
    found = session.exec(query).all()
    readable = [(item, report) for item, report in found if may_read_item(actor, item, report)]
    rows = readable[:limit]
    more = len(readable) > limit or len(found) > read
    return SearchResults(rows, more, next_deadlines(session, [item.id for item, _ in rows]))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=PARIS)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def next_deadlines(session: Session, item_ids: list[int]) -> dict[int, Deadline]:
    """Each item's earliest open dated deadline."""
    if not item_ids:
        return {}
    deadlines = session.exec(
        select(Deadline)
        # What time_left reads.
        .options(load_only(Deadline.id, Deadline.queue_item_id, Deadline.due_at, Deadline.unit))
        .where(
            col(Deadline.queue_item_id).in_(item_ids),
            col(Deadline.settled_at).is_(None),
            col(Deadline.due_at).is_not(None),
        )
        .order_by(col(Deadline.due_at))
    ).all()
    earliest: dict[int, Deadline] = {}
    for deadline in deadlines:
        earliest.setdefault(deadline.queue_item_id, deadline)
    return earliest


def status_counts(session: Session, *, queue: str, actor: User) -> dict[str, int]:
    """How many of the queue's items are in each status, read from the kept counts."""
    _scope(session, queue, actor)
    return kept_counts.status_counts(session, queue=queue, establishment_id=actor.establishment_id)


def calendar_for(session: Session, establishment_id: int) -> WorkingCalendar:
    establishment = session.get(Establishment, establishment_id)
    rulebook = shipped_rulebooks().in_force(date.today()) or shipped_rulebooks().earliest
    return rulebook.calendar(establishment.region if establishment else "metropole")


#: From this many hours on, time left is said in days: "overdue by 351 working hours" says
#: less to a reader than "overdue by 14 working days". Below it, hours: the rules' own clocks
#: (24 and 48 working hours) stay in the unit they are written in.
HOURS_SAID_IN_DAYS = 72

_DAYS_OF = {"working_hours": "working_days", "hours": "days"}


def time_left(deadline: Deadline | None, now: datetime, calendar: WorkingCalendar) -> dict[str, Any] | None:
    """How long until a deadline, in the clock its rule counts in, said plainly.

    ``amount`` and ``unit`` are the exact whole count in the rule's clock; ``text`` (a
    :class:`~vigilance.i18n.Message`, rendered in the reader's language by the door) says it as a
    reader would: days rather than a large number of hours, the singular for one, "less than an
    hour" rather than zero.
    """
    if deadline is None or deadline.due_at is None or deadline.due_at >= NOTHING_DUE:
        return None
    due = deadline.due_at
    overdue = due <= now
    if deadline.unit == "working_hours":
        value = round(abs(calendar.working_hours_between(now, due)))
    elif deadline.unit == "working_days":
        value = (
            abs(calendar.working_days_between(now, due - timedelta(seconds=1)))
            if not overdue
            else abs(calendar.working_days_between(due, now))
        )
    elif deadline.unit == "hours":
        value = round(abs((due - now).total_seconds()) / 3600)
    else:
        value = abs((due.astimezone(PARIS).date() - now.astimezone(PARIS).date()).days)
    return {"overdue": overdue, "amount": value, "unit": deadline.unit, "text": _said(value, deadline.unit, overdue)}


def _said(value: int, unit: str, overdue: bool) -> Message:
    if unit in _DAYS_OF and value >= HOURS_SAID_IN_DAYS:
        # A working day counts 24 working hours; whole days only, never more than has elapsed.
        value, unit = value // 24, _DAYS_OF[unit]
    if value == 0 and unit not in _DAYS_OF:
        # Counted in days, the deadline falls today.
        if overdue:
            return translatable("en retard depuis aujourd'hui")
        return translatable("échéance aujourd'hui")
    amount = _amount(value, unit)
    if overdue:
        return translatable("en retard de %(amount)s", amount=amount)
    return translatable("échéance dans %(amount)s", amount=amount)


def _amount(value: int, unit: str) -> Message:
    """*value* of a clock's *unit*, in the form its number takes ("1 jour ouvrable", "3 jours ouvrables")."""
    if unit == "working_hours":
        if value == 0:
            return translatable("moins d'une heure ouvrable")
        return translatable_plural("%(num)s heure ouvrable", "%(num)s heures ouvrables", value)
    if unit == "hours":
        if value == 0:
            return translatable("moins d'une heure")
        return translatable_plural("%(num)s heure", "%(num)s heures", value)
    if unit == "working_days":
        return translatable_plural("%(num)s jour ouvrable", "%(num)s jours ouvrables", value)
    return translatable_plural("%(num)s jour", "%(num)s jours", value)
