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

from app.api.errors import BEARER, BODY_ERRORS, TOKEN_ERRORS, declares_errors
from app.api.fields import StrictInteger
from app.api.reports import report_document
from app.api.triage_answers import (
    InformationRequestSchema,
    ItemDetailSchema,
    LinkOutSchema,
    QueueItemSchema,
    QueueListSchema,
)
from app.auth import token_required
from app.db import get_session
from app.language import response_language
from routing import Category
from routing.scales import AUTHORITIES, INVESTIGATION_STATUSES, OUTCOMES, SERIOUSNESS_CRITERIA
from vigilance import audit, triage
from vigilance.clock import utcnow
from vigilance.models import (
    NOTHING_DUE,
    Assessment,
    AuditEvent,
    Deadline,
    Declaration,
    InformationRequest,
    ItemStatus,
    QueueItem,
    Report,
    User,
)
from vigilance.periods import FIRST_YEAR, LAST_YEAR
from vigilance.queues import Cursor, QueueFilter, calendar_for, list_items, next_deadlines, status_counts, time_left

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


def check_days(args: dict) -> None:
    """A day no period can reach is refused by name. Checked in the view, after the token: the
    OpenAPI document cannot bound a date, so a stranger's schema-valid request must meet 401
    first (the cursor is checked the same way)."""
    refused = {
        name: [f"A day between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31."]
        for name in ("received_from", "received_to")
        if args.get(name) is not None and not FIRST_YEAR <= args[name].year <= LAST_YEAR
    }
    if refused:
        abort(422, messages={"query": refused})


class QueueArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in ItemStatus])))
    category = fields.String(validate=validate.OneOf([c.value for c in Category]))
    serious = fields.Boolean()
    assigned = fields.String(validate=validate.OneOf(["me", "nobody"]))
    overdue = fields.Boolean()
    received_from = fields.Date()
    received_to = fields.Date()
    q = fields.String(validate=validate.Length(min=1, max=100))
    cursor = fields.String(validate=validate.Length(max=300))


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
        "time_left": {**left, "text": left["text"][language]} if left else None,
        "serious": item.serious,
        "category": report.category,
        "product": report.product_name,
        "received_at": report.received_at,
        "version": item.version,
        "outcome": item.outcome,
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
        filters = QueueFilter(
            statuses=tuple(args.get("status", ())),
            category=args.get("category"),
            serious=args.get("serious"),
            assigned=args.get("assigned"),
            overdue=args.get("overdue", False),
            received_from=args.get("received_from"),
            received_to=args.get("received_to"),
            search=args.get("q"),
        )
        page = list_items(
            db,
            queue=queue,
            actor=g.user,
            filters=filters,
            after=decode_queue_cursor(args.get("cursor")),
            limit=PAGE_SIZE,
            now=now,
        )
        people = _people(db, {item.assignee_id for item, _ in page.rows})
        calendar = calendar_for(db, g.user.establishment_id)
        language = response_language()
        items = [
            item_document(item, report, people, page.deadlines.get(item.id), calendar, now, language)
            for item, report in page.rows
        ]
        counts = status_counts(db, queue=queue, actor=g.user)
        return {"items": items, "next": encode_queue_cursor(page.next), "counts": counts}


def item_detail(db: Session, item: QueueItem, actor: User, language: str) -> dict:
    """An item with everything a correspondent needs to work it."""
    now = utcnow()
    report = db.get(Report, item.report_id)
    deadlines = db.exec(select(Deadline).where(Deadline.report_id == report.id).order_by(Deadline.id)).all()
    assessments = db.exec(
        select(Assessment).where(Assessment.queue_item_id == item.id).order_by(col(Assessment.version).desc())
    ).all()
    questions = db.exec(
        select(InformationRequest).where(InformationRequest.queue_item_id == item.id).order_by(InformationRequest.id)
    ).all()
    declarations = db.exec(
        select(Declaration).where(Declaration.queue_item_id == item.id).order_by(Declaration.id)
    ).all()
    history = db.exec(select(AuditEvent).where(AuditEvent.report_id == report.id).order_by(AuditEvent.id)).all()
    people = _people(db, {item.assignee_id} | {a.assessed_by for a in assessments} | {h.actor_id for h in history})
    document = item_document(
        item,
        report,
        people,
        next_deadlines(db, [item.id]).get(item.id),
        calendar_for(db, item.establishment_id),
        now,
        language,
    )
    document.update(
        {
            "report": report_document(db, report, language, list(deadlines)),
            # The rows themselves: ItemDetailSchema dumps the fields it names, and only those.
            "assessments": assessments,
            "information_requests": questions,
            "declarations": declarations,
            "deadlines": [d for d in deadlines if d.queue_item_id == item.id],
            "possible_duplicates": [{**c, "reason": c["reason"].get(language)} for c in report.possible_duplicates],
            "links": [
                {"report_id": link.other(report.id), "reason": link.reason} for link in triage.links_of(db, report.id)
            ],
            "history": [
                {
                    "at": h.occurred_at,
                    "who": h.actor_label,
                    "action": h.action,
                    "target": h.target,
                    "before": h.before,
                    "after": h.after,
                }
                for h in history
                if h.action != "read"
            ],
        }
    )
    return document


def _answer(item_id: int, language: str):
    db = get_session()
    item = triage.load_item(db, item_id, g.user)
    body = item_detail(db, item, g.user, language)
    db.commit()
    return body


class ExpectedVersionSchema(Schema):
    class Meta:
        unknown = RAISE

    expected_version = StrictInteger(
        validate=validate.Range(min=1),
        metadata={"description": "The item's version the caller saw: refused with 409 if it changed since."},
    )


class AssignSchema(ExpectedVersionSchema):
    assignee_id = StrictInteger(required=True, validate=validate.Range(min=1))


class AssessSchema(Schema):
    class Meta:
        unknown = RAISE

    based_on_version = StrictInteger(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "The assessment version the caller saw (0 for none)."},
    )
    severity_grade = StrictInteger(validate=validate.Range(min=1, max=4), allow_none=True)
    imputability = fields.String(validate=validate.Length(max=24), allow_none=True)
    seriousness_criteria = fields.List(fields.String(validate=validate.OneOf(SERIOUSNESS_CRITERIA)))
    reaction_type = fields.String(validate=validate.Length(max=64), allow_none=True)
    investigation_status = fields.String(validate=validate.OneOf(INVESTIGATION_STATUSES), allow_none=True)
    comment = fields.String(validate=validate.Length(max=5000))


class QuestionSchema(Schema):
    class Meta:
        unknown = RAISE

    question = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AnswerSchema(Schema):
    class Meta:
        unknown = RAISE

    answer = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class DeclarationSchema(Schema):
    class Meta:
        unknown = RAISE

    authority = fields.String(required=True, validate=validate.OneOf(AUTHORITIES))
    authority_reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    declared_on = fields.Date(required=True)
    kind = fields.String(load_default="initial", validate=validate.OneOf(["initial", "follow_up"]))


class RequalifySchema(Schema):
    class Meta:
        unknown = RAISE

    category = fields.Enum(Category, by_value=True, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class CloseSchema(Schema):
    class Meta:
        unknown = RAISE

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class ReasonSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class LinkSchema(ReasonSchema):
    other_report_id = StrictInteger(required=True, validate=validate.Range(min=1))


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
        item = triage.load_item(db, item_id, g.user)
        # Reading the item reads its report: audited like any read.
        audit.record(db, actor=g.user, action="read", now=utcnow(), report_id=item.report_id, target=f"item:{item.id}")
        body = item_detail(db, item, g.user, response_language())
        db.commit()
        return body


def _action(name: str, schema: Schema | None, run):
    """Declare ``POST /queue-items/<id>/<name>`` doing *run* in one transaction."""

    def post(item_id: int, args=None):
        db = get_session()
        run(db, item_id, args or {})
        db.commit()
        return _answer(item_id, response_language())

    if schema is not None:

        def view(args, item_id):
            return post(item_id, args)

        view = bp.arguments(schema)(view)
    else:

        def view(item_id):
            return post(item_id)

    view.__name__ = f"{name}_item"
    view.__doc__ = {
        "release": "Give the item back to the queue.",
        "assign": "Hand the item to a colleague of the same queue and establishment.",
        "assess": "Record a new version of the assessment (refused if stale).",
        "information-requests": "Ask the reporter a question.",
        "declarations": "Record a declaration to the authority (meets the declaration deadline).",
        "requalify": "Set the product's category; the report is routed again.",
        "close": "Close the item with an outcome.",
        "reopen": "Reopen a closed item, saying why.",
    }[name]
    view = token_required(view)
    view = _documented(view)
    view = bp.response(200, ItemDetailSchema)(view)
    bp.route(f"/queue-items/<int:item_id>/{name}", methods=["POST"], endpoint=f"item_{name.replace('-', '_')}")(view)


def _now():
    return utcnow()


@bp.route("/queue-items/<int:item_id>/claim", methods=["POST"], endpoint="item_claim")
@bp.response(200, QueueItemSchema)
@_documented
@token_required
def claim_item(item_id: int):
    """Take the item; of simultaneous claims exactly one succeeds, the others get 409.

    The answer is the item as its queue lists it (``GET /queue-items/<id>`` gives the whole
    file): a claim is the hot path of triage, raced by every correspondent of the queue.
    """
    db = get_session()
    now = _now()
    item, report = triage.claim_with_report(db, item_id=item_id, actor=g.user, now=now)
    deadline = next_deadlines(db, [item.id]).get(item.id)
    db.commit()
    return item_document(
        item, report, {g.user.id: g.user}, deadline, calendar_for(db, item.establishment_id), now, response_language()
    )


_action("release", None, lambda db, item_id, a: triage.release(db, item_id=item_id, actor=g.user, now=_now()))
_action(
    "assign",
    AssignSchema(),
    lambda db, item_id, a: triage.assign(
        db,
        item_id=item_id,
        actor=g.user,
        assignee_id=a["assignee_id"],
        now=_now(),
        expected_version=a.get("expected_version"),
    ),
)
_action(
    "assess",
    AssessSchema(),
    lambda db, item_id, a: triage.assess(
        db,
        item_id=item_id,
        actor=g.user,
        now=_now(),
        based_on_version=a["based_on_version"],
        data=triage.AssessmentInput(
            severity_grade=a.get("severity_grade"),
            imputability=a.get("imputability"),
            seriousness_criteria=tuple(a.get("seriousness_criteria", ())),
            reaction_type=a.get("reaction_type"),
            investigation_status=a.get("investigation_status"),
            comment=a.get("comment", ""),
        ),
    ),
)
_action(
    "information-requests",
    QuestionSchema(),
    lambda db, item_id, a: triage.request_information(
        db, item_id=item_id, actor=g.user, question=a["question"], now=_now()
    ),
)
_action(
    "declarations",
    DeclarationSchema(),
    lambda db, item_id, a: triage.declare(
        db,
        item_id=item_id,
        actor=g.user,
        authority=a["authority"],
        authority_reference=a["authority_reference"],
        declared_on=a["declared_on"],
        kind=a["kind"],
        now=_now(),
    ),
)
_action(
    "requalify",
    RequalifySchema(),
    lambda db, item_id, a: triage.requalify(
        db, item_id=item_id, actor=g.user, category=a["category"], reason=a["reason"], now=_now()
    ),
)
_action(
    "close",
    CloseSchema(),
    lambda db, item_id, a: triage.close(
        db, item_id=item_id, actor=g.user, outcome=a["outcome"], note=a["note"], now=_now()
    ),
)
_action(
    "reopen",
    ReasonSchema(),
    lambda db, item_id, a: triage.reopen(db, item_id=item_id, actor=g.user, reason=a["reason"], now=_now()),
)


@bp.route("/information-requests/<int:request_id>/answer", methods=["POST"])
@bp.arguments(AnswerSchema())
@bp.response(200, InformationRequestSchema)
@declares_errors(
    bp,
    *BODY_ERRORS,
    *TOKEN_ERRORS,
    404,
    409,
    said={404: "No such question on the caller's reports.", 409: "Already answered."},
)
@bp.doc(security=BEARER)
@token_required
def answer_request(args, request_id: int):
    """The reporter answers a correspondent's question."""
    db = get_session()
    request = triage.answer_information(
        db,
        request_id=request_id,
        actor=g.user,
        answer=args["answer"],
        now=utcnow(),
        base_url=current_app.config["BASE_URL"],
    )
    db.commit()
    return request


@bp.route("/reports/<int:report_id>/links", methods=["POST"])
@bp.arguments(LinkSchema())
@bp.response(201, LinkOutSchema)
@declares_errors(
    bp, *BODY_ERRORS, *TOKEN_ERRORS, 404, 409, said={404: "A report the caller may not see.", 409: "Already linked."}
)
@bp.doc(security=BEARER)
@token_required
def link_reports(args, report_id: int):
    """Link two reports that concern the same event or product."""
    db = get_session()
    link = triage.link_reports(
        db,
        report_id=report_id,
        other_report_id=args["other_report_id"],
        actor=g.user,
        reason=args["reason"],
        now=utcnow(),
    )
    db.commit()
    return link


@bp.route("/deadlines/<int:deadline_id>/waive", methods=["POST"])
@bp.arguments(ReasonSchema())
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
    db = get_session()
    deadline = triage.waive_deadline(db, deadline_id=deadline_id, actor=g.user, reason=args["reason"], now=utcnow())
    item_id = deadline.queue_item_id
    db.commit()
    return _answer(item_id, response_language())
