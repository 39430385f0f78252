"""The one place the domain reads the time, so tests can travel in it."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
