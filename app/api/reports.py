"""``/api/v1/reports``: file a report, read it, list one's own."""

from flask import g, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, post_load, validate
from sqlmodel import Session

from app.api.classify import ProductSchema
from app.api.fields import StrictBoolean, StrictInteger, enum_string
from app.api.pagination import decode_cursor, encode_cursor
from app.auth import token_required
from app.db import get_session
from app.filing import file_report
from app.language import response_language
from routing import EventKind, Queue
from vigilance import intake, reports
from vigilance.clock import utcnow
from vigilance.decisions import classification
from vigilance.errors import InvalidInput
from vigilance.i18n import translatable
from vigilance.intake import Draft
from vigilance.models import Report
from vigilance.storage.transaction import write_transaction

bp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Incident reports.")

DESCRIPTION_MAX_LENGTH = 10_000
PAGE_SIZE = 50


class PatientSchema(Schema):
    """Pseudonymous patient: sex, birth year and initials at most. Never a name or a NIR."""

    class Meta:
        unknown = RAISE

    sex = fields.String(validate=validate.OneOf(["F", "M", "U"]), allow_none=True)
    birth_year = StrictInteger(validate=validate.Range(min=1900, max=2100), allow_none=True)
    initials = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{1,3}$", error="At most 3 letters, no name."), allow_none=True
    )


class ReportCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    event_kind = fields.Enum(EventKind, by_value=True, required=True)
    occurred_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset."})
    detected_at = fields.AwareDateTime(allow_none=True)
    product = fields.Nested(ProductSchema, required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=DESCRIPTION_MAX_LENGTH))
    serious = StrictBoolean(required=True)
    severity_grade = StrictInteger(validate=validate.Range(min=1, max=4), allow_none=True)
    patient = fields.Nested(PatientSchema, allow_none=True)
    lot_number = fields.String(validate=validate.Length(max=64), allow_none=True)
    donation_number = fields.String(validate=validate.Length(max=64), allow_none=True)

    @post_load
    def make(self, data, **_kwargs) -> Draft:
        patient = data.get("patient") or {}
        return Draft(
            event_kind=data["event_kind"],
            occurred_at=data["occurred_at"],
            detected_at=data.get("detected_at"),
            product=data["product"],
            description=data["description"],
            serious=data["serious"],
            severity_grade=data.get("severity_grade"),
            patient_sex=patient.get("sex"),
            patient_birth_year=patient.get("birth_year"),
            patient_initials=patient.get("initials"),
            lot_number=data.get("lot_number"),
            donation_number=data.get("donation_number"),
        )


class DeadlineOutSchema(Schema):
    queue = enum_string(Queue, required=True)
    kind = fields.String(required=True)
    due_at = fields.String(allow_none=True, required=True, metadata={"format": "date-time"})
    state = fields.String()
    description = fields.String()
    without_delay = fields.Boolean()


class ReportOutSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True)
    event_kind = enum_string(EventKind)
    occurred_at = fields.String(metadata={"format": "date-time"})
    detected_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    received_at = fields.String(metadata={"format": "date-time"})
    product = fields.Dict()
    description = fields.String()
    serious = fields.Boolean()
    severity_grade = fields.Integer(allow_none=True)
    patient = fields.Dict()
    lot_number = fields.String(allow_none=True)
    donation_number = fields.String(allow_none=True)
    classification = fields.Dict(required=True)
    queues = fields.List(enum_string(Queue), required=True)
    deadlines = fields.List(fields.Nested(DeadlineOutSchema), required=True)


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportOutSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class ReportListArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    cursor = fields.String(validate=validate.Length(max=200))


def report_document(session: Session, report: Report, language: str, deadlines: list | None = None) -> dict:
    """The report as the API shows it (*deadlines*: when already at hand, not read again)."""
    if deadlines is None:
        deadlines = intake.report_deadlines(session, report)
    return {
        "id": report.id,
        "reference": report.reference,
        "status": report.status,
        "event_kind": report.event_kind,
        "occurred_at": report.occurred_at.isoformat(),
        "detected_at": report.detected_at.isoformat() if report.detected_at else None,
        "received_at": report.received_at.isoformat(),
        "product": {"name": report.product_name, **report.product_answers},
        "description": report.description,
        "serious": report.serious,
        "severity_grade": report.severity_grade,
        "patient": {
            "sex": report.patient_sex,
            "birth_year": report.patient_birth_year,
            "initials": report.patient_initials,
        },
        "lot_number": report.lot_number,
        "donation_number": report.donation_number,
        "classification": classification(report.decision, language),
        "queues": report.queues,
        "deadlines": [
            {
                "queue": d.queue,
                "kind": d.kind,
                "due_at": d.due_at.isoformat() if d.due_at else None,
                "state": d.state,
                "description": d.description.get(language) or d.description.get("fr", ""),
                "without_delay": d.without_delay,
            }
            for d in deadlines
        ],
    }


BEARER = [{"bearerAuth": []}]


@bp.route("/reports")
class Reports(MethodView):
    @bp.doc(
        security=BEARER,
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "Makes a retry safe: the same key and body replay the first answer.",
            }
        ],
    )
    @bp.arguments(ReportCreateSchema())
    @bp.response(201, ReportOutSchema)
    @bp.alt_response(400, description="Malformed JSON or wrong content type.")
    @bp.alt_response(401, description="No valid bearer token.")
    @bp.alt_response(403, description="The account cannot file reports.")
    @bp.alt_response(409, description="A request with the same Idempotency-Key is still running.")
    @token_required
    def post(self, draft: Draft):
        """File an incident report: it is qualified, routed and dated at once."""
        language = response_language()
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            raise InvalidInput({"Idempotency-Key": [translatable("Clé trop longue (200 caractères au plus).")]})
        status, body = file_report(
            draft=draft,
            actor=g.user,
            key=key or None,
            fingerprint_of=request.get_json(),
            answer=lambda db, result: report_document(db, result.report, language, result.deadlines),
        )
        return jsonify(body), status

    @bp.doc(security=BEARER)
    @bp.arguments(ReportListArgsSchema(), location="query", unknown=RAISE)
    @bp.response(200, ReportListSchema)
    @bp.alt_response(401, description="No valid bearer token.")
    @token_required
    def get(self, args):
        """The reports the caller filed, newest first."""
        before = decode_cursor(args.get("cursor"))
        with write_transaction(get_session()) as db:
            page = reports.own_reports(db, actor=g.user, now=utcnow(), via="api", before_id=before, limit=PAGE_SIZE + 1)
        language = response_language()
        items = [report_document(db, r, language) for r in page[:PAGE_SIZE]]
        next_cursor = encode_cursor(page[PAGE_SIZE - 1].id) if len(page) > PAGE_SIZE else None
        return jsonify({"items": items, "next": next_cursor})


@bp.route("/reports/<int:report_id>")
class ReportById(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, ReportOutSchema)
    @bp.alt_response(401, description="No valid bearer token.")
    @bp.alt_response(404, description="No such report, or not one the caller may see.")
    @token_required
    def get(self, report_id: int):
        """One report, to its reporter, its queues' correspondents and its coordinators."""
        with write_transaction(get_session()) as db:
            report = reports.read_report(db, report_id=report_id, actor=g.user, now=utcnow())
        body = report_document(db, report, response_language())
        return jsonify(body)
