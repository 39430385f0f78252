"""Correspondents' pages: their queues, and an item with every action on it."""

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlmodel import col, select

from app.api.triage import QueueArgsSchema, encode_queue_cursor, parse_queue_cursor, period_problems, queue_filter
from app.auth import page_user
from app.db import get_session
from app.errors import flatten_messages
from app.i18n import select_locale
from app.pages.case_files import case_file_context
from app.pages.forms import form_errors, payload_from_form
from app.pages.security import login_required
from app.triage_actions import BY_NAME, ITEM_PAGE_ACTIONS, Act, TriageAction
from routing import Category, Queue
from routing.scales import (
    AUTHORITIES,
    IMPUTABILITY_SCALES,
    INVESTIGATION_STATUSES,
    OUTCOMES,
    REACTION_TYPES,
    SERIOUSNESS_CRITERIA,
)
from vigilance import audit, documents, report_products, triage
from vigilance.access import may_answer_questions, may_read_item
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput, NotFound, VigilanceError
from vigilance.i18n import translatable
from vigilance.item_file import item_file, open_item
from vigilance.labels import SCALE_LABELS, label
from vigilance.models import InformationRequest, Report, User
from vigilance.queues import (
    QueueFilter,
    calendar_for,
    list_items,
    search_items,
    status_counts,
    time_left,
    worked_queues,
)
from vigilance.storage.transaction import write_transaction

bp = Blueprint("triage_pages", __name__)
PAGE_SIZE = 25
#: The queue page filters with the API's arguments, some under shorter names.
_QUEUE_ARGS = QueueArgsSchema()
_FILTER_NAMES = {"received_from": "from", "received_to": "to"}
_NO_QUESTION = translatable("Question introuvable.")


@bp.get("/queues")
@login_required
def my_queues():
    user = page_user()
    queues = worked_queues(user)
    search = request.args.get("q", "").strip()
    if len(queues) == 1 and not search:
        return redirect(url_for("triage_pages.queue", queue=queues[0]))
    db = get_session()
    counts = {queue: status_counts(db, queue=queue, actor=user) for queue in queues}
    found = None
    if search:
        now = utcnow()
        results = search_items(db, actor=user, search=search)
        found = _listed_rows(db, user, results.rows, results.deadlines, now)
        # Audited like a queue's list, as a read of "search" (every queue the person works: the
        # names of six queues would not fit an event's target).
        with write_transaction(db):
            audit.record_list_read(
                db,
                actor=user,
                now=now,
                queue="search",
                filters=QueueFilter(search=search),
                cursor=None,
                shown=len(found[0]),
                door="page",
            )
    return render_template(
        "triage/queues.html",
        queues=queues,
        counts=counts,
        search=search,
        rows=found[0] if found else [],
        people=found[1] if found else {},
        more=bool(found and results.more),
        lang=select_locale(),
    )


def _listed_rows(db, user: User, listed, deadlines, now):
    """A list's rows as its table shows them (time left and exact due time), and their holders by id."""
    calendar = calendar_for(db, user.establishment_id)
    holders = {item.assignee_id for item, _ in listed if item.assignee_id}
    people = {u.id: u for u in db.exec(select(User).where(col(User.id).in_(holders)))} if holders else {}
    rows = []
    for item, report in listed:
        deadline = deadlines.get(item.id)
        left = time_left(deadline, now, calendar)
        rows.append((item, report, left, deadline.due_at if left else None))
    return rows, people


@bp.get("/queues/<queue>")
@login_required
def queue(queue: str):
    user = page_user()
    db = get_session()
    now = utcnow()
    try:
        args, problems = _QUEUE_ARGS.load(payload_from_form(_QUEUE_ARGS, request.args, _FILTER_NAMES)), {}
    except ValidationError as error:
        args, problems = error.valid_data or {}, dict(error.messages)
    for field, texts in period_problems(args).items():
        problems.setdefault(field, texts)
    errors = {field: [_(m) for m in texts] for field, texts in form_errors(problems, _FILTER_NAMES).items()}
    try:
        after = parse_queue_cursor(args.get("cursor"))
    except ValueError:
        after = None
        errors["cursor"] = [_("Ce lien de page suivante n'est pas valide (modifié ou tronqué).")]
    filters = queue_filter(args)
    if errors:
        # A filter that cannot be applied is refused, never silently dropped: the list would
        # then show what the reader did not ask for.
        return render_template(
            "triage/queue.html",
            queue=queue,
            rows=[],
            people={},
            counts=status_counts(db, queue=queue, actor=user),
            filters=filters,
            next_cursor=None,
            lang=select_locale(),
            categories=[c.value for c in Category],
            errors=errors,
        ), 400
    page = list_items(db, queue=queue, actor=user, filters=filters, after=after, limit=PAGE_SIZE, now=now)
    rows, people = _listed_rows(db, user, page.rows, page.deadlines, now)
    counts = status_counts(db, queue=queue, actor=user)
    # Audited as one read of the list, with its filters and search, once everything is read.
    with write_transaction(db):
        audit.record_list_read(
            db, actor=user, now=now, queue=queue, filters=filters, cursor=after, shown=len(rows), door="page"
        )
    return render_template(
        "triage/queue.html",
        queue=queue,
        rows=rows,
        people=people,
        counts=counts,
        filters=filters,
        next_cursor=encode_queue_cursor(page.next),
        lang=select_locale(),
        categories=[c.value for c in Category],
        errors={},
        copies=page.copies,
    )


@bp.get("/queue-items/<int:item_id>")
@login_required
def item(item_id: int):
    user = page_user()
    db = get_session()
    item = open_item(db, item_id, user)
    with write_transaction(db):
        audit.record(
            db, actor=user, action="read", now=utcnow(), report_id=item.report_id, target=f"page:item:{item.id}"
        )
    return item_page(item, user)


def item_page(
    item,
    user: User,
    *,
    status: int = 200,
    stale: dict | None = None,
    closing: dict | None = None,
    attachment_errors: dict[str, list[str]] | None = None,
    case_file: dict | None = None,
):
    """The item's page, as its file stands now.

    :param stale: what the reader typed into an assessment refused as stale, shown beside the
        newer version and kept in the form (nothing typed is lost).
    :param closing: a close refused for want of confirmation: the reader's outcome and note,
        and the field errors, for the confirmation step.
    :param attachment_errors: a refused upload's problems, by field, beside the upload form.
    :param case_file: a refused change of the case file: what the reader typed (``typed``), and
        the problems by field path (``errors``) or that it was stale (``stale``).
    """
    db = get_session()
    queue = Queue(item.queue)
    file = item_file(db, item, user)
    assessment = file.latest_assessment
    generated = documents.list_for_item(db, item.id)
    return render_template(
        "triage/item.html",
        item=item,
        report=file.report,
        products=report_products.products_of(db, [file.report.id])[file.report.id],
        reporter=file.reporter,
        open_questions=file.open_questions,
        stale=stale,
        # What the assessment form holds: what the reader typed if refused as stale, else the latest version.
        assess_values=stale or _typed_assessment_of(assessment),
        closing=closing or {},
        holder=file.holder,
        colleagues=[
            u
            for u in db.exec(select(User).where(User.establishment_id == user.establishment_id)).all()
            if triage.may_work_item(u, item) and u.id != item.assignee_id
        ],
        deadlines=file.item_deadlines,
        assessment=assessment,
        assessor=file.people[assessment.assessed_by].label
        if assessment and assessment.assessed_by in file.people
        else None,
        questions=file.questions,
        declarations=file.declarations,
        generated=generated,
        generated_by_id={g.id: g for g in generated},
        generated_by=documents.authors_of(db, generated),
        history=file.history,
        duplicates=file.possible_duplicates,
        links=file.links,
        linked=file.linked,
        followup_steps=file.followup_steps,
        copy_of=file.copy_of,
        copies_sent=file.copies_sent,
        copies_offered=file.copies_offered,
        scale=IMPUTABILITY_SCALES[queue],
        scale_name=label(SCALE_LABELS, IMPUTABILITY_SCALES[queue].id, select_locale()),
        reaction_types=REACTION_TYPES[queue],
        criteria=SERIOUSNESS_CRITERIA,
        investigation_statuses=INVESTIGATION_STATUSES,
        outcomes=OUTCOMES,
        authorities=AUTHORITIES,
        categories=[c.value for c in Category if c != Category.UNCLASSIFIED],
        # The declaration form opens on the present minute in the establishment's zone (the person
        # corrects it to when the declaration was made): never a time later than now.
        now_local=utcnow().astimezone(current_app.config["TZINFO"]).strftime("%Y-%m-%dT%H:%M"),
        today=utcnow().astimezone(current_app.config["TZINFO"]).date().isoformat(),
        lang=select_locale(),
        actions=ITEM_PAGE_ACTIONS,
        attachments=file.attachments,
        attachment_uploaders=file.people,
        attachment_errors=attachment_errors or {},
        attachment_max_bytes=current_app.config["ATTACHMENTS_MAX_BYTES"],
        case_file=case_file_context(db, item, **(case_file or {})),
    ), status


def _refusal(error: VigilanceError | ValidationError) -> str:
    """Why an action was refused, in the reader's language: the reason, then each field's problem."""
    language = select_locale()
    if isinstance(error, ValidationError):
        text = InvalidInput({}).say(language)
        problems = {field: [_(m) for m in messages] for field, messages in flatten_messages(error.messages).items()}
    else:
        text = error.say(language)
        problems = error.messages(language) if isinstance(error, InvalidInput) else {}
    return " ".join([text, *(" ".join(messages) for messages in problems.values())])


def _perform(action: TriageAction, target_id: int) -> Any:
    """Validate the form as the API validates its payload, then do *action* in one transaction.

    Says what happened, or why not; gives what the domain returned, or ``None`` when refused.
    """
    try:
        args = action.load(payload_from_form(action.schema, request.form)) if action.schema else {}
        with write_transaction(get_session()) as db:
            result = action.perform(db, target_id, args, Act(page_user(), utcnow(), current_app.config["BASE_URL"]))
    except (VigilanceError, ValidationError) as error:
        flash(_refusal(error), "error")
        return None
    flash(str(action.done), "info")
    return result


@bp.post("/queue-items/<int:item_id>/<action>")
@login_required
def act(item_id: int, action: str):
    user = page_user()
    item = open_item(get_session(), item_id, user)  # 404, as the item's page, for whoever may not open it
    chosen = ITEM_PAGE_ACTIONS.get(action)
    if chosen is None:
        return redirect(url_for("triage_pages.item", item_id=item_id))
    if chosen.name in ("assess", "close"):
        refused = _perform_or_show(chosen, item, user)
        if refused is not None:
            return refused
        return redirect(url_for("triage_pages.item", item_id=item_id))
    result = _perform(chosen, item_id)
    if isinstance(result, list) and result:  # requalified: follow the report to its new queue
        target = next((new.id for new in result if triage.may_work_item(user, new)), None)
        if target is not None:
            return redirect(url_for("triage_pages.item", item_id=target))
        db = get_session()
        if not may_read_item(user, item, db.get(Report, item.report_id)):
            # Gone to queues the reader does not work: back to their queue, not to a 404.
            return redirect(url_for("triage_pages.queue", queue=item.queue))
    return redirect(url_for("triage_pages.item", item_id=item_id))


def _perform_or_show(action: TriageAction, item, user: User):
    """Assess or close; a refusal that needs the reader's eyes comes back as the item's page.

    A stale assessment shows the newer version beside what the reader typed, kept in the form;
    a close that would withdraw a question asks to confirm it, next to the field. Any other
    refusal is said as for every action. ``None`` when done (or refused and said).
    """
    try:
        args = action.load(payload_from_form(action.schema, request.form))
        with write_transaction(get_session()) as db:
            action.perform(db, item.id, args, Act(user, utcnow(), current_app.config["BASE_URL"]))
    except triage.StaleAssessment as refusal:
        flash(refusal.say(select_locale()), "error")
        get_session().expire_all()  # the page shows the item as it now stands
        return item_page(item, user, status=409, stale=_typed_assessment(request.form))
    except InvalidInput as refusal:
        if action.name != "close" or "withdraw_questions" not in refusal.errors:
            flash(_refusal(refusal), "error")
            return None
        get_session().expire_all()
        closing = {
            "outcome": request.form.get("outcome", ""),
            "note": request.form.get("note", ""),
            "errors": refusal.messages(select_locale()),
        }
        return item_page(item, user, status=422, closing=closing)
    except (VigilanceError, ValidationError) as refusal:
        flash(_refusal(refusal), "error")
        return None
    flash(str(action.done), "info")
    return None


def _typed_assessment_of(assessment) -> dict:
    """An assessment as its form's fields would hold it."""
    if assessment is None:
        return {"seriousness_criteria": [], "comment": ""}
    return {
        "severity_grade": str(assessment.severity_grade or ""),
        "imputability": assessment.imputability or "",
        "reaction_type": assessment.reaction_type or "",
        "investigation_status": assessment.investigation_status or "",
        "seriousness_criteria": list(assessment.seriousness_criteria),
        "comment": assessment.comment or "",
    }


def _typed_assessment(form) -> dict:
    """What the reader typed in the assessment form, as the form's fields name it."""
    return {
        "severity_grade": form.get("severity_grade", ""),
        "imputability": form.get("imputability", ""),
        "reaction_type": form.get("reaction_type", ""),
        "investigation_status": form.get("investigation_status", ""),
        "seriousness_criteria": form.getlist("seriousness_criteria"),
        "comment": form.get("comment", ""),
    }


@bp.post("/information-requests/<int:request_id>/answer")
@login_required
def answer(request_id: int):
    """The reporter answers on their report's page."""
    db = get_session()
    request_row = db.get(InformationRequest, request_id) if 0 < request_id < 2**31 else None
    report = db.get(Report, request_row.report_id) if request_row else None
    if report is None or not may_answer_questions(page_user(), report):
        # As for a question that does not exist: the refusal names no report.
        raise NotFound(_NO_QUESTION)
    _perform(BY_NAME["answer"], request_id)
    return redirect(url_for("reports_pages.detail", report_id=report.id))
