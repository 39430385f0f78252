"""The periods summaries cover, and when each one is sent, in the establishment's own time.

A daily digest is sent on each working day at the digest hour; the weekly summary on Monday at
that hour, for the week before; the monthly report on the first of the month at that hour, for
the month before. Days are counted in Europe/Paris, working days in the establishment's region.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from routing.calendar import WorkingCalendar
from vigilance.clock import PARIS
from vigilance.i18n import format_day, format_month, translatable

#: The years a period or a date filter may fall in: outside them a date is a typing slip (and
#: 9999-12-31 plus a day does not exist).
FIRST_YEAR, LAST_YEAR = 2000, 2100
KINDS = ("daily", "weekly", "monthly", "yearly")
#: How far back a daily digest looks for the previous working day (holidays never run this long).
_LONGEST_BREAK = 15


@dataclass(frozen=True)
class Period:
    """Whole local days from *start* (included) to *end* (excluded)."""

    kind: str
    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=PARIS)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time(), tzinfo=PARIS)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.start.isoformat()}"

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - timedelta(days=1))

    def label(self, language: str) -> str:
        """The period as its summary's title says it: "novembre 2026", "semaine 47, du 16/11 au 22/11/2026"."""
        if self.kind == "yearly":
            return str(self.start.year)
        if self.kind == "monthly":
            return format_month(self.start, language)
        if self.kind == "weekly":
            last = self.end - timedelta(days=1)
            return translatable(
                "semaine %(week)s, du %(first)s au %(last)s",
                week=self.start.isocalendar().week,
                first=format_day(self.start, language, "dd/MM"),
                last=format_day(last, language, "dd/MM/y"),
            ).render(language)
        return format_day(self.start, language, "dd/MM/y")


def period_containing(kind: str, day: date) -> Period:
    """The day, the Monday-to-Sunday week, the month or the year that *day* falls in."""
    if kind == "daily":
        return Period(kind, day, day + timedelta(days=1))
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=7))
    if kind == "monthly":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, following)
    if kind == "yearly":
        return Period(kind, date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise ValueError(f"unknown period {kind!r}; known: {KINDS}")


def send_moment(period: Period, hour: int) -> datetime:
    """When a period's summary goes out: the digest on its day, the others once it is over."""
    day = period.start if period.kind == "daily" else period.end
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def latest_due(kind: str, now: datetime, *, hour: int, calendar: WorkingCalendar) -> Period:
    """The most recent period whose summary was due at or before *now*.

    Workers down for a while send this one when they come back (once): a daily digest is about
    today's work, and a weekly or monthly summary about the last full week or month.
    """
    local = now.astimezone(PARIS)
    today = local.date()
    if kind == "daily":
        day = today if local.time() >= time(hour) else today - timedelta(days=1)
        for _ in range(_LONGEST_BREAK):
            if calendar.is_working_day(day):
                break
            day -= timedelta(days=1)
        return period_containing("daily", day)
    current = period_containing(kind, today)
    if local < send_moment(current.previous(), hour):
        return current.previous().previous()
    return current.previous()


def digest_window(period: Period, *, hour: int, calendar: WorkingCalendar) -> tuple[datetime, datetime]:
    """What a daily digest calls new: what arrived since the previous working day's digest."""
    day = period.start - timedelta(days=1)
    for _ in range(_LONGEST_BREAK):
        if calendar.is_working_day(day):
            break
        day -= timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=PARIS), send_moment(period, hour)
