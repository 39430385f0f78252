"""The queue items and deadlines a routing decision opens: planned here, written by each caller its own way.

Intake writes the plan on the driver's cursor (vigilance/intake.py, its hot path),
requalification through the ORM (vigilance/triage.py), the bulk loader by COPY
(bench/load_reports.py). What they write comes from this one pure function, so a report opens
the same items with the same deadlines, dated the same way, whichever way it came in.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from routing import Decision, WorkingCalendar
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
    anchors: Mapping[str, datetime | None],
    calendar: WorkingCalendar,
) -> tuple[PlannedItem, ...]:
    """The items and deadlines *decision* opens for one report, its deadlines dated from *anchors*.

    :param anchors: the report's moments deadlines count from (``Facts.anchors()``: occurrence,
        detection, receipt); a decision reused for another report (the loader's cache) is dated
        from that report's own.
    :param calendar: the working days of the report's establishment under the decision's rulebook.
    """
    return tuple(
        PlannedItem(
            queue=queue.value,
            deadlines=tuple(
                PlannedDeadline(
                    queue=queue.value,
                    kind=deadline.kind,
                    rule_id=deadline.policy.id,
                    description=dict(deadline.policy.describe()),
                    unit=deadline.policy.unit,
                    without_delay=deadline.policy.without_delay,
                    due_at=deadline.policy.due_at(anchors, calendar),
                    legal_basis=list(deadline.policy.legal_basis),
                )
                for deadline in decision.deadlines
                if deadline.queue == queue
            ),
        )
        for queue in decision.queues
    )
