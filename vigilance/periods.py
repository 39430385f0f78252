"""The periods summaries cover, and when each one is sent, in the establishment's own time.

A daily digest is sent on each working day at the digest hour; the weekly summary on Monday at
that hour, for the week before; the monthly report on the first of the month at that hour, for
the month before. Days are counted in Europe/Paris, working days in the establishment's region.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from routing.calendar import WorkingCalendar
from vigilance.clock import PARIS

#: The years a period or a date filter may fall in: outside them a date is a typing slip (and
#: 9999-12-31 plus a day does not exist).
FIRST_YEAR, LAST_YEAR = 2000, 2100
KINDS = ("daily", "weekly", "monthly", "yearly")
#: How far back a daily digest looks for the previous working day (holidays never run this long).
_LONGEST_BREAK = 15

_MONTH_NAMES = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


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
        language = language if language in _MONTH_NAMES else "fr"
        if self.kind == "yearly":
            return str(self.start.year)
        if self.kind == "monthly":
            return f"{_MONTH_NAMES[language][self.start.month - 1]} {self.start.year}"
        if self.kind == "weekly":
            last = self.end - timedelta(days=1)
            week = self.start.isocalendar().week
            if language == "en":
                return f"week {week}, {self.start:%d/%m} to {last:%d/%m/%Y}"
            return f"semaine {week}, du {self.start:%d/%m} au {last:%d/%m/%Y}"
        return f"{self.start:%d/%m/%Y}"


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
