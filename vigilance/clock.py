"""The one place the domain reads the time, so tests can travel in it, and the zone it counts in."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: Working days, days of receipt and periods are counted in French legal time.
PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    return datetime.now(UTC)
