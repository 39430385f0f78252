"""Follow-up plans: the dated checks a case asks for after its declaration, as rows with timers.

A plan comes from the rulebook (``[[followup]]``) through the decision. Intake and
requalification open it on the item of its queue: one row per step, and one timer per step
still to come, processed by the clocks (vigilance.clocks) as every other reminder is. Whoever
works the item marks a step done with a note (``vigilance.triage.complete_followup_step``,
audited). A plan that follows the investigation
stops when its item is closed; a long-term one runs its course whatever the item's status.
"""

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from routing import Decision
from vigilance import copies
from vigilance.models import FollowupStep, QueueItem, Report, Timer

logger = logging.getLogger(__name__)


def open_copies_and_plans(
    session: Session,
    *,
    decision: Decision,
    report: Report,
    items: Mapping[str, int],
    anchors: Mapping[str, datetime | None],
    now: datetime,
) -> list[QueueItem]:
    """What a decision opens besides its own items, on the items (by queue) now open: the
    information copies it calls for and its follow-up plans. Intake and every new decision
    (requalification, re-decision) come through here. Return the copies opened."""
    if not (decision.copies or decision.followups):
        return []
    copied = copies.open_copies(
        session,
        rules=decision.copies,
        report_id=report.id,
        establishment_id=report.establishment_id,
        serious=report.serious,
        items=items,
        now=now,
    )
    open_plans(session, decision=decision, report_id=report.id, items=items, anchors=anchors, now=now)
    return copied


def open_plans(
    session: Session,
    *,
    decision: Decision,
    report_id: int,
    items: Mapping[str, int],
    anchors: Mapping[str, datetime | None],
    now: datetime,
) -> list[FollowupStep]:
    """Write the steps of the plans *decision* opens, on the items (by queue) just opened, with
    a timer for each step still to come (flush, no commit).

    :param anchors: the report's moments (``occurred``, ``received``) a plan counts from.
    """
    steps: list[FollowupStep] = []
    for plan in decision.followups:
        item_id = items.get(plan.queue.value)
        if item_id is None or _has_plan(session, item_id, plan.id):
            continue  # an item reopened by a requalification keeps the plan it had
        start = anchors.get(plan.anchor) or anchors["received"]
        for step in plan.steps:
            steps.append(
                FollowupStep(
                    report_id=report_id,
                    queue_item_id=item_id,
                    plan_id=plan.id,
                    plan_kind=plan.kind,
                    plan_title=dict(plan.title),
                    number=step.number,
                    label=dict(step.label),
                    check=dict(step.check),
                    legal_basis=list(plan.legal_basis),
                    ends_with_item=plan.ends_with_item,
                    due_at=step.due_at(start),
                    created_at=now,
                )
            )
    if not steps:
        return steps
    session.add_all(steps)
    session.flush()
    # A step already past when the plan opens (an event reported late) is listed as due on
    # the item; only the steps to come get a reminder.
    session.add_all(
        Timer(kind="followup_due", due_at=s.due_at, followup_step_id=s.id, stage=s.label["fr"][:16])
        for s in steps
        if s.due_at > now
    )
    session.flush()
    logger.info("Report %s: %s follow-up steps opened", report_id, len(steps))
    return steps


def _has_plan(session: Session, item_id: int, plan_id: str) -> bool:
    return (
        session.exec(
            select(FollowupStep.id).where(FollowupStep.queue_item_id == item_id, FollowupStep.plan_id == plan_id)
        ).first()
        is not None
    )


def end_with_item(session: Session, *, item: QueueItem, now: datetime, every_plan: bool = False) -> list[int]:
    """Stop the steps still pending on *item*: those of plans that end with it, or all of them
    (*every_plan*: the item was requalified away, its queue no longer concerned)."""
    query = select(FollowupStep).where(
        FollowupStep.queue_item_id == item.id,
        col(FollowupStep.done_at).is_(None),
        col(FollowupStep.cancelled_at).is_(None),
    )
    if not every_plan:
        query = query.where(col(FollowupStep.ends_with_item).is_(True))
    pending = list(session.exec(query))
    for step in pending:
        cancel_timers_of(session, step_id=step.id, now=now)
    if pending:
        session.execute(
            update(FollowupStep)
            .where(col(FollowupStep.id).in_([s.id for s in pending]))
            .values(cancelled_at=now)
            .execution_options(synchronize_session="fetch")
        )
    return [s.id for s in pending]


def cancel_timers_of(session: Session, *, step_id: int, now: datetime) -> None:
    """The step is done or no longer asked for: its reminder stops, in the same transaction."""
    session.execute(
        update(Timer)
        .where(col(Timer.followup_step_id) == step_id, col(Timer.done_at).is_(None))
        .values(done_at=now, outcome="cancelled")
        .execution_options(synchronize_session=False)
    )


def steps_of_items(session: Session, item_ids: list[int]) -> list[FollowupStep]:
    """The steps of these items, by item, plan and date."""
    if not item_ids:
        return []
    return list(
        session.exec(
            select(FollowupStep)
            .where(col(FollowupStep.queue_item_id).in_(item_ids))
            .order_by(FollowupStep.queue_item_id, FollowupStep.plan_id, FollowupStep.number)
        )
    )
