"""Follow-up plans and information copies: what a case asks for after its declaration.

A follow-up plan says which cases need checks long after the report (a transfusion reaction
until its investigation closes, a gene therapy patient for up to fifteen years), when each
check falls due and what it looks at. An information copy says that a text makes one vigilance
inform another: the other queue gets the report for information, without a deadline of its own.
Both are rulebook data with their legal basis; this module dates the checks, purely.
"""

import calendar as _months
from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.conditions import Condition
from routing.vocabulary import Category, EventKind, Queue
from routing.wording import Text

#: The units a follow-up step is counted in: calendar time, never working days (a check at one
#: year is a year, whatever the holidays).
STEP_UNITS = frozenset(("days", "months", "years"))
#: What a plan's schedule counts from (the administration date is not collected: the event's
#: date is the nearest known moment; the receipt when the plan follows the report's handling).
PLAN_ANCHORS = frozenset(("occurred", "received"))
#: The short name of a step, per unit: "J+7", "M+6", "A+3" (fr) / "D+7", "M+6", "Y+3" (en).
_STEP_PREFIX = {"days": ("J", "D"), "months": ("M", "M"), "years": ("A", "Y")}


@dataclass(frozen=True)
class FollowupStep:
    """One check of a plan: *after* units from the plan's start, and what to check then."""

    number: int
    after: int
    unit: str
    check: Text

    @property
    def label(self) -> Text:
        french, english = _STEP_PREFIX[self.unit]
        return {"fr": f"{french}+{self.after}", "en": f"{english}+{self.after}"}

    def due_at(self, start: datetime) -> datetime:
        """The moment this check falls due, counted in calendar time from *start*."""
        match self.unit:
            case "days":
                return start + timedelta(days=self.after)
            case "months":
                return _add_months(start, self.after)
            case "years":
                return _add_months(start, 12 * self.after)
        raise ValueError(f"unknown unit {self.unit!r}")


def _add_months(start: datetime, months: int) -> datetime:
    """*start* moved by *months*, on the same day of the month or the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, _months.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class FollowupPlan:
    """A rulebook rule: cases of these categories and event kinds, routed to *queue*, are
    followed this way."""

    id: str
    kind: str
    queue: Queue
    categories: frozenset[Category]
    event_kinds: frozenset[EventKind]
    condition: Condition
    anchor: str
    title: Text
    #: When the plan ends, in words: "until the investigation is closed", "15 years".
    until: Text
    steps: tuple[FollowupStep, ...]
    explanation: Text
    legal_basis: tuple[str, ...]
    #: The plan ends early when its item is closed (an investigation's follow-up), or runs its
    #: course whatever the item's status (a long-term follow-up outlives the declaration).
    ends_with_item: bool = False

    def applies(self, category: Category, event_kind: EventKind, queues, facts) -> bool:
        return (
            category in self.categories
            and event_kind in self.event_kinds
            and self.queue in queues
            and self.condition.holds(facts)
        )


@dataclass(frozen=True)
class CopyRule:
    """A rulebook rule: when a report of these categories and event kinds lands in *source*,
    the *target* queue gets an information copy (unless the report is routed there anyway)."""

    id: str
    source: Queue
    target: Queue
    categories: frozenset[Category]
    event_kinds: frozenset[EventKind]
    condition: Condition
    explanation: Text
    legal_basis: tuple[str, ...]
    #: The text leaves the judgement to the correspondent ("if the reaction may be due to a
    #: product under another vigilance"): the copy is offered on the item, sent when they decide.
    on_request: bool = False

    def applies(self, category: Category, event_kind: EventKind, queues, facts) -> bool:
        """Whether the decision itself sends this copy (a rule on request never does)."""
        return (
            not self.on_request
            and category in self.categories
            and event_kind in self.event_kinds
            and self.source in queues
            and self.target not in queues
            and self.condition.holds(facts)
        )

    def offered(self, category: Category, event_kind: EventKind, queue: Queue) -> bool:
        """Whether a correspondent working *queue* may send this copy for such a case."""
        return (
            self.on_request and self.source == queue and category in self.categories and event_kind in self.event_kinds
        )
