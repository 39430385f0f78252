"""The queue items and deadlines a routing decision opens: planned here, written by each caller its own way.

Intake writes the plan on the driver's cursor (vigilance/intake.py, its hot path),
requalification through the ORM (vigilance/triage.py), the bulk loader by COPY
(bench/load_reports.py), the import of past cases through the ORM, with the states the past
gave their deadlines (vigilance/imports/cases.py). What they write comes from this one pure function, so a report opens
the same items with the same deadlines, dated the same way, whichever way it came in.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from routing import Decision, WorkingCalendar
from routing.deadlines import Deadline
from vigilance.i18n import by_language
from vigilance.models import NOTHING_DUE


@dataclass(frozen=True)
class PlannedDeadline:
    """A deadline row to create, apart from the ids of its report and item."""

    queue: str
    kind: str
    rule_id: str
    description: dict[str, str]
    unit: str
    without_delay: bool
    due_at: datetime | None
    legal_basis: list[str]

    def columns(self) -> dict[str, Any]:
        """The deadline's columns, as its table names them."""
        return {
            "queue": self.queue,
            "kind": self.kind,
            "rule_id": self.rule_id,
            "description": dict(self.description),
            "unit": self.unit,
            "without_delay": self.without_delay,
            "due_at": self.due_at,
            "legal_basis": list(self.legal_basis),
        }


@dataclass(frozen=True)
class PlannedItem:
    """A queue item to open, with its deadlines, in the decision's order."""

    queue: str
    deadlines: tuple[PlannedDeadline, ...]

    @property
    def next_due_at(self) -> datetime | None:
        """Its earliest dated deadline: what orders the item in its queue."""
        return min((d.due_at for d in self.deadlines if d.due_at is not None), default=None)

    @property
    def urgency_at(self) -> datetime:
        return self.next_due_at or NOTHING_DUE


def plan_openings(
    decision: Decision,
    *,
    anchors: Mapping[str, datetime | None] | None = None,
    calendar: WorkingCalendar | None = None,
) -> tuple[PlannedItem, ...]:
    """The items and deadlines *decision* opens for one report, in the decision's order.

    The deadlines are dated as the decision dated them: from the report's own moments, in its
    establishment's working calendar under the decision's rulebook. A decision reused for
    another report of the same kind (the bulk loader decides once per kind) is dated again from
    that report's *anchors* (``Facts.anchors()``: occurrence, detection, receipt) in *calendar*.
    """
    if (anchors is None) != (calendar is None):
        raise ValueError("dating again takes both the report's anchors and its calendar")

    def due_at(deadline: Deadline) -> datetime | None:
        return deadline.due_at if anchors is None else deadline.policy.due_at(anchors, calendar)

    return tuple(
        PlannedItem(
            queue=queue.value,
            deadlines=tuple(
                PlannedDeadline(
                    queue=queue.value,
                    kind=deadline.kind,
                    rule_id=deadline.policy.id,
                    description=by_language(deadline.policy.describe()),
                    unit=deadline.policy.unit,
                    without_delay=deadline.policy.without_delay,
                    due_at=due_at(deadline),
                    legal_basis=list(deadline.policy.legal_basis),
                )
                for deadline in decision.deadlines
                if deadline.queue == queue
            ),
        )
        for queue in decision.queues
    )
