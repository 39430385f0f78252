"""The triage workflow: what correspondents do to a queue item, one transaction per action.

Every action checks who may do it, refuses what the item's state does not allow (409), records
its before and after in the audit trail, and keeps the deadlines and the report's status in
step. Functions flush, never commit: the caller's transaction is the unit of work.
"""

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from routing import Category, Decision, EventKind, Facts, Queue, decide, shipped_rulebooks
from routing.scales import (
    AUTHORITIES,
    IMPUTABILITY_SCALES,
    INVESTIGATION_STATUSES,
    OUTCOMES,
    REACTION_TYPES,
    SERIOUSNESS_CRITERIA,
)
from vigilance import alerts, audit, copies, followups, report_products
from vigilance.access import acts_as_coordinator, may_link_reports, may_read_item, may_work_queue
from vigilance.actions import RULES
from vigilance.clock import PARIS
from vigilance.clocks import cancel_timers, notify_answer, schedule_deadline, schedule_information_reminder
from vigilance.decisions import freeze
from vigilance.errors import Conflict, Forbidden, InvalidInput, NotFound
from vigilance.i18n import Message, translatable
from vigilance.labels import STATUS_LABELS
from vigilance.models import (
    CLOSED_URGENCY,
    NOTHING_DUE,
    Assessment,
    Deadline,
    DeadlineState,
    Declaration,
    Establishment,
    FollowupStep,
    GeneratedDocument,
    InformationRequest,
    ItemStatus,
    QueueItem,
    Report,
    ReportLink,
    ReportStatus,
    User,
)
from vigilance.planning import plan_openings
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir

logger = logging.getLogger(__name__)
#: No declaration predates the vigilance systems (a typed 1899 is a slip, not a record).
EARLIEST_DECLARATION_YEAR = 1950


#: Which action each status allows: the state machine, read from vigilance.actions.
ALLOWED: dict[str, tuple[str, ...]] = {name: rule.allowed_in for name, rule in RULES.items() if rule.allowed_in}


def _invalid(field: str, message: Message) -> InvalidInput:
    return InvalidInput({field: [message]})


def _refuse_transition(action: str, item: QueueItem) -> Conflict:
    return Conflict(
        translatable(
            "Impossible de %(action)s un élément %(status)s.",
            action=RULES[action].verb,
            status=STATUS_LABELS[item.status],
        )
    )


# Loading and permissions -------------------------------------------------------------------------

_NO_ITEM = translatable("Élément introuvable.")


def may_work_item(user: User, item: QueueItem) -> bool:
    return may_work_queue(user, item.queue) and item.establishment_id == user.establishment_id


def load_item(session: Session, item_id: int, actor: User, *, for_update: bool = False) -> QueueItem:
    """The item, if *actor* works its queue in its establishment; else 404 (not 403: who may
    not work a queue need not learn what is in it)."""
    if not 0 < item_id < 2**31:
        raise NotFound(_NO_ITEM)
    query = select(QueueItem).where(QueueItem.id == item_id)
    if for_update:
        # A locked read must see the row as locked, not as the session last saw it.
        query = query.with_for_update().execution_options(populate_existing=True)
    item = session.exec(query).first()
    if item is None or not may_work_item(actor, item):
        raise NotFound(_NO_ITEM)
    return item


def _require_holder(item: QueueItem, actor: User, now: datetime, session: Session) -> None:
    """Work on an item is done by whoever holds it; an unheld item is taken on the way."""
    if item.assignee_id is None:
        item.assignee_id = actor.id
        if item.status == ItemStatus.NEW:
            item.status = ItemStatus.IN_PROGRESS
        return
    if item.assignee_id != actor.id and not acts_as_coordinator(actor):
        holder = session.get(User, item.assignee_id)
        raise Conflict(translatable("%(holder)s traite déjà cet élément.", holder=_holder_label(holder)))


def require_holder(session: Session, item: QueueItem, actor: User, now: datetime) -> None:
    """The holder rule, for work on a locked *item* done outside this module (nullifying its E2B
    message...): a colleague's item is refused, an unheld one is taken and the taking recorded.

    :raises Conflict: someone else holds the item, and *actor* does not act as coordinator.
    """
    before = _item_state(item)
    _require_holder(item, actor, now, session)
    if _item_state(item) != before:
        _save(session, item, actor, "claim", before, now)


def _holder_label(holder: User | None) -> str | Message:
    """Who holds an item, by name; "a colleague" when the account is gone."""
    return holder.label if holder else translatable("Un collègue")


def _check_version(item: QueueItem, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise Conflict(
            translatable("Cet élément a été modifié depuis que vous l'avez ouvert : rechargez-le avant de continuer.")
        )


def _item_state(item: QueueItem) -> dict[str, Any]:
    return {"status": item.status, "assignee_id": item.assignee_id, "version": item.version, "outcome": item.outcome}


def _save(
    session: Session, item: QueueItem, actor: User, action: str, before: dict, now: datetime, extra: dict | None = None
) -> QueueItem:
    item.version += 1
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        now=now,
        report_id=item.report_id,
        target=f"item:{item.id}:{action}",
        before=before,
        after={**_item_state(item), **(extra or {})},
    )
    _sync_report_status(session, item.report_id, now)
    logger.info("Item %s: %s by %s", item.id, action, actor.email)
    return item


def _sync_report_status(session: Session, report_id: int, now: datetime) -> None:
    statuses = session.exec(select(QueueItem.status).where(QueueItem.report_id == report_id)).all()
    if statuses and all(s == ItemStatus.CLOSED for s in statuses):
        status = ReportStatus.CLOSED
    elif any(s != ItemStatus.NEW for s in statuses):
        status = ReportStatus.IN_PROGRESS
    else:
        status = ReportStatus.RECEIVED
    session.execute(
        update(Report)
        .where(col(Report.id) == report_id, col(Report.status) != status)
        .values(status=status, updated_at=now)
    )


def refresh_next_due(session: Session, item: QueueItem) -> None:
    """The item's urgency follows its earliest deadline still open; a closed item's sorts after every open one.

    Settling deadlines calls it; a change of status to or from closed without settling must too.
    """
    due = session.exec(
        select(Deadline.due_at)
        .where(Deadline.queue_item_id == item.id, col(Deadline.settled_at).is_(None), col(Deadline.due_at).is_not(None))
        .order_by(col(Deadline.due_at))
        .limit(1)
    ).first()
    item.next_due_at = due
    item.urgency_at = CLOSED_URGENCY if item.status == ItemStatus.CLOSED else (due or NOTHING_DUE)


def _settle_deadlines(
    session: Session,
    item: QueueItem,
    *,
    kinds: tuple[str, ...] | None,
    state: DeadlineState,
    now: datetime,
    reason: str | None = None,
    met_at: datetime | None = None,
) -> list[int]:
    """Settle the item's pending deadlines (of *kinds*, or all) as *state*, except what the
    figures must keep: one met after its due time is missed, and one already missed (its due
    time passed, whether or not the clocks escalated it yet) stays missed when the item is
    closed or requalified. *met_at* is when the act that meets them happened (a declaration's
    own time), *now* when it is recorded.
    """
    # Pending: not settled yet, whether still open or already missed (and escalated).
    query = select(Deadline).where(Deadline.queue_item_id == item.id, col(Deadline.settled_at).is_(None))
    if kinds:
        query = query.where(col(Deadline.kind).in_(kinds))
    settled = []
    pending = session.exec(query).all()
    # Timers before deadlines, the order the worker locks them in: the other order could deadlock
    # with a worker escalating one of these deadlines at this moment.
    for deadline in pending:
        cancel_timers(session, deadline_id=deadline.id, now=now)
    for deadline in pending:
        if state == DeadlineState.MET:
            # Met late is missed: what compliance figures count.
            missed = deadline.due_at is not None and deadline.due_at < (met_at or now)
        else:
            missed = deadline.state == DeadlineState.MISSED or deadline_passed(deadline, now)
        deadline.state = DeadlineState.MISSED if missed else state
        deadline.settled_at = now
        deadline.waiver_reason = None if missed else reason
        session.add(deadline)
        settled.append(deadline.id)
    session.flush()
    refresh_next_due(session, item)
    return settled


def deadline_passed(deadline: Deadline, now: datetime) -> bool:
    """Its due time has come: from then on it can be met late (missed), never waived."""
    return deadline.due_at is not None and deadline.due_at <= now


def declaration_moment(declared_on: date, now: datetime) -> datetime:
    """When a declaration given by its day only was made: the latest moment of that day (in
    France) not after *now*. A bare date never makes a declaration earlier than it may have
    been: on the due day, it is on time only when recorded before the due time."""
    end_of_day = datetime.combine(declared_on, time.max, tzinfo=PARIS)
    return min(end_of_day, now)


# The actions ---------------------------------------------------------------------------------------


def claim(session: Session, *, item_id: int, actor: User, now: datetime) -> QueueItem:
    """Take the item. Of simultaneous claims exactly one wins: the item's row is locked, and
    whoever gets it second finds it held.

    :raises Conflict: someone else holds it, or it is closed.
    """
    return claim_with_report(session, item_id=item_id, actor=actor, now=now)[0]


def claim_with_report(session: Session, *, item_id: int, actor: User, now: datetime) -> tuple[QueueItem, Report]:
    """``claim``, giving the item's report too (read with the item, for the answer).

    The hot path of triage, so written as a few plain statements: the item and its report in
    one locked read, the item's update, its count, the audit event, the report's status.
    """
    if not 0 < item_id < 2**31:
        raise NotFound(_NO_ITEM)
    row = session.exec(
        select(QueueItem, Report)
        .join(Report, col(Report.id) == col(QueueItem.report_id))
        .where(QueueItem.id == item_id)
        .with_for_update(of=QueueItem)
        .execution_options(populate_existing=True)
    ).first()
    if row is None or not may_work_item(actor, row[0]):
        raise NotFound(_NO_ITEM)
    item, report = row
    if item.status not in ALLOWED["claim"]:
        raise _refuse_transition("claim", item)
    if item.assignee_id is not None:
        if item.assignee_id == actor.id:
            return item, report  # claiming what one already holds changes nothing
        holder = session.get(User, item.assignee_id)
        raise Conflict(translatable("%(holder)s a déjà pris cet élément.", holder=_holder_label(holder)))
    before = _item_state(item)
    status = _claimed_status(item.status)
    connection = session.connection()
    connection.execute(
        _CLAIM, {"item_id": item.id, "assignee": actor.id, "claimed_status": status, "new_version": item.version + 1}
    )
    # The object follows the row without becoming dirty: nothing left for a flush to write.
    for name, value in (("assignee_id", actor.id), ("status", status), ("version", item.version + 1)):
        set_committed_value(item, name, value)
    # Held and open: the report is in progress (what _sync_report_status would find).
    connection.execute(_REPORT_IN_PROGRESS, {"report_id": item.report_id, "now": now})
    # Shared rows last (the audit chain's head; the count's slot moved with the item's row, by
    # trigger): they stay locked until commit.
    audit.record(
        session,
        actor=actor,
        action="update",
        now=now,
        report_id=item.report_id,
        target=f"item:{item.id}:claim",
        before=before,
        after=_item_state(item),
    )
    return item, report


_ITEMS = QueueItem.__table__
_CLAIM = (
    _ITEMS.update()
    .where(_ITEMS.c.id == bindparam("item_id"))
    .values(assignee_id=bindparam("assignee"), status=bindparam("claimed_status"), version=bindparam("new_version"))
)
_REPORTS = Report.__table__
_REPORT_IN_PROGRESS = (
    _REPORTS.update()
    .where(_REPORTS.c.id == bindparam("report_id"), _REPORTS.c.status != ReportStatus.IN_PROGRESS.value)
    .values(status=ReportStatus.IN_PROGRESS.value, updated_at=bindparam("now"))
)


def _claimed_status(status: str) -> str:
    return ItemStatus.IN_PROGRESS if status == ItemStatus.NEW else status


def release(session: Session, *, item_id: int, actor: User, now: datetime) -> QueueItem:
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["release"]:
        raise _refuse_transition("release", item)
    if item.assignee_id is None:
        raise Conflict(translatable("Personne ne détient cet élément."))
    if item.assignee_id != actor.id and not acts_as_coordinator(actor):
        raise Forbidden(translatable("Seul le détenteur ou un coordonnateur peut relâcher cet élément."))
    before = _item_state(item)
    item.assignee_id = None
    return _save(session, item, actor, "release", before, now)


def assign(
    session: Session, *, item_id: int, actor: User, assignee_id: int, now: datetime, expected_version: int | None = None
) -> QueueItem:
    """Hand the item to a colleague who works the same queue in the same establishment."""
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["assign"]:
        raise _refuse_transition("assign", item)
    _check_version(item, expected_version)
    if item.assignee_id not in (None, actor.id) and not acts_as_coordinator(actor):
        raise Forbidden(translatable("Seul le détenteur ou un coordonnateur peut réattribuer cet élément."))
    colleague = session.get(User, assignee_id) if 0 < assignee_id < 2**31 else None
    if colleague is None or not may_work_item(colleague, item):
        raise _invalid("assignee_id", translatable("Ce collègue ne travaille pas cette file dans cet établissement."))
    before = _item_state(item)
    item.assignee_id = colleague.id
    item.status = _claimed_status(item.status)
    return _save(session, item, actor, "assign", before, now)


@dataclass(frozen=True)
class AssessmentInput:
    severity_grade: int | None = None
    imputability: str | None = None
    seriousness_criteria: tuple[str, ...] = ()
    reaction_type: str | None = None
    investigation_status: str | None = None
    comment: str = ""


class StaleAssessment(Conflict):
    """An assessment edited from a version someone has since replaced: refused, not merged.

    Carries the newer version, so that the doors can show it beside what the second person
    typed (nothing typed is lost, nothing is overwritten unseen).
    """

    def __init__(self, current: Assessment | None, *, seen: int):
        self.current = current
        self.current_version = current.version if current else 0
        super().__init__(
            translatable(
                "L'évaluation a été modifiée (version %(current)s) depuis que vous l'avez ouverte "
                "(version %(seen)s) : votre saisie n'a pas été enregistrée ; comparez-la à la version "
                "actuelle et enregistrez-la de nouveau si elle doit la remplacer.",
                current=self.current_version,
                seen=seen,
            )
        )


def latest_assessment(session: Session, item_id: int) -> Assessment | None:
    return session.exec(
        select(Assessment).where(Assessment.queue_item_id == item_id).order_by(col(Assessment.version).desc()).limit(1)
    ).first()


def assess(
    session: Session, *, item_id: int, actor: User, data: AssessmentInput, now: datetime, based_on_version: int
) -> Assessment:
    """Record a new version of the assessment.

    :param based_on_version: the assessment version the correspondent saw (0 for none); if
        someone assessed since, the edit is refused rather than overwriting theirs.
    """
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["assess"]:
        raise _refuse_transition("assess", item)
    queue = Queue(item.queue)
    scale = IMPUTABILITY_SCALES[queue]
    errors: dict[str, list[Message]] = {}
    if data.imputability is not None and data.imputability not in scale.levels:
        choices = ", ".join(scale.levels) or "—"
        errors["imputability"] = [
            translatable("Niveau inconnu sur l'échelle %(scale)s : %(choices)s.", scale=scale.id, choices=choices)
        ]
    if data.reaction_type is not None and data.reaction_type not in REACTION_TYPES[queue]:
        errors["reaction_type"] = [translatable("Type inconnu pour cette file.")]
    unknown = set(data.seriousness_criteria) - set(SERIOUSNESS_CRITERIA)
    if unknown:
        errors["seriousness_criteria"] = [
            translatable("Critères inconnus : %(criteria)s.", criteria=", ".join(sorted(unknown)))
        ]
    if data.investigation_status is not None and data.investigation_status not in INVESTIGATION_STATUSES:
        errors["investigation_status"] = [translatable("État d'enquête inconnu.")]
    if errors:
        raise InvalidInput(errors)
    current = latest_assessment(session, item.id)
    current_version = current.version if current else 0
    if based_on_version != current_version:
        raise StaleAssessment(current, seen=based_on_version)
    _require_holder(item, actor, now, session)
    assessment = Assessment(
        queue_item_id=item.id,
        version=current_version + 1,
        severity_grade=data.severity_grade,
        imputability=data.imputability,
        imputability_scale=scale.id,
        seriousness_criteria=list(data.seriousness_criteria),
        reaction_type=data.reaction_type,
        investigation_status=data.investigation_status,
        comment=data.comment,
        assessed_by=actor.id,
        assessed_at=now,
    )
    session.add(assessment)
    before = _item_state(item)
    _save(
        session,
        item,
        actor,
        "assess",
        before,
        now,
        extra={
            "assessment": {
                "version": assessment.version,
                "severity_grade": data.severity_grade,
                "imputability": data.imputability,
                "scale": scale.id,
                "reaction_type": data.reaction_type,
                "investigation_status": data.investigation_status,
                "seriousness_criteria": list(data.seriousness_criteria),
            }
        },
    )
    return assessment


def request_information(
    session: Session, *, item_id: int, actor: User, question: str, now: datetime, base_url: str = ""
) -> InformationRequest:
    """Ask the reporter a question; they see it on their report and answer there, told at once.

    :param base_url: where the service is reached, for the link in the reporter's email.
    """
    if not question.strip():
        raise _invalid("question", translatable("La question est vide."))
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["request_information"]:
        raise _refuse_transition("request_information", item)
    _require_holder(item, actor, now, session)
    request = InformationRequest(
        queue_item_id=item.id, report_id=item.report_id, question=question.strip(), asked_by=actor.id, asked_at=now
    )
    session.add(request)
    before = _item_state(item)
    item.status = ItemStatus.AWAITING_INFORMATION
    session.flush()
    report = session.get(Report, item.report_id)
    establishment = session.get(Establishment, item.establishment_id)
    schedule_information_reminder(
        session, request=request, region=establishment.region, rulebook_id=report.rulebook_id, after=now
    )
    alerts.on_question(session, request=request, report=report, now=now, base_url=base_url)
    _save(session, item, actor, "request_information", before, now, extra={"question": request.question})
    return request


def answer_information(
    session: Session, *, request_id: int, actor: User, answer: str, now: datetime, base_url: str = ""
) -> InformationRequest:
    """The reporter answers a question on their report; the correspondent who asked is told.

    :param base_url: where the service is reached, for the link in the email.
    """
    if not answer.strip():
        raise _invalid("answer", translatable("La réponse est vide."))
    request = session.get(InformationRequest, request_id) if 0 < request_id < 2**31 else None
    report = session.get(Report, request.report_id) if request else None
    if request is None or report is None or report.reporter_id != actor.id:
        raise NotFound(translatable("Question introuvable."))
    if request.answered_at is not None:
        raise Conflict(translatable("Cette question a déjà reçu une réponse."))
    item = session.exec(
        select(QueueItem).where(QueueItem.id == request.queue_item_id).with_for_update()
    ).one()  # locked: a close at this moment either withdraws the question first or waits for the answer
    if request.withdrawn_at is not None or item.status == ItemStatus.CLOSED:
        raise Conflict(
            translatable("Ce dossier est clos et la question a été retirée : elle n'attend plus de réponse.")
        )
    request.answer = answer.strip()
    request.answered_by = actor.id
    request.answered_at = now
    session.add(request)
    cancel_timers(session, information_request_id=request.id, now=now)
    notify_answer(session, request=request, now=now, base_url=base_url)
    alerts.on_answer(session, request=request, now=now)
    before = _item_state(item)
    still_open = session.exec(
        select(InformationRequest.id).where(
            InformationRequest.queue_item_id == item.id,
            col(InformationRequest.answered_at).is_(None),
            InformationRequest.id != request.id,
        )
    ).first()
    if item.status == ItemStatus.AWAITING_INFORMATION and still_open is None:
        item.status = ItemStatus.IN_PROGRESS
    session.flush()
    _save(session, item, actor, "answer", before, now, extra={"request_id": request.id})
    return request


def declare(
    session: Session,
    *,
    item_id: int,
    actor: User,
    authority: str,
    authority_reference: str,
    kind: str,
    now: datetime,
    declared_at: datetime | None = None,
    declared_on: date | None = None,
    document_id: int | None = None,
) -> Declaration:
    """Record a declaration to the authority; an initial one meets the declaration deadlines
    if it was made (*declared_at*) by their due time, whenever it is recorded.

    *declared_on*, a day without a time, is still taken (the API's first form): it stands for
    :func:`declaration_moment`. A naive *declared_at* is the time in France. *document_id* names
    the generated document sent (an E2B message...): one of the item's own.
    """
    errors = {}
    if authority not in AUTHORITIES:
        errors["authority"] = [translatable("Autorité : %(choices)s.", choices=", ".join(AUTHORITIES))]
    if not authority_reference.strip():
        errors["authority_reference"] = [translatable("Le numéro de déclaration est obligatoire.")]
    elif contains_nir(authority_reference):  # it goes into the E2B message (C.1.9.1.r.2)
        errors["authority_reference"] = [NIR_MESSAGE]
    if kind not in ("initial", "follow_up"):
        errors["kind"] = [translatable("initial ou follow_up.")]
    field = "declared_at" if declared_at is not None else "declared_on"
    if declared_at is None and declared_on is None:
        errors["declared_at"] = [translatable("Dites quand la déclaration a été faite.")]
    elif declared_at is not None and declared_on is not None:
        errors["declared_at"] = [translatable("Donnez la date et l'heure, ou la date seule, pas les deux.")]
    elif declared_at is None and declared_on > now.astimezone(PARIS).date():  # the day as people in France count it
        errors[field] = [translatable("La date de déclaration est dans le futur.")]
    else:
        if declared_at is None:
            declared_at = declaration_moment(declared_on, now)
        elif declared_at.tzinfo is None:
            declared_at = declared_at.replace(tzinfo=PARIS)
        if declared_at > now:
            errors[field] = [translatable("La date de déclaration est dans le futur.")]
        elif declared_at.astimezone(PARIS).year < EARLIEST_DECLARATION_YEAR:
            errors[field] = [
                translatable("La date de déclaration est antérieure à %(year)s.", year=EARLIEST_DECLARATION_YEAR)
            ]
    if errors:
        raise InvalidInput(errors)
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["declare"]:
        raise _refuse_transition("declare", item)
    has_initial = session.exec(
        select(Declaration.id).where(Declaration.queue_item_id == item.id, Declaration.kind == "initial")
    ).first()
    if kind == "follow_up" and has_initial is None:
        raise Conflict(translatable("Une déclaration de suivi suppose une déclaration initiale."))
    if kind == "initial" and has_initial is not None:
        raise Conflict(translatable("La déclaration initiale est déjà enregistrée : enregistrez un suivi."))
    _require_holder(item, actor, now, session)
    if document_id is not None:
        document = session.get(GeneratedDocument, document_id)
        if document is None or document.queue_item_id != item.id:
            raise InvalidInput({"document_id": [translatable("Ce document n'est pas un document de cet élément.")]})
    declaration = Declaration(
        queue_item_id=item.id,
        authority=authority,
        authority_reference=authority_reference.strip(),
        declared_at=declared_at,
        declared_on=declared_at.astimezone(PARIS).date(),
        kind=kind,
        recorded_by=actor.id,
        recorded_at=now,
        document_id=document_id,
    )
    session.add(declaration)
    before = _item_state(item)
    met = []
    if kind == "initial":
        met = _settle_deadlines(
            session, item, kinds=("declaration",), state=DeadlineState.MET, now=now, met_at=declared_at
        )
        if item.status != ItemStatus.AWAITING_INFORMATION:
            item.status = ItemStatus.DECLARED
    else:  # a follow-up carries the investigation's conclusions: the investigation report
        met = _settle_deadlines(
            session, item, kinds=("investigation_report",), state=DeadlineState.MET, now=now, met_at=declared_at
        )
    session.flush()
    _save(
        session,
        item,
        actor,
        "declare",
        before,
        now,
        extra={
            "declaration": {
                "authority": authority,
                "reference": declaration.authority_reference,
                "declared_on": declaration.declared_on.isoformat(),
                "declared_at": declared_at.isoformat(),
                "kind": kind,
                **({"document_id": document_id} if document_id is not None else {}),
            },
            "deadlines_met": met,
        },
    )
    return declaration


def open_questions(session: Session, item_id: int) -> list[InformationRequest]:
    """The item's questions still waiting for the reporter's answer."""
    return list(
        session.exec(
            select(InformationRequest)
            .where(
                InformationRequest.queue_item_id == item_id,
                col(InformationRequest.answered_at).is_(None),
                col(InformationRequest.withdrawn_at).is_(None),
            )
            .order_by(InformationRequest.id)
        ).all()
    )


def close(
    session: Session,
    *,
    item_id: int,
    actor: User,
    outcome: str,
    note: str,
    now: datetime,
    withdraw_questions: bool = False,
) -> QueueItem:
    """Close with an outcome; deadlines still open are met by a declaration, else waived.

    :param withdraw_questions: the closer agrees to withdraw the questions still waiting for
        the reporter; without it, an item with such a question is not closed (the reporter
        would be left answering a closed case).
    """
    if outcome not in OUTCOMES:
        raise _invalid("outcome", translatable("Issue : %(choices)s.", choices=", ".join(OUTCOMES)))
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["close"]:
        raise _refuse_transition("close", item)
    _require_holder(item, actor, now, session)
    before = _item_state(item)
    declared = session.exec(select(Declaration.id).where(Declaration.queue_item_id == item.id)).first() is not None
    if outcome == "declared" and not declared:
        raise Conflict(
            translatable("Aucune déclaration n'est enregistrée : enregistrez-la avant de clore « déclaré ».")
        )
    waiting = open_questions(session, item.id)
    if waiting and not withdraw_questions:
        raise _invalid(
            "withdraw_questions",
            translatable(
                "Une question au déclarant attend encore sa réponse : confirmez son retrait pour clore.",
            ),
        )
    for question in waiting:
        question.withdrawn_at = now
        session.add(question)
        cancel_timers(session, information_request_id=question.id, now=now)  # no reminder for a withdrawn one
        alerts.on_answer(session, request=question, now=now)  # nor an alert that still asks for it
    item.status = ItemStatus.CLOSED
    item.outcome = outcome
    item.closing_note = note.strip() or None
    item.closed_at = now
    # Closed first: settling ends by setting the item's urgency, which for a closed one sorts last.
    waived = _settle_deadlines(
        session, item, kinds=None, state=DeadlineState.WAIVED, now=now, reason=f"closed: {outcome}"
    )
    # An investigation's follow-up ends with it; a long-term follow-up runs on.
    ended_steps = followups.end_with_item(session, item=item, now=now)
    return _save(
        session,
        item,
        actor,
        "close",
        before,
        now,
        extra={
            "note": item.closing_note,
            "deadlines_waived": waived,
            "questions_withdrawn": [q.id for q in waiting],
            "followup_steps_ended": ended_steps,
        },
    )


def reopen(session: Session, *, item_id: int, actor: User, reason: str, now: datetime) -> QueueItem:
    if not reason.strip():
        raise _invalid("reason", translatable("Dites pourquoi l'élément est rouvert."))
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["reopen"]:
        raise _refuse_transition("reopen", item)
    if item.outcome == "requalified":
        raise Conflict(translatable("Cet élément a été requalifié ailleurs : travaillez le nouvel élément."))
    before = _item_state(item)
    item.status = ItemStatus.IN_PROGRESS
    item.assignee_id = actor.id
    item.outcome = None
    item.closed_at = None
    refresh_next_due(session, item)  # back among the open items
    return _save(session, item, actor, "reopen", before, now, extra={"reason": reason.strip()})


def waive_deadline(
    session: Session, *, deadline_id: int, actor: User, reason: str, now: datetime, item_id: int | None = None
) -> Deadline:
    """Say a deadline does not apply, and why: only before its due time (after it, a waiver
    would take a miss out of the figures). *item_id*: the item it must belong to, if given."""
    if not reason.strip():
        raise _invalid("reason", translatable("Dites pourquoi ce délai est levé."))
    deadline = session.get(Deadline, deadline_id) if 0 < deadline_id < 2**31 else None
    if deadline is None or (item_id is not None and deadline.queue_item_id != item_id):
        raise NotFound(translatable("Délai introuvable."))
    item = load_item(session, deadline.queue_item_id, actor, for_update=True)
    if deadline.settled_at is not None:
        raise Conflict(translatable("Ce délai n'est plus ouvert."))
    if deadline.state == DeadlineState.MISSED or deadline_passed(deadline, now):
        # A waiver says the deadline does not apply; said after its due time, it would erase a
        # miss from the figures.
        raise _invalid(
            "reason", translatable("Ce délai est déjà dépassé : il ne peut plus être levé, il reste compté dépassé.")
        )
    _require_holder(item, actor, now, session)
    cancel_timers(session, deadline_id=deadline.id, now=now)  # timers first, as the worker locks them
    deadline.state = DeadlineState.WAIVED
    deadline.settled_at = now
    deadline.waiver_reason = reason.strip()
    session.add(deadline)
    session.flush()
    refresh_next_due(session, item)
    before = _item_state(item)
    _save(
        session,
        item,
        actor,
        "waive_deadline",
        before,
        now,
        extra={"deadline_id": deadline.id, "reason": reason.strip()},
    )
    return deadline


def requalify(
    session: Session,
    *,
    item_id: int,
    actor: User,
    category: Category,
    now: datetime,
    reason: str = "",
    base_url: str = "",
) -> list[QueueItem]:
    """Set the product's category; decide the report again; open the new queues' items with
    their deadlines (counted from the original receipt) and close those no longer concerned.

    :return: the items opened.
    """
    item = load_item(session, item_id, actor, for_update=True)
    if item.status not in ALLOWED["requalify"]:
        raise _refuse_transition("requalify", item)
    if copies.copies_among(session, [item.id]):
        # The informing vigilance decides where the report goes; its copy only reads it.
        raise Conflict(
            translatable(
                "Une copie pour information ne requalifie pas le signalement : "
                "la vigilance qui l'a transmise peut le faire."
            )
        )
    report = session.get(Report, item.report_id)
    establishment = session.get(Establishment, report.establishment_id)
    facts = report_facts(session, report, region=establishment.region)
    # The person qualifies the product this item is about, not the others of the report.
    products = list(facts.products)
    position = min(report_products.position_in_queue(report, item.queue), len(products) - 1)
    products[position] = replace(products[position], qualified_as=category)
    decision = decide(replace(facts, products=tuple(products)), on=decision_day(report))
    return apply_decision(
        session,
        report=report,
        decision=decision,
        actor=actor,
        now=now,
        reason=f"requalified as {category.value}",
        target=f"item:{item.id}:requalify",
        note=reason.strip(),
        base_url=base_url,
    )


def report_facts(session: Session, report: Report, *, region: str, qualified_as: Category | None = None) -> Facts:
    """What a stored report says of its event, as intake gave it to the rules (its receipt and
    every product included)."""
    return Facts(
        event_kind=EventKind(report.event_kind),
        products=report_products.facts_of(session, report),
        serious=report.serious,
        severity_grade=report.severity_grade,
        unexpected=report.unexpected,
        occurred_at=report.occurred_at,
        detected_at=report.detected_at,
        received_at=report.received_at,
        region=region,
        qualified_as=qualified_as,
    )


def decision_day(report: Report) -> date:
    """The day whose rulebook decides the report: the day of its event, in France."""
    return report.occurred_at.astimezone(PARIS).date()


def apply_decision(
    session: Session,
    *,
    report: Report,
    decision: Decision,
    actor: User | None,
    now: datetime,
    reason: str,
    target: str,
    note: str = "",
    extra: dict | None = None,
    base_url: str = "",
) -> list[QueueItem]:
    """Make *report* follow a new decision: open the items of its new queues with their deadlines
    (counted from the original receipt), add to the items kept the deadlines the new decision
    adds, close the items of the queues it leaves, and record the change in the audit trail.

    Requalification and re-decision under a rulebook both come through here.

    :param reason: why an item left behind is closed (its deadlines' waiver reason, and its
        closing note when the person gave no *note*).
    :param target: the audit event's target (what caused the change).
    :param note: the person's own words, recorded in the audit event.
    :param extra: more to record in the audit event (a batch's id).
    :return: the items opened.
    """
    establishment = session.get(Establishment, report.establishment_id)
    # Dated from the original receipt (the facts' own), as intake dated the first ones.
    plan = {planned.queue: planned for planned in plan_openings(decision)}
    before = {"category": report.category, "queues": report.queues, "rulebook_id": report.rulebook_id}
    items = session.exec(select(QueueItem).where(QueueItem.report_id == report.id)).all()
    copy_rows = copies.copies_among(session, [i.id for i in items])
    # Copies for information are not the report's route: the decision neither keeps nor closes them.
    existing = {i.queue: i for i in items if i.id not in copy_rows}
    copy_items = {i.queue: i for i in items if i.id in copy_rows}
    previous_copies = list((report.decision or {}).get("copies", []))
    promoted: list[int] = []
    for queue in decision.queues:
        copy_item = copy_items.pop(queue.value, None)
        if copy_item is not None:
            # The report now goes to this vigilance in full: its copy becomes its item, kept with
            # its work, and gets the deadlines a full item has.
            session.delete(copy_rows[copy_item.id])
            existing[queue.value] = copy_item
            promoted.append(copy_item.id)
    session.flush()
    new_queues = [q.value for q in decision.queues]
    opened: list[QueueItem] = []
    added_deadlines: list[int] = []
    for queue in decision.queues:
        current = existing.get(queue.value)
        if current is not None and current.status != ItemStatus.CLOSED:
            # Kept: the deadlines a new rule adds are opened too; those it already has stay as they are.
            known = set(session.exec(select(Deadline.rule_id).where(Deadline.queue_item_id == current.id)).all())
            missing = [d for d in plan[queue.value].deadlines if d.rule_id not in known]
            if missing:
                rows = [Deadline(report_id=report.id, queue_item_id=current.id, **d.columns()) for d in missing]
                session.add_all(rows)
                session.flush()
                _schedule(session, rows, decision, establishment, now)
                added_deadlines.extend(row.id for row in rows)
                refresh_next_due(session, current)
                session.add(current)
            continue
        if current is not None and queue.value in before["queues"]:
            continue  # closed after its work in a queue the report stays in: nothing to reopen
        if current is not None:  # closed when the report left its queue: reopened as it returns
            current.status = ItemStatus.NEW
            current.outcome = None
            current.closed_at = None
            current.assignee_id = None
            current.version += 1
            target_item = current
        else:
            target_item = QueueItem(
                report_id=report.id,
                queue=queue.value,
                establishment_id=report.establishment_id,
                serious=report.serious,
                created_at=now,
            )
        session.add(target_item)
        session.flush()
        for deadline in plan[queue.value].deadlines:
            session.add(Deadline(report_id=report.id, queue_item_id=target_item.id, **deadline.columns()))
        session.flush()
        rows = session.exec(
            select(Deadline).where(Deadline.queue_item_id == target_item.id, col(Deadline.settled_at).is_(None))
        ).all()
        _schedule(session, rows, decision, establishment, now)
        refresh_next_due(session, target_item)
        session.add(target_item)
        opened.append(target_item)
    closing = {
        queue for queue, other in existing.items() if queue not in new_queues and other.status != ItemStatus.CLOSED
    }
    sources = {rule.target.value: rule for rule in decision.copies}
    for queue, copy_item in copy_items.items():
        row = copy_rows[copy_item.id]
        original = session.get(QueueItem, row.original_item_id)
        if original is None or original.queue not in closing:
            continue  # its informing item stays: so does the copy
        rule = sources.get(queue)
        informing = existing.get(rule.source.value) if rule is not None else None
        if informing is not None and rule.source.value in new_queues:
            # Another vigilance of the new decision informs this one: the copy stays, now its.
            row.original_item_id, row.rule_id = informing.id, rule.id
            row.explanation, row.legal_basis = dict(rule.explanation), list(rule.legal_basis)
            session.add(row)
        elif copy_item.status != ItemStatus.CLOSED:
            copy_item.status = ItemStatus.CLOSED
            copy_item.outcome = "requalified"
            copy_item.closing_note = note or reason
            copy_item.closed_at = now
            copy_item.version += 1
            session.add(copy_item)
    for queue, other in existing.items():
        if queue not in new_queues and other.status != ItemStatus.CLOSED:
            other.status = ItemStatus.CLOSED
            other.outcome = "requalified"
            other.closing_note = note or reason
            other.closed_at = now
            other.version += 1
            for question in open_questions(session, other.id):  # a closed case awaits no answer
                question.withdrawn_at = now
                session.add(question)
                cancel_timers(session, information_request_id=question.id, now=now)
                alerts.on_answer(session, request=question, now=now)
            _settle_deadlines(session, other, kinds=None, state=DeadlineState.WAIVED, now=now, reason=reason)
            followups.end_with_item(session, item=other, now=now, every_plan=True)
            session.add(other)
    # The principal product's category: the one qualified, unless another product leads.
    report.category = decision.category.value
    report.queues = new_queues
    report.rulebook_id = decision.rulebook.id
    report.decision = freeze(decision, establishment.finess)
    # The copies already sent stay readable by their queues, sent by a rule or on request.
    decided = {entry["queue"] for entry in report.decision.get("copies", [])}
    report.decision["copies"] = [
        *report.decision.get("copies", []),
        *(e for e in previous_copies if e["queue"] in copy_items and e["queue"] not in decided),
    ]
    report.updated_at = now
    session.add(report)
    session.flush()
    report_products.restore(session, report_id=report.id, decision=decision)
    # The new decision's copies and follow-up plans, as intake opens them, on the items now open.
    open_items = {
        i.queue: i.id
        for i in session.exec(select(QueueItem).where(QueueItem.report_id == report.id)).all()
        if i.status != ItemStatus.CLOSED
    }
    copied = followups.open_copies_and_plans(
        session,
        decision=decision,
        report=report,
        items={q: i for q, i in open_items.items() if q in new_queues},
        anchors=report_facts(session, report, region=establishment.region).anchors(),
        now=now,
    )
    after = {
        "category": report.category,
        "queues": report.queues,
        "rulebook_id": report.rulebook_id,
        "reason": note,
        "opened_items": [i.id for i in opened],
        "information_copies": [i.id for i in copied],
    }
    if added_deadlines:
        after["added_deadlines"] = added_deadlines
    if promoted:
        after["copies_now_items"] = promoted
    after.update(extra or {})
    audit.record(
        session, actor=actor, action="update", now=now, report_id=report.id, target=target, before=before, after=after
    )
    _sync_report_status(session, report.id, now)
    if opened or copied:  # the new queues' people learn of it as if it had just arrived
        alerts.on_arrival(
            session,
            report=report,
            items=[*opened, *copied],
            deadlines=session.exec(
                select(Deadline).where(col(Deadline.queue_item_id).in_([i.id for i in opened]))
            ).all(),
            urgent=alerts.urgent_queues(decision),
            now=now,
            base_url=base_url,
        )
    return opened


def _schedule(session: Session, rows, decision: Decision, establishment: Establishment, now: datetime) -> None:
    """Start the clocks of new deadline rows, under the decision's rulebook."""
    for row in rows:
        schedule_deadline(
            session,
            deadline_id=row.id,
            due_at=row.due_at,
            unit=row.unit,
            start=now,
            rulebook_id=decision.rulebook.id,
            region=establishment.region,
            now=now,
        )


#: The longest note a follow-up step takes (the column's length).
FOLLOWUP_NOTE_LENGTH = 2_000
_NO_STEP = translatable("Étape de suivi introuvable.")


def complete_followup_step(
    session: Session, *, item_id: int, plan_id: str, number: int, actor: User, note: str, now: datetime
) -> FollowupStep:
    """Mark a step of the item's follow-up done, with what was found (audited).

    Open or closed, the item's workers may do it: a long-term follow-up outlives the declaration.
    On an open item it is the holder's to do (an unheld item is taken on the way).

    :raises NotFound: no such step on an item the actor works.
    :raises Conflict: already done, or no longer asked for; someone else holds the item.
    :raises InvalidInput: no note.
    """
    if not note.strip():
        raise InvalidInput({"note": [translatable("Notez ce qui a été vérifié.")]})
    if len(note.strip()) > FOLLOWUP_NOTE_LENGTH:
        raise InvalidInput({"note": [translatable("%(max)s caractères au plus.", max=FOLLOWUP_NOTE_LENGTH)]})
    item = load_item(session, item_id, actor, for_update=True)
    if not may_read_item(actor, item, session.get(Report, item.report_id)):
        raise NotFound(_NO_ITEM)  # its report left the queue (requalified): as its file, 404
    step = session.exec(
        select(FollowupStep).where(
            FollowupStep.queue_item_id == item.id, FollowupStep.plan_id == plan_id, FollowupStep.number == number
        )
    ).first()
    if step is None:
        raise NotFound(_NO_STEP)
    if step.done_at is not None:
        raise Conflict(translatable("Cette étape de suivi est déjà faite."))
    if step.cancelled_at is not None:
        raise Conflict(translatable("Cette étape de suivi n'est plus demandée : son élément est clos."))
    before = {"status": item.status, "assignee_id": item.assignee_id, "version": item.version, "outcome": item.outcome}
    if item.status != ItemStatus.CLOSED:
        _require_holder(item, actor, now, session)
    step.done_at = now
    step.done_by = actor.id
    step.note = note.strip()
    session.add(step)
    followups.cancel_timers_of(session, step_id=step.id, now=now)
    _save(
        session,
        item,
        actor,
        "followup_step",
        before,
        now,
        extra={"plan": step.plan_id, "step": step.number, "label": step.label["fr"], "note": step.note},
    )
    return step


def send_information_copy(
    session: Session, *, item_id: int, queue: str, actor: User, now: datetime, base_url: str = ""
) -> QueueItem:
    """Send the report to another vigilance for information, where a text leaves it to the
    correspondent (CSP R.1221-49-3, R.1211-37 I 5°, R.5121-197): the rulebook must offer that
    copy from the item's queue for this case. The copy is an item of its own, without deadline.

    :return: the copy's item.
    :raises InvalidInput: no text makes this queue inform that one for such a case.
    :raises Conflict: that queue already has the report; the item is closed.
    """
    item = load_item(session, item_id, actor, for_update=True)
    report = session.get(Report, item.report_id)
    if not may_read_item(actor, item, report):
        raise NotFound(_NO_ITEM)
    if item.status not in ALLOWED["information_copy"]:
        raise _refuse_transition("information_copy", item)
    rulebook = rulebook_of(report)
    offered = {
        rule.target.value: rule
        for rule in copies.offered_copies(
            rulebook.copies, category=report.category, event_kind=report.event_kind, queue=item.queue
        )
    }
    rule = offered.get(queue)
    if rule is None:
        raise _invalid("queue", translatable("Aucun texte ne fait informer cette vigilance par celle-ci pour ce cas."))
    _require_holder(item, actor, now, session)
    before = _item_state(item)
    opened = copies.open_copies(
        session,
        rules=[rule],
        report_id=report.id,
        establishment_id=report.establishment_id,
        serious=report.serious,
        items={item.queue: item.id},
        now=now,
    )
    if not opened:
        raise Conflict(translatable("Cette vigilance a déjà ce signalement."))
    # Its correspondents read the report from now on (vigilance.access.copy_queues).
    report.decision = {**report.decision, "copies": [*report.decision.get("copies", []), copies.as_decided(rule)]}
    report.updated_at = now
    session.add(report)
    _save(
        session,
        item,
        actor,
        "information_copy",
        before,
        now,
        extra={"copy_item": opened[0].id, "queue": queue, "rule": rule.id, "legal_basis": list(rule.legal_basis)},
    )
    alerts.on_arrival(session, report=report, items=opened, deadlines=[], urgent=set(), now=now, base_url=base_url)
    return opened[0]


def rulebook_of(report: Report):
    """The rulebook that decided *report* (or, were it no longer shipped, the one in force on its day)."""
    try:
        return shipped_rulebooks().get(report.rulebook_id)
    except KeyError:
        return shipped_rulebooks().in_force(report.occurred_at.astimezone(PARIS).date()) or shipped_rulebooks().earliest


def link_reports(
    session: Session, *, report_id: int, other_report_id: int, actor: User, reason: str, now: datetime
) -> ReportLink:
    """Link two reports about the same event or product (both must be visible to the actor)."""
    if report_id == other_report_id:
        raise _invalid("other_report_id", translatable("Un signalement ne se lie pas à lui-même."))
    if not reason.strip():
        raise _invalid("reason", translatable("Dites pourquoi ces signalements vont ensemble."))
    reports = [session.get(Report, rid) if 0 < rid < 2**31 else None for rid in (report_id, other_report_id)]
    # Within the establishment, a correspondent who reads one of the two may link it to another
    # vigilance's report (CSP R.1221-49-3, R.1211-37): 404 otherwise, as for no report at all.
    if None in reports or not may_link_reports(actor, reports[0], reports[1]):
        raise NotFound(translatable("Signalement introuvable."))
    low, high = sorted((report_id, other_report_id))
    if session.exec(select(ReportLink).where(ReportLink.report_id == low, ReportLink.other_report_id == high)).first():
        raise Conflict(translatable("Ces signalements sont déjà liés."))
    link = ReportLink(report_id=low, other_report_id=high, reason=reason.strip(), created_by=actor.id, created_at=now)
    session.add(link)
    session.flush()
    audit.record_all(
        session,
        [
            audit.Event(
                "update", report_id=r.id, target="link", after={"linked_to": link.other(r.id), "reason": link.reason}
            )
            for r in reports
        ],
        actor=actor,
        now=now,
    )
    return link


def links_of(session: Session, report_id: int) -> list[ReportLink]:
    return list(
        session.exec(
            select(ReportLink).where((ReportLink.report_id == report_id) | (ReportLink.other_report_id == report_id))
        ).all()
    )
