"""Queues and the triage workflow: ``/api/v1/queues/<queue>/items``, ``/api/v1/queue-items/...``."""

import base64
import dataclasses
from datetime import UTC, datetime
from functools import partial

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE, Schema, fields, validate
from sqlmodel import Session, col, select

from app.api.attachments import attachment_document
from app.api.errors import BEARER, BODY_ERRORS, TOKEN_ERRORS, declares_errors
from app.api.reports import report_document
from app.api.triage_answers import (
    AssessmentSchema,
    InformationRequestSchema,
    ItemDetailSchema,
    LinkOutSchema,
    QueueItemSchema,
    QueueListSchema,
)
from app.auth import token_required
from app.db import get_session
from app.errors import json_error
from app.language import response_language
from app.triage_actions import ACTIONS, BY_NAME, Act, TriageAction
from routing import Category
from vigilance import audit, triage
from vigilance.clock import utcnow
from vigilance.item_file import item_file, open_item
from vigilance.models import (
    NOTHING_DUE,
    Deadline,
    ItemStatus,
    QueueItem,
    Report,
    User,
)
from vigilance.periods import FIRST_YEAR, LAST_YEAR
from vigilance.queues import Cursor, QueueFilter, calendar_for, list_items, next_deadlines, status_counts, time_left
from vigilance.storage.transaction import write_transaction

bp = Blueprint("triage", __name__, url_prefix="/api/v1", description="Queues and the triage workflow.")
PAGE_SIZE = 50


def encode_queue_cursor(cursor: Cursor | None) -> str | None:
    if cursor is None:
        return None
    raw = f"{cursor.urgency_at.isoformat()}|{int(cursor.serious)}|{cursor.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_queue_cursor(text: str | None) -> Cursor | None:
    """The cursor *text* stands for; :class:`ValueError` when it is not one this service gave."""
    if not text:
        return None
    # Bad base64 (binascii.Error) and bad UTF-8 are ValueErrors too.
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    moment, serious, item_id = raw.split("|")
    cursor = Cursor(datetime.fromisoformat(moment), serious == "1", int(item_id))
    if cursor.urgency_at.tzinfo is None or not 0 < cursor.id < 2**31 or serious not in ("0", "1"):
        raise ValueError(text)
    # In UTC, as stored: the keyset comparison binds the moment as it is (SQLite compares text).
    return dataclasses.replace(cursor, urgency_at=cursor.urgency_at.astimezone(UTC))


def decode_queue_cursor(text: str | None) -> Cursor | None:
    try:
        return parse_queue_cursor(text)
    except ValueError:
        abort(422, messages={"query": {"cursor": ["Not a cursor this API gave."]}})


#: Refusals of the queue filters that the pages translate (translations/build_catalogs.py).
UNKNOWN_CHOICE = "Unknown choice."
INVALID_DATE = "Invalid date: expected as YYYY-MM-DD."
PERIOD_REVERSED = "The start date must come before the end date."


def period_problems(args: dict) -> dict[str, list[str]]:
    """What is wrong with the period asked for: a day no period can reach, an end before the start.

    Checked by the views, after the token: the OpenAPI document cannot bound a date, so a
    stranger's schema-valid request must meet 401 first (the cursor is checked the same way).
    """
    refused = {
        name: [f"A day between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31."]
        for name in ("received_from", "received_to")
        if args.get(name) is not None and not FIRST_YEAR <= args[name].year <= LAST_YEAR
    }
    first, last = args.get("received_from"), args.get("received_to")
    if not refused and first is not None and last is not None and first > last:
        refused["received_from"] = [PERIOD_REVERSED]
    return refused


def check_days(args: dict) -> None:
    """Refuse, as the API refuses arguments, what period_problems finds."""
    refused = period_problems(args)
    if refused:
        abort(422, messages={"query": refused})


class QueueArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.List(
        fields.String(
            validate=validate.OneOf([s.value for s in ItemStatus], error="Unknown status: choose one from the list.")
        )
    )
    category = fields.String(
        validate=validate.OneOf([c.value for c in Category], error="Unknown category: choose one from the list.")
    )
    serious = fields.Boolean(error_messages={"invalid": UNKNOWN_CHOICE})
    assigned = fields.String(validate=validate.OneOf(["me", "nobody"], error=UNKNOWN_CHOICE))
    overdue = fields.Boolean(error_messages={"invalid": UNKNOWN_CHOICE})
    received_from = fields.Date(error_messages={"invalid": INVALID_DATE})
    received_to = fields.Date(error_messages={"invalid": INVALID_DATE})
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "Finds a report by its reference, its lot or donation number whatever their "
            "spelling (spaces, case; an ISBT 128 number as labelled or as its bar code reads), or words of "
            "its product or description."
        },
    )
    cursor = fields.String(validate=validate.Length(max=300))


def queue_filter(args: dict) -> QueueFilter:
    """The validated arguments of a queue list, as the domain's filter."""
    return QueueFilter(
        statuses=tuple(args.get("status", ())),
        category=args.get("category"),
        serious=args.get("serious"),
        assigned=args.get("assigned"),
        overdue=args.get("overdue", False),
        received_from=args.get("received_from"),
        received_to=args.get("received_to"),
        search=args.get("q"),
    )


def _people(session: Session, ids: set[int]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}


def item_document(
    item: QueueItem,
    report: Report,
    people: dict[int, User],
    deadline: Deadline | None,
    calendar,
    now: datetime,
    language: str,
    *,
    information_copy: bool = False,
) -> dict:
    assignee = people.get(item.assignee_id) if item.assignee_id else None
    left = time_left(deadline, now, calendar)
    return {
        "id": item.id,
        "report_id": report.id,
        "reference": report.reference,
        "queue": item.queue,
        "status": item.status,
        "assignee": {"id": assignee.id, "name": assignee.label, "email": assignee.email} if assignee else None,
        "next_due_at": item.next_due_at if item.next_due_at and item.next_due_at < NOTHING_DUE else None,
        "time_left": {**left, "text": left["text"].render(language)} if left else None,
        "serious": item.serious,
        "category": report.category,
        "product": report.product_name,
        "received_at": report.received_at,
        "version": item.version,
        "outcome": item.outcome,
        "information_copy": information_copy,
    }


@bp.route("/queues/<string:queue>/items")
class QueueItems(MethodView):
    @bp.doc(security=BEARER)
    @bp.arguments(QueueArgsSchema(), location="query", unknown=RAISE)
    @bp.response(200, QueueListSchema)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said={404: "No such queue, or not one the caller works."})
    @token_required
    def get(self, args, queue: str):
        """The items of a queue the caller works, most urgent first."""
        check_days(args)
        db = get_session()
        now = utcnow()
        filters = queue_filter(args)
        after = decode_queue_cursor(args.get("cursor"))
        page = list_items(db, queue=queue, actor=g.user, filters=filters, after=after, limit=PAGE_SIZE, now=now)
        people = _people(db, {item.assignee_id for item, _ in page.rows})
        calendar = calendar_for(db, g.user.establishment_id)
        language = response_language()
        items = [
            item_document(
                item,
                report,
                people,
                page.deadlines.get(item.id),
                calendar,
                now,
                language,
                information_copy=item.id in page.copies,
            )
            for item, report in page.rows
        ]
        counts = status_counts(db, queue=queue, actor=g.user)
        # Audited as one read of the list, with its filters and search, once everything is read.
        with write_transaction(db):
            audit.record_list_read(
                db, actor=g.user, now=now, queue=queue, filters=filters, cursor=after, shown=len(items), door="api"
            )
        return {"items": items, "next": encode_queue_cursor(page.next), "counts": counts}


def item_detail(db: Session, item: QueueItem, actor: User, language: str) -> dict:
    """An item with everything a correspondent needs to work it."""
    now = utcnow()
    file = item_file(db, item, actor)
    report = file.report
    document = item_document(
        item,
        report,
        file.people,
        next_deadlines(db, [item.id]).get(item.id),
        calendar_for(db, item.establishment_id),
        now,
        language,
        information_copy=file.copy_of is not None,
    )
    document.update(
        {
            "report": report_document(db, report, language, file.deadlines),
            "reporter": file.reporter,
            # The rows themselves: ItemDetailSchema dumps the fields it names, and only those.
            "assessments": file.assessments,
            "information_requests": file.questions,
            "declarations": file.declarations,
            "deadlines": file.item_deadlines,
            "possible_duplicates": [{**c, "reason": c["reason"].get(language)} for c in file.possible_duplicates],
            "links": [
                {
                    "report_id": link.other(report.id),
                    "reason": link.reason,
                    **(
                        {"reference": o.reference, "queues": o.queues}
                        if (o := file.linked.get(link.other(report.id)))
                        else {}
                    ),
                }
                for link in file.links
            ],
            "followup_steps": [
                {
                    "plan": s.plan_id,
                    "kind": s.plan_kind,
                    "title": s.plan_title.get(language) or s.plan_title["fr"],
                    "step": s.number,
                    "label": s.label.get(language) or s.label["fr"],
                    "check": s.check.get(language) or s.check["fr"],
                    "due_at": s.due_at,
                    "done_at": s.done_at,
                    "done_by": s.done_by,
                    "note": s.note,
                    "cancelled_at": s.cancelled_at,
                    "legal_basis": s.legal_basis,
                }
                for s in file.followup_steps
            ],
            "copy_of": _copy_link(file.copy_of, language),
            "copies_sent": [_copy_link(c, language) for c in file.copies_sent],
            "copies_offered": [
                {
                    "queue": rule.target.value,
                    "rule": rule.id,
                    "explanation": rule.explanation.get(language) or rule.explanation["fr"],
                    "legal_basis": list(rule.legal_basis),
                }
                for rule in file.copies_offered
            ],
            "attachments": [attachment_document(a) for a in file.attachments],
            "history": [
                {
                    "at": h.occurred_at,
                    "who": h.actor_label,
                    "action": h.action,
                    "target": h.target,
                    "before": h.before,
                    "after": h.after,
                }
                for h in file.history
            ],
        }
    )
    return document


def _copy_link(link, language: str) -> dict | None:
    if link is None:
        return None
    return {
        "item_id": link.item_id,
        "queue": link.queue,
        "rule": link.copy.rule_id,
        "explanation": link.copy.explanation.get(language) or link.copy.explanation["fr"],
        "legal_basis": link.copy.legal_basis,
    }


def _answer(item_id: int, language: str):
    db = get_session()
    item = triage.load_item(db, item_id, g.user)
    return item_detail(db, item, g.user, language)


def _stale_assessment(stale: triage.StaleAssessment):
    """409 with the newer assessment beside the refusal: the client compares it with its own input
    (which it still holds) and sends again on ``current.version`` if its input should replace it."""
    language = response_language()
    message = stale.say(language)
    current = AssessmentSchema().dump(stale.current) if stale.current else {"version": 0}
    return json_error(409, message, {"based_on_version": [message]}, current=current)


_SAID = {
    403: "The caller may see the item but not do that to it (another holds it, or the role does not allow it).",
    404: "No such item, or not one the caller works.",
    409: "The item's state does not allow it, someone else holds it, or it changed since loaded.",
}


def _documented(view, *, errors=(*BODY_ERRORS, *TOKEN_ERRORS, 404, 409)):
    return bp.doc(security=BEARER)(declares_errors(bp, *errors, said=_SAID)(view))


@bp.route("/queue-items/<int:item_id>")
class QueueItemView(MethodView):
    @bp.response(200, ItemDetailSchema)
    @partial(_documented, errors=(*TOKEN_ERRORS, 404))
    @token_required
    def get(self, item_id: int):
        """An item, its report, assessments, questions, declarations, deadlines and history."""
        db = get_session()
        item = open_item(db, item_id, g.user)
        # Reading the item reads its report: audited like any read.
        with write_transaction(db):
            audit.record(
                db, actor=g.user, action="read", now=utcnow(), report_id=item.report_id, target=f"item:{item.id}"
            )
        return item_detail(db, item, g.user, response_language())


def _action(action: TriageAction):
    """Declare ``POST /queue-items/<id>/<api_path>`` doing *action* in one transaction."""

    def post(item_id: int, args=None):
        open_item(get_session(), item_id, g.user)  # 404, as the item's GET, for whoever may not open it
        try:
            with write_transaction(get_session()) as db:
                action.perform(db, item_id, args or {}, Act(g.user, utcnow(), current_app.config["BASE_URL"]))
        except triage.StaleAssessment as stale:
            return _stale_assessment(stale)
        return _answer(item_id, response_language())

    if action.schema is not None:

        def view(args, item_id):
            return post(item_id, args)

        view = bp.arguments(action.schema)(view)
    else:

        def view(item_id):
            return post(item_id)

    view.__name__ = f"{action.api_path}_item"
    view.__doc__ = action.summary
    view = token_required(view)
    view = _documented(view)
    view = bp.response(200, ItemDetailSchema)(view)
    endpoint = f"item_{action.api_path.replace('-', '_')}"
    bp.route(f"/queue-items/<int:item_id>/{action.api_path}", methods=["POST"], endpoint=endpoint)(view)


@bp.route("/queue-items/<int:item_id>/claim", methods=["POST"], endpoint="item_claim")
@bp.response(200, QueueItemSchema)
@_documented
@token_required
def claim_item(item_id: int):
    """Take the item; of simultaneous claims exactly one succeeds, the others get 409.

    The answer is the item as its queue lists it (``GET /queue-items/<id>`` gives the whole
    file): a claim is the hot path of triage, raced by every correspondent of the queue.
    """
    now = utcnow()
    with write_transaction(get_session()) as db:
        item, report = BY_NAME["claim"].perform(db, item_id, {}, Act(g.user, now))
        deadline = next_deadlines(db, [item.id]).get(item.id)
    return item_document(
        item, report, {g.user.id: g.user}, deadline, calendar_for(db, item.establishment_id), now, response_language()
    )


for _item_action in ACTIONS:
    if _item_action.target == "item" and _item_action.name != "claim":
        _action(_item_action)


@bp.route("/information-requests/<int:request_id>/answer", methods=["POST"])
@bp.arguments(BY_NAME["answer"].schema)
@bp.response(200, InformationRequestSchema)
@declares_errors(
    bp,
    *BODY_ERRORS,
    *TOKEN_ERRORS,
    404,
    409,
    said={404: "No such question on the caller's reports.", 409: "Already answered, or withdrawn: its case is closed."},
)
@bp.doc(security=BEARER)
@token_required
def answer_request(args, request_id: int):
    """The reporter answers a correspondent's question."""
    with write_transaction(get_session()) as db:
        return BY_NAME["answer"].perform(db, request_id, args, Act(g.user, utcnow(), current_app.config["BASE_URL"]))


@bp.route("/reports/<int:report_id>/links", methods=["POST"])
@bp.arguments(BY_NAME["link"].schema)
@bp.response(201, LinkOutSchema)
@declares_errors(
    bp, *BODY_ERRORS, *TOKEN_ERRORS, 404, 409, said={404: "A report the caller may not see.", 409: "Already linked."}
)
@bp.doc(security=BEARER)
@token_required
def link_reports(args, report_id: int):
    """Link two reports that concern the same event or product."""
    with write_transaction(get_session()) as db:
        return BY_NAME["link"].perform(db, report_id, args, Act(g.user, utcnow()))


@bp.route("/deadlines/<int:deadline_id>/waive", methods=["POST"])
@bp.arguments(BY_NAME["waive_deadline"].schema)
@bp.response(200, ItemDetailSchema)
@declares_errors(
    bp,
    *BODY_ERRORS,
    *TOKEN_ERRORS,
    404,
    409,
    said={404: "A deadline the caller may not work.", 409: "Not open any more."},
)
@bp.doc(security=BEARER)
@token_required
def waive_deadline(args, deadline_id: int):
    """Waive a deadline that does not apply, saying why."""
    with write_transaction(get_session()) as db:
        deadline = BY_NAME["waive_deadline"].perform(db, deadline_id, args, Act(g.user, utcnow()))
    item_id = deadline.queue_item_id
    return _answer(item_id, response_language())
