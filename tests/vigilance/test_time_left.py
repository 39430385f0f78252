"""The time left to a deadline, as a triager reads it in the queue."""

from datetime import UTC, datetime, timedelta

import pytest

from routing import shipped_rulebooks
from vigilance.models import Deadline
from vigilance.queues import time_left

#: A Wednesday in November 2026, no public holiday near.
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
CALENDAR = shipped_rulebooks().earliest.calendar("metropole")


def said(unit: str, due_at: datetime, now: datetime = NOW) -> dict | None:
    """time_left's answer, its text rendered in both languages as the doors render it."""
    left = time_left(Deadline(unit=unit, due_at=due_at), now, CALENDAR)
    return left and {**left, "text": {language: left["text"].render(language) for language in ("fr", "en")}}


@pytest.mark.parametrize(
    ("hours", "fr", "en"),
    [
        (48, "échéance dans 48 heures ouvrables", "due in 48 working hours"),
        (1, "échéance dans 1 heure ouvrable", "due in 1 working hour"),
        (0.2, "échéance dans moins d'une heure ouvrable", "due in less than one working hour"),
        (71, "échéance dans 71 heures ouvrables", "due in 71 working hours"),
        (80, "échéance dans 3 jours ouvrables", "due in 3 working days"),
    ],
)
def test_working_hours_ahead(hours, fr, en):
    left = said("working_hours", CALENDAR.add_working_hours(NOW, hours))
    assert left["text"] == {"fr": fr, "en": en}
    assert left["overdue"] is False and left["amount"] == round(hours) and left["unit"] == "working_hours"


def test_long_overdue_working_hours_are_said_in_whole_days_never_rounded_up():
    due = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    now = CALENDAR.add_working_hours(due, 351)
    left = said("working_hours", due, now)
    assert left["text"] == {"fr": "en retard de 14 jours ouvrables", "en": "overdue by 14 working days"}
    assert (left["overdue"], left["amount"]) == (True, 351)


def test_calendar_hours_and_days():
    assert said("hours", NOW + timedelta(hours=1))["text"]["fr"] == "échéance dans 1 heure"
    assert said("hours", NOW - timedelta(hours=75))["text"] == {"fr": "en retard de 3 jours", "en": "overdue by 3 days"}
    assert said("days", NOW + timedelta(days=1))["text"] == {"fr": "échéance dans 1 jour", "en": "due in 1 day"}
    assert said("days", NOW + timedelta(hours=3))["text"] == {"fr": "échéance aujourd'hui", "en": "due today"}
    assert said("days", NOW - timedelta(hours=3))["text"] == {
        "fr": "en retard depuis aujourd'hui",
        "en": "overdue since today",
    }
    assert said("working_days", CALENDAR.add_working_days(NOW, 1))["text"]["en"] == "due in 1 working day"


def test_no_dated_deadline_says_nothing():
    assert time_left(None, NOW, CALENDAR) is None
    assert said("working_hours", None) is None
