"""The French working-day calendar that regulatory clocks count in.

Haemovigilance counts *jours ouvrables* (Monday to Saturday, public holidays excepted); other
texts count calendar days. Which days are working days is a rulebook setting, and the public
holidays depend on where the establishment is (Alsace-Moselle and each overseas department
have their own), so a calendar is built per rulebook and per establishment region.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

#: Region codes an establishment may carry, and the `holidays` subdivision they use.
REGIONS = {
    "metropole": None,
    "alsace": "6AE",  # Bas-Rhin and Haut-Rhin: Good Friday and 26 December too
    "moselle": "57",
    "guadeloupe": "971",
    "martinique": "972",
    "guyane": "973",
    "la-reunion": "974",
    "mayotte": "976",
    "saint-barthelemy": "BL",
    "saint-martin": "MF",
}

#: Which weekdays (Monday = 0) a counting convention treats as working days.
CONVENTIONS = {
    "ouvrables": frozenset(range(6)),  # Monday to Saturday: Code du travail, jour ouvrable
    "ouvres": frozenset(range(5)),  # Monday to Friday: days actually worked
}

# Bounds the loops of the clock arithmetic: no regulatory deadline runs for ten years.
_MAX_DAYS = 3660


class CalendarError(ValueError):
    """An unknown region or counting convention."""


@lru_cache(maxsize=64)
def _holidays_for(region: str, year: int) -> frozenset[date]:
    subdivision = REGIONS[region]
    return frozenset(holidays.country_holidays("FR", subdiv=subdivision, years=year))


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and working hours of one region under one counting convention."""

    region: str = "metropole"
    convention: str = "ouvrables"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))

    def __post_init__(self):
        if self.region not in REGIONS:
            raise CalendarError(f"unknown region {self.region!r}; known: {sorted(REGIONS)}")
        if self.convention not in CONVENTIONS:
            raise CalendarError(f"unknown convention {self.convention!r}")

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in CONVENTIONS[self.convention] and day not in _holidays_for(self.region, day.year)

    def _start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.timezone)

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """End of the local day that falls *days* days after *start*'s day."""
        local_day = start.astimezone(self.timezone).date() + timedelta(days=days)
        return self._start_of(local_day + timedelta(days=1))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the *days*-th working day after *start*'s day (the start day is not counted)."""
        day = start.astimezone(self.timezone).date()
        counted = 0
        for _ in range(_MAX_DAYS):
            if counted >= days:
                break
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return self._start_of(day + timedelta(days=1))

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when *hours* hours have elapsed on working days only.

        The clock runs around the clock on working days and stops on the others: that is the
        reading of "48 heures ouvrables" this service uses (no text defines it further).
        Elapsed time is real time, so a change to or from summer time is counted as it is lived.
        """
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.timezone)
        for _ in range(_MAX_DAYS):
            day = cursor.date()
            next_midnight = self._start_of(day + timedelta(days=1))
            if self.is_working_day(day):
                available = next_midnight.astimezone(ZoneInfo("UTC")) - cursor.astimezone(ZoneInfo("UTC"))
                if remaining <= available:
                    return (cursor.astimezone(ZoneInfo("UTC")) + remaining).astimezone(self.timezone)
                remaining -= available
            cursor = next_midnight
        raise CalendarError("working-hour clock ran past its bound")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours elapsed from *start* to *end* (negative when *end* is earlier).

        Arithmetic, not a walk: the two partial end days, plus the whole working days between
        them at 24 hours each, corrected on the days the clocks change. Its cost does not grow
        with the span (a queue shows it for items overdue by months).
        """
        if end < start:
            return -self.working_hours_between(end, start)
        start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        first = start.astimezone(self.timezone).date()
        last = end.astimezone(self.timezone).date()
        if first == last:
            return (end_utc - start_utc).total_seconds() / 3600 if self.is_working_day(first) else 0.0
        total = timedelta()
        if self.is_working_day(first):
            total += self._start_of(first + timedelta(days=1)).astimezone(UTC) - start_utc
        if self.is_working_day(last):
            total += end_utc - self._start_of(last).astimezone(UTC)
        # Whole days strictly between: first + 1 .. last - 1.
        inner_last = last - timedelta(days=1)
        if inner_last > first:
            total += timedelta(days=self._working_days_after(first, inner_last))
            for day in self._offset_change_days(first + timedelta(days=1), inner_last):
                if self.is_working_day(day):
                    total += self._day_length(day) - timedelta(days=1)
        return total.total_seconds() / 3600

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days strictly after *start*'s day up to and including *end*'s day."""
        if end < start:
            return -self.working_days_between(end, start)
        first = start.astimezone(self.timezone).date()
        last = end.astimezone(self.timezone).date()
        return self._working_days_after(first, last)

    def _working_days_after(self, first: date, last: date) -> int:
        """Working days d with first < d <= last: whole weeks, the days left, minus the holidays
        falling on a working weekday (a few set lookups per year of the span)."""
        if last <= first:
            return 0
        weekdays = CONVENTIONS[self.convention]
        weeks, rest = divmod((last - first).days, 7)
        count = weeks * len(weekdays)
        count += sum(1 for step in range(1, rest + 1) if (first.weekday() + step) % 7 in weekdays)
        for year in range(first.year, last.year + 1):
            count -= sum(
                1 for day in _holidays_for(self.region, year) if first < day <= last and day.weekday() in weekdays
            )
        return count

    def _day_length(self, day: date) -> timedelta:
        return self._start_of(day + timedelta(days=1)).astimezone(UTC) - self._start_of(day).astimezone(UTC)

    def _offset_change_days(self, first: date, last: date) -> list[date]:
        """The days from *first* to *last* whose length is not 24 hours (the clocks change)."""
        return [
            day
            for year in range(first.year, last.year + 1)
            for day in _clock_change_days(self.timezone, year)
            if first <= day <= last
        ]


@lru_cache(maxsize=256)
def _clock_change_days(timezone: ZoneInfo, year: int) -> tuple[date, ...]:
    """The days of *year* whose length is not 24 hours in *timezone*.

    Found by halving the year where the UTC offsets at a span's two ends differ; a span of
    four weeks or less with equal offsets at both ends is taken to hold no change (no time
    zone changes its clocks twice within four weeks).
    """
    found: list[date] = []

    def offset(day: date) -> timedelta:
        return datetime.combine(day, time(), tzinfo=timezone).utcoffset()

    def search(low: date, high: date) -> None:
        # Days low .. high - 1: does the offset move between the start of low and of high?
        span = (high - low).days
        if span <= 0 or (span <= 28 and offset(low) == offset(high)):
            return
        if span == 1:
            found.append(low)
            return
        middle = low + timedelta(days=span // 2)
        search(low, middle)
        search(middle, high)

    search(date(year, 1, 1), date(year + 1, 1, 1))
    return tuple(found)
