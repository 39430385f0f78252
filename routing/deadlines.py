"""Deadline policies: what must be done by when, and the arithmetic that dates them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.calendar import WorkingCalendar
from routing.conditions import Condition
from routing.messages import ANCHOR_LABELS
from routing.vocabulary import Queue
from routing.wording import Text, Wording, plural_words, words

UNITS = frozenset(("hours", "working_hours", "working_days", "calendar_days"))
ANCHORS = frozenset(ANCHOR_LABELS)


@dataclass(frozen=True)
class DeadlinePolicy:
    """A rule of the rulebook: in this queue, under this condition, do this within that time."""

    id: str
    queue: Queue
    kind: str
    action: Text
    amount: float
    unit: str
    anchor: str
    legal_basis: tuple[str, ...]
    condition: Condition
    #: "Sans délai" in the text: ``amount``/``unit`` are then this service's target, not the law's.
    without_delay: bool = False
    #: "Sans délai et au plus tard" in the text: ``amount``/``unit`` are the law's own limit.
    at_the_latest: bool = False
    #: The text sets no delay at all: ``amount``/``unit`` are only this service's target.
    service_target: bool = False
    #: Policies of one group are alternatives: the first whose condition holds applies.
    group: str | None = None
    note: str | None = None

    def due_at(self, anchors: dict[str, datetime | None], calendar: WorkingCalendar) -> datetime | None:
        """Date this policy from the moment it counts from; ``None`` when that moment is unknown."""
        start = anchors.get(self.anchor) or anchors.get("received")
        if start is None:
            return None
        match self.unit:
            case "hours":
                due = start + timedelta(hours=self.amount)
            case "working_hours":
                due = calendar.add_working_hours(start, self.amount)
            case "working_days":
                due = calendar.add_working_days(start, int(self.amount))
            case "calendar_days":
                due = calendar.add_calendar_days(start, int(self.amount))
            case _:
                raise ValueError(f"unknown unit {self.unit!r}")
        return due.astimezone(calendar.timezone)

    def describe(self) -> Wording:
        """Say the rule plainly, e.g. "within 48 working hours from receipt of the report"."""
        amount, anchor = _amount(self.amount, self.unit), ANCHOR_LABELS[self.anchor]
        if self.at_the_latest:
            return words(
                "%(action)s sans délai et au plus tard dans les %(amount)s à compter %(anchor)s",
                action=self.action,
                amount=amount,
                anchor=anchor,
            )
        if self.service_target:
            return words(
                "%(action)s (aucun délai dans le texte ; objectif du service : %(amount)s à compter %(anchor)s)",
                action=self.action,
                amount=amount,
                anchor=anchor,
            )
        if self.without_delay:
            return words(
                "%(action)s sans délai (objectif du service : %(amount)s à compter %(anchor)s)",
                action=self.action,
                amount=amount,
                anchor=anchor,
            )
        return words("%(action)s : %(amount)s à compter %(anchor)s", action=self.action, amount=amount, anchor=anchor)


def _amount(amount: float, unit: str) -> Wording:
    """*amount* of *unit* in the form its number takes: "1 jour ouvrable", "3 jours ouvrables"."""
    count = int(amount) if float(amount).is_integer() else amount
    num = f"{amount:g}"
    match unit:
        case "hours":
            return plural_words("%(num)s heure", "%(num)s heures", count, num=num)
        case "working_hours":
            return plural_words("%(num)s heure ouvrable", "%(num)s heures ouvrables", count, num=num)
        case "working_days":
            return plural_words("%(num)s jour ouvrable", "%(num)s jours ouvrables", count, num=num)
        case _:
            return plural_words("%(num)s jour calendaire", "%(num)s jours calendaires", count, num=num)


@dataclass(frozen=True)
class Deadline:
    """A policy applied to one event: dated when the moment it counts from is known."""

    policy: DeadlinePolicy
    due_at: datetime | None

    @property
    def queue(self) -> Queue:
        return self.policy.queue

    @property
    def kind(self) -> str:
        return self.policy.kind
