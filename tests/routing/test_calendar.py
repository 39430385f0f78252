"""The French working-day calendar the haemovigilance clocks count in."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.calendar import CalendarError, WorkingCalendar

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
