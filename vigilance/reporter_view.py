"""A report's progress as its reporter reads it: received, being investigated, a question for
them, declared to an authority (when, under which reference), closed (with its outcome).

The reporter does not see queue items, assessments or deadlines' states: only what happened to
their report, in their words. Used by "Mes signalements", the report's page and the API.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from vigilance.i18n import Message, translatable
from vigilance.models import Declaration, FollowupStep, InformationRequest, ItemStatus, QueueItem

#: Each state's words, for the reporter.
STATES = {
    "received": translatable("Reçu : il sera examiné par un correspondant de vigilance"),
    "investigating": translatable("En cours d'instruction par les correspondants de vigilance"),
    "question": translatable("Une question vous attend"),
    "declared": translatable("Déclaré"),
    "closed": translatable("Clos"),
}

#: Who a declaration went to, as the reporter reads it.
AUTHORITY_NAMES = {
    "ANSM": translatable("l'ANSM"),
    "ABM": translatable("l'Agence de la biomédecine"),
    "CRPV": translatable("le centre régional de pharmacovigilance"),
    "EFS": translatable("l'Établissement français du sang"),
    "manufacturer": translatable("le fabricant"),
}

#: "Declared to ...": French contracts "à le" into "au", so the preposition goes with the name.
DECLARED_TO = {
    "ANSM": translatable("à l'ANSM"),
    "ABM": translatable("à l'Agence de la biomédecine"),
    "CRPV": translatable("au centre régional de pharmacovigilance"),
    "EFS": translatable("à l'Établissement français du sang"),
    "manufacturer": translatable("au fabricant"),
}

#: How a case ended, as the reporter reads it.
OUTCOME_NAMES = {
    "declared": translatable("déclaré aux autorités"),
    "not_reportable": translatable("ne relève pas d'une déclaration"),
    "duplicate": translatable("doublon d'un autre signalement"),
    "transferred": translatable("transmis à un autre service"),
    "information_only": translatable("enregistré pour information"),
}


@dataclass(frozen=True)
class DeclarationSeen:
    authority: str
    authority_name: Message | str
    declared_on: date
    reference: str
    #: The authority with its preposition: "au centre régional de pharmacovigilance".
    declared_to: Message | str = ""


@dataclass(frozen=True)
class FollowupSeen:
    """A follow-up plan of the report, as its reporter reads it: the next check, how far along."""

    title: dict[str, str]
    done: int
    total: int
    #: The next check still to do (its label, e.g. "A+3", and when), ``None`` once none is left.
    next_label: dict[str, str] | None
    next_due_at: datetime | None


@dataclass(frozen=True)
class Progress:
    """One report's progress for its reporter."""

    #: received, investigating, question, declared or closed (the first that holds, in that order:
    #: a waiting question first, as it asks the reporter to act).
    state: str
    words: Message
    waiting_questions: int = 0
    declarations: list[DeclarationSeen] = field(default_factory=list)
    outcomes: list[Message | str] = field(default_factory=list)
    closed_at: datetime | None = None
    #: The follow-up plans the case is under (a patient followed after gene therapy...).
    followups: list[FollowupSeen] = field(default_factory=list)


def progress_of(session: Session, report_ids: Iterable[int]) -> dict[int, Progress]:
    """The progress of each of *report_ids*, read in three queries whatever their number."""
    ids = list(report_ids)
    if not ids:
        return {}
    items = session.exec(select(QueueItem).where(col(QueueItem.report_id).in_(ids))).all()
    waiting: dict[int, int] = {}
    for report_id in session.exec(
        select(InformationRequest.report_id).where(
            col(InformationRequest.report_id).in_(ids),
            col(InformationRequest.answered_at).is_(None),
            col(InformationRequest.withdrawn_at).is_(None),
        )
    ).all():
        waiting[report_id] = waiting.get(report_id, 0) + 1
    item_reports = {item.id: item.report_id for item in items}
    declared: dict[int, list[DeclarationSeen]] = {}
    if item_reports:
        for declaration in session.exec(
            select(Declaration)
            .where(col(Declaration.queue_item_id).in_(list(item_reports)))
            .order_by(col(Declaration.declared_on), col(Declaration.id))
        ).all():
            declared.setdefault(item_reports[declaration.queue_item_id], []).append(
                DeclarationSeen(
                    authority=declaration.authority,
                    authority_name=AUTHORITY_NAMES.get(declaration.authority, declaration.authority),
                    declared_on=declaration.declared_on,
                    reference=declaration.authority_reference,
                    declared_to=DECLARED_TO.get(declaration.authority)
                    or translatable("à %(authority)s", authority=declaration.authority),
                )
            )
    by_report: dict[int, list[QueueItem]] = {}
    for item in items:
        by_report.setdefault(item.report_id, []).append(item)
    plans = _followups_of(session, ids)
    return {
        report_id: _progress(
            by_report.get(report_id, []),
            waiting.get(report_id, 0),
            declared.get(report_id, []),
            plans.get(report_id, []),
        )
        for report_id in ids
    }


def _followups_of(session: Session, report_ids: list[int]) -> dict[int, list[FollowupSeen]]:
    """Each report's follow-up plans, ended ones left out (the reporter need not track them)."""
    steps = session.exec(
        select(FollowupStep)
        .where(col(FollowupStep.report_id).in_(report_ids))
        .order_by(FollowupStep.report_id, FollowupStep.plan_id, FollowupStep.number)
    ).all()
    grouped: dict[tuple[int, str], list[FollowupStep]] = {}
    for step in steps:
        grouped.setdefault((step.report_id, step.plan_id), []).append(step)
    seen: dict[int, list[FollowupSeen]] = {}
    for (report_id, _plan), plan_steps in grouped.items():
        if any(s.cancelled_at for s in plan_steps):
            continue
        pending = [s for s in plan_steps if s.done_at is None]
        seen.setdefault(report_id, []).append(
            FollowupSeen(
                title=plan_steps[0].plan_title,
                done=len(plan_steps) - len(pending),
                total=len(plan_steps),
                next_label=pending[0].label if pending else None,
                next_due_at=pending[0].due_at if pending else None,
            )
        )
    return seen


def _progress(
    items: list[QueueItem], waiting: int, declarations: list[DeclarationSeen], followups: list[FollowupSeen]
) -> Progress:
    # Items closed because the report went to another queue say nothing of how the case ended.
    worked = [item for item in items if item.outcome != "requalified"] or items
    closed = bool(worked) and all(item.status == ItemStatus.CLOSED for item in worked)
    outcomes = [OUTCOME_NAMES.get(item.outcome, item.outcome) for item in worked if item.outcome] if closed else []
    if waiting:
        state = "question"
    elif closed:
        state = "closed"
    elif declarations:
        state = "declared"
    elif any(item.status != ItemStatus.NEW or item.assignee_id is not None for item in worked):
        state = "investigating"
    else:
        state = "received"
    return Progress(
        state=state,
        words=STATES[state],
        waiting_questions=waiting,
        declarations=declarations,
        outcomes=outcomes,
        closed_at=max((item.closed_at for item in worked if item.closed_at), default=None) if closed else None,
        followups=followups,
    )


#: A report just filed: nothing has happened to it yet.
JUST_RECEIVED = Progress(state="received", words=STATES["received"])
