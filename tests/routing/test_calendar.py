"""The French working-day calendar the haemovigilance clocks count in."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.calendar import REGIONS, CalendarError, WorkingCalendar

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("day", "ouvrable"),
    [
        (date(2026, 11, 20), True),  # Friday
        (date(2026, 11, 21), True),  # Saturday: a jour ouvrable
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 5, 1), False),  # Labour Day
        (date(2026, 5, 8), False),  # Victory Day
        (date(2026, 5, 14), False),  # Ascension Thursday (Easter + 39)
        (date(2026, 5, 25), False),  # Whit Monday (Easter + 50)
        (date(2026, 7, 14), False),
        (date(2026, 11, 11), False),
        (date(2026, 12, 25), False),
        (date(2026, 12, 26), True),  # Saint Stephen: a working day outside Alsace-Moselle
        (date(2026, 4, 3), True),  # Good Friday: likewise
    ],
)
def test_metropolitan_jours_ouvrables(day, ouvrable):
    assert WorkingCalendar().is_working_day(day) is ouvrable


@pytest.mark.parametrize("region", ["alsace", "moselle"])
def test_alsace_moselle_keep_good_friday_and_saint_stephen(region):
    calendar = WorkingCalendar(region=region)
    assert not calendar.is_working_day(date(2026, 4, 3))
    assert not calendar.is_working_day(date(2026, 12, 26))


def test_overseas_abolition_of_slavery_day():
    # Mayotte commemorates the abolition of slavery on 27 April (a Monday in 2026).
    assert not WorkingCalendar(region="mayotte").is_working_day(date(2026, 4, 27))
    assert WorkingCalendar().is_working_day(date(2026, 4, 27))


def test_jours_ouvres_convention_excludes_saturday():
    assert not WorkingCalendar(convention="ouvres").is_working_day(date(2026, 11, 21))


def test_unknown_region_is_refused():
    with pytest.raises(CalendarError):
        WorkingCalendar(region="atlantis")


def test_fifteen_working_days_skip_sundays_and_may_holidays():
    # Thursday 30 April 2026: 1 May, 8 May and Ascension (14 May) are not counted, Saturdays are.
    due = WorkingCalendar().add_working_days(paris(2026, 4, 30, 16, 0), 15)
    assert due == paris(2026, 5, 22, 0, 0)  # the whole of Thursday 21 May is allowed


def test_fifteen_working_days_in_ouvres_convention_are_longer():
    ouvrables = WorkingCalendar().add_working_days(paris(2026, 4, 30, 16), 15)
    ouvres = WorkingCalendar(convention="ouvres").add_working_days(paris(2026, 4, 30, 16), 15)
    assert ouvres > ouvrables


def test_working_hours_stop_on_christmas_and_sunday():
    # Thursday 24 Dec 10:00: 14 h that day, Christmas and Sunday stopped, Saturday 24 h, Monday 10 h.
    due = WorkingCalendar().add_working_hours(paris(2026, 12, 24, 10, 0), 48)
    assert due == paris(2026, 12, 28, 10, 0)


def test_working_hours_in_alsace_also_stop_on_saint_stephen():
    due = WorkingCalendar(region="alsace").add_working_hours(paris(2026, 12, 24, 10, 0), 48)
    assert due == paris(2026, 12, 29, 10, 0)


def test_working_hours_started_on_a_sunday_begin_on_monday():
    due = WorkingCalendar().add_working_hours(paris(2026, 11, 22, 15, 0), 2)
    assert due == paris(2026, 11, 23, 2, 0)


def test_calendar_days_end_at_local_midnight_across_summer_time_change():
    # 15 days from Friday 16 October 2026; winter time starts on 25 October.
    due = WorkingCalendar().add_calendar_days(paris(2026, 10, 16, 9, 0), 15)
    assert due == paris(2026, 11, 1, 0, 0)
    assert due.utcoffset().total_seconds() == 3600


def test_working_hours_between_counts_only_working_days():
    calendar = WorkingCalendar()
    start = paris(2026, 11, 21, 12, 0)  # Saturday noon
    assert calendar.working_hours_between(start, paris(2026, 11, 23, 12, 0)) == pytest.approx(24)
    assert calendar.working_hours_between(paris(2026, 11, 23, 12, 0), start) == pytest.approx(-24)


def test_working_days_between_is_the_inverse_of_adding_them():
    calendar = WorkingCalendar()
    start = paris(2026, 4, 30, 16, 0)
    due = calendar.add_working_days(start, 15)
    assert calendar.working_days_between(start, due - timedelta(seconds=1)) == 15


# The clock arithmetic against the obvious day-by-day walk it replaced ---------------------------


def walked_hours(calendar: WorkingCalendar, start: datetime, end: datetime) -> float:
    """Working hours from *start* to *end* (end later), one local day at a time."""
    utc = ZoneInfo("UTC")
    total = timedelta()
    cursor = start.astimezone(calendar.timezone)
    while cursor.astimezone(utc) < end.astimezone(utc):
        next_midnight = datetime.combine(
            cursor.date() + timedelta(days=1), datetime.min.time(), tzinfo=calendar.timezone
        )
        stop = min(next_midnight.astimezone(utc), end.astimezone(utc))
        if calendar.is_working_day(cursor.date()):
            total += stop - cursor.astimezone(utc)
        cursor = next_midnight
    return total.total_seconds() / 3600


def walked_days(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    first, last = start.astimezone(calendar.timezone).date(), end.astimezone(calendar.timezone).date()
    return sum(1 for n in range(1, (last - first).days + 1) if calendar.is_working_day(first + timedelta(days=n)))


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(ZoneInfo("UTC"))
)


@settings(max_examples=300, deadline=None)
@given(
    start=moments,
    end=moments,
    region=st.sampled_from(sorted(REGIONS)),
    convention=st.sampled_from(["ouvrables", "ouvres"]),
)
def test_working_time_between_matches_the_day_by_day_count(start, end, region, convention):
    calendar = WorkingCalendar(region=region, convention=convention)
    low, high = min(start, end), max(start, end)
    assert calendar.working_hours_between(low, high) == pytest.approx(walked_hours(calendar, low, high), abs=1e-9)
    assert calendar.working_hours_between(high, low) == pytest.approx(-walked_hours(calendar, low, high), abs=1e-9)
    assert calendar.working_days_between(low, high) == walked_days(calendar, low, high)
    assert calendar.working_days_between(high, low) == -walked_days(calendar, low, high)


def test_a_year_of_working_days_and_hours():
    calendar = WorkingCalendar()
    # 2026: 313 days from Monday to Saturday, 10 public holidays among them (1 November is a Sunday).
    assert calendar.working_days_between(paris(2025, 12, 31, 12, 0), paris(2026, 12, 31, 12, 0)) == 303
    assert calendar.working_hours_between(paris(2026, 1, 1, 0, 0), paris(2027, 1, 1, 0, 0)) == pytest.approx(303 * 24)


def test_working_hours_across_the_clock_changes_are_hours_lived():
    calendar = WorkingCalendar()
    # Saturday 28 March 2026 noon to Monday 30 March noon: the Sunday (23 hours) does not count.
    assert calendar.working_hours_between(paris(2026, 3, 28, 12, 0), paris(2026, 3, 30, 12, 0)) == pytest.approx(24)
    # Sunday 29 March 01:00 (winter time) to 04:00 (summer time): 2 hours lived, on a Sunday.
    assert calendar.working_hours_between(paris(2026, 3, 29, 1, 0), paris(2026, 3, 29, 4, 0)) == 0


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2019, 1, 1), max_value=datetime(2022, 12, 31), timezones=st.just(ZoneInfo("UTC"))
    ),
    end=st.datetimes(
        min_value=datetime(2019, 1, 1), max_value=datetime(2022, 12, 31), timezones=st.just(ZoneInfo("UTC"))
    ),
)
def test_working_hours_count_a_short_working_day_as_lived(start, end):
    # In France the clocks change on Sundays, never a working day; Tehran changed them on
    # weekdays until 2022 (a 23-hour Monday on 22 March 2021): the arithmetic must follow.
    calendar = WorkingCalendar(timezone=ZoneInfo("Asia/Tehran"))
    low, high = min(start, end), max(start, end)
    assert calendar.working_hours_between(low, high) == pytest.approx(walked_hours(calendar, low, high), abs=1e-9)


def test_a_23_hour_working_day_counts_23_hours():
    tehran = ZoneInfo("Asia/Tehran")
    calendar = WorkingCalendar(timezone=tehran)
    # Saturday 20 March 2021 noon to Tuesday 23 noon: 12 + 0 (Sunday) + 23 (Monday 22) + 12.
    assert calendar.working_hours_between(
        datetime(2021, 3, 20, 12, tzinfo=tehran), datetime(2021, 3, 23, 12, tzinfo=tehran)
    ) == pytest.approx(47)
