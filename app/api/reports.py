"""``/api/v1/reports``: file a report, read it, list one's own."""

from flask import current_app, g, jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, post_load, validate, validates_schema
from sqlmodel import Session, col, select

from app.api.classify import (
    MAX_PRODUCTS,
    ClassificationSchema,
    MatchedSchema,
    ProductDecidedSchema,
    ProductSchema,
    one_or_several_products,
)
from app.api.errors import BEARER, BODY_ERRORS, TOKEN_ERRORS, declares_errors
from app.api.fields import (
    StrictBoolean,
    StrictInteger,
    enum_string,
    stored_text,
)
from app.api.pagination import decode_cursor, encode_cursor
from app.api.triage_inputs import ROW_ID
from app.auth import token_required
from app.db import get_session
from app.fhir import fhir_response
from app.filing import file_report
from app.language import response_language
from routing import EventKind, IntendedAction, Origin, Queue
from vigilance import case_file, drafts, intake, report_products, reporter_view, reports
from vigilance.clock import utcnow
from vigilance.decisions import classification
from vigilance.errors import InvalidInput
from vigilance.exports import fhir
from vigilance.i18n import say, translatable
from vigilance.intake import Draft
from vigilance.models import DeadlineState, InformationRequest, Report, ReportProduct, ReportStatus
from vigilance.storage.transaction import write_transaction

bp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Incident reports.")

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


class ReportProductSchema(ProductSchema):
    """The product of a report: as classify takes it, but named (classify may be asked with
    the questionnaire's answers alone), and no longer than the report's column."""

    name = stored_text(
        Report.product_name,
        required=True,
        metadata={"description": "As a clinician would type it, in French or English."},
    )


#: What a clinician may add for the declaration forms (vigilance.case_file): the reporter's fields
#: of each form described, generated from the forms.
CaseDetailsSchema = case_file.reporter_schema_class("CaseDetails", case_file.FORMS.values())
CaseDetailsSchema.__doc__ = (
    "What the clinician knows for the declaration form, all optional: for a transfusion, the units "
    "(donation number and product code), the transfusion's start and the reaction's onset (ISO 8601 with "
    "offset), the signs; for a medicine, its dose, route and start date (``medicines``, by the position "
    "of the products). Flows into the case file of each item the report lands in."
)


class ReportCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    event_kind = fields.Enum(EventKind, by_value=True, required=True)
    occurred_at = fields.AwareDateTime(
        required=True,
        metadata={
            "description": "ISO 8601 with offset; from 1950, and not in the future (refused once the token is checked)."
        },
    )
    detected_at = fields.AwareDateTime(allow_none=True)
    product = fields.Nested(ReportProductSchema, metadata={"description": "The product; or give ``products``."})
    products = fields.List(
        fields.Nested(ReportProductSchema),
        validate=validate.Length(min=1, max=MAX_PRODUCTS, error="Between 1 and 10 products."),
        metadata={"description": "1 to 10 products, each as ``product``, instead of ``product``."},
    )
    description = stored_text(Report.description, required=True)
    serious = StrictBoolean(required=True)
    unexpected = StrictBoolean(
        allow_none=True,
        metadata={
            "description": "The reaction was unexpected: biovigilance and AMP vigilance declare it even "
            "when not serious (CSP R.1211-30, R.2142-47)."
        },
    )
    severity_grade = StrictInteger(validate=validate.Range(min=1, max=4), allow_none=True)
    patient = fields.Nested(PatientSchema, allow_none=True)
    lot_number = stored_text(
        Report.lot_number,
        allow_none=True,
        metadata={"description": "As on the label; searched and compared without regard to spaces or case."},
    )
    donation_number = stored_text(
        Report.donation_number,
        allow_none=True,
        metadata={
            "description": "The donation number as on the label. Written as an ISBT 128 donation identification "
            "number (13 characters, optional flag characters, then the ISO 7064 MOD 37-2 check character; or "
            "the bar code's ``=`` + 13 characters + 2 flags), whatever the spaces and case, its check is "
            "verified: a wrong one is refused with 422 on ``donation_number``. A number in no known format is "
            "accepted as typed, with a warning in ``warnings``."
        },
    )
    reporter_unit = stored_text(
        Report.reporter_unit,
        allow_none=True,
        metadata={"description": "The reporter's unit or department, to reach them about the case."},
    )
    reporter_phone = stored_text(
        Report.reporter_phone,
        allow_none=True,
        metadata={
            "description": "A telephone number or extension to reach the reporter (never the patient's): "
            "digits, spaces, dots, dashes, brackets, a leading +."
        },
    )
    case_details = fields.Nested(
        CaseDetailsSchema,
        allow_none=True,
        metadata={
            "description": "Optional details for the authority's declaration form (the item's case file). "
            "A donation number is checked as ``donation_number``; errors by path "
            "(``case_details.units.0.donation_number``)."
        },
    )
    draft_id = StrictInteger(
        validate=ROW_ID,
        allow_none=True,
        metadata={
            "description": "The caller's draft (``/api/v1/drafts``) this report is filed from: it is removed in "
            "the same transaction, so it can be filed only once; a draft that is not the caller's, or was "
            "filed already, is refused with 422 on ``draft_id`` and nothing is stored."
        },
    )
    confirm_no_product = StrictBoolean(
        load_default=False,
        metadata={
            "description": "The report names no product, on purpose. Without it, a product name that names "
            "none (no letter or digit, or a word such as ``aucun``, ``néant``, ``N/A``) is refused with 422 "
            "on ``product``; a product the reporter cannot name (``inconnu``) is not refused."
        },
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_or_several_products(self, _data, original_data, **_kwargs):
        one_or_several_products(original_data)

    @post_load
    def make(self, data, **_kwargs) -> Draft:
        patient = data.get("patient") or {}
        products = tuple(data.get("products") or (data["product"],))
        return Draft(
            event_kind=data["event_kind"],
            occurred_at=data["occurred_at"],
            detected_at=data.get("detected_at"),
            product=products[0],
            products=products,
            listed="products" in data,
            description=data["description"],
            serious=data["serious"],
            unexpected=data.get("unexpected"),
            severity_grade=data.get("severity_grade"),
            patient_sex=patient.get("sex"),
            patient_birth_year=patient.get("birth_year"),
            patient_initials=patient.get("initials"),
            lot_number=data.get("lot_number"),
            donation_number=data.get("donation_number"),
            reporter_unit=(data.get("reporter_unit") or "").strip() or None,
            reporter_phone=(data.get("reporter_phone") or "").strip() or None,
            no_product_confirmed=data["confirm_no_product"],
            # As JSON again (dates as ISO texts): as the case file stores it.
            case_details=CaseDetailsSchema().dump(data["case_details"]) if data.get("case_details") else None,
        )


class DeadlineOutSchema(Schema):
    queue = enum_string(Queue, required=True)
    kind = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    state = enum_string(DeadlineState)
    description = fields.String()
    without_delay = fields.Boolean()


class StoredProductSchema(Schema):
    """The product as filed: its name, and beside it the questionnaire's answers that were given."""

    name = fields.String(required=True)
    autologous = fields.Boolean()
    origin = enum_string(Origin)
    recombinant_nucleic_acid = fields.Boolean()
    infectious_disease_vaccine = fields.Boolean()
    substantially_manipulated = fields.Boolean()
    same_essential_function = fields.Boolean()
    intended_action = enum_string(IntendedAction)
    incorporates_medical_device = fields.Boolean()
    industrially_manufactured = fields.Boolean()
    magistral_preparation = fields.Boolean()
    ce_marked_device = fields.Boolean()


class StoredReportProductSchema(StoredProductSchema):
    """One product of the report as filed, and how it was qualified."""

    category = fields.String(required=True)
    matched_by = fields.String(allow_none=True)
    entry = fields.String(allow_none=True)
    principal = fields.Boolean(metadata={"description": "The report's category is this product's."})


class PatientOutSchema(Schema):
    sex = fields.String(allow_none=True, validate=validate.OneOf(["F", "M", "U"]))
    birth_year = fields.Integer(allow_none=True)
    initials = fields.String(allow_none=True)


class DecidedMatchSchema(MatchedSchema):
    by = fields.String(
        validate=validate.OneOf(["catalogue", "questionnaire", "none", "person"]),
        required=True,
        metadata={"description": "``person``: a correspondent requalified the product."},
    )


class DecidedProductSchema(ProductDecidedSchema):
    """One product of a report's decision, which a correspondent may have qualified."""

    matched = fields.Nested(DecidedMatchSchema, required=True)


class DecisionSchema(ClassificationSchema):
    """The decision a report carries: as classify answers, or as a correspondent requalified it."""

    matched = fields.Nested(DecidedMatchSchema, required=True)
    products = fields.List(
        fields.Nested(DecidedProductSchema), metadata=ClassificationSchema().fields["products"].metadata
    )


class QuestionOutSchema(Schema):
    """A correspondent's question about the report, and how its reporter answers it."""

    id = fields.Integer(required=True)
    question = fields.String(required=True)
    asked_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["waiting", "answered", "withdrawn"]))
    withdrawn_at = fields.DateTime(allow_none=True, required=True)
    answer = fields.String(allow_none=True, required=True)
    answered_at = fields.DateTime(allow_none=True, required=True)
    answer_url = fields.String(
        required=True,
        metadata={"description": 'POST {"answer": "..."} here (the reporter\'s bearer token) to answer.'},
    )
    answer_method = fields.String(required=True)


class DeclarationSeenSchema(Schema):
    authority = fields.String(required=True)
    authority_name = fields.String(required=True)
    declared_on = fields.Date(required=True)
    reference = fields.String(required=True)


class FollowupSeenSchema(Schema):
    title = fields.String(required=True)
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    next_step = fields.String(allow_none=True, required=True)
    next_due_at = fields.DateTime(allow_none=True, required=True)


class ProgressSchema(Schema):
    """The report's progress in its reporter's words."""

    state = fields.String(
        required=True, validate=validate.OneOf(["received", "investigating", "question", "declared", "closed"])
    )
    label = fields.String(required=True)
    waiting_questions = fields.Integer(required=True)
    declarations = fields.List(fields.Nested(DeclarationSeenSchema), required=True)
    outcomes = fields.List(fields.String(), required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    followups = fields.List(
        fields.Nested(FollowupSeenSchema),
        metadata={"description": "The follow-up plans the case is under: how far along, the next check."},
    )


class WarningSchema(Schema):
    """Something accepted but worth a second look, said beside the field it is about."""

    field = fields.String(required=True, metadata={"description": "The field it is about."})
    code = fields.String(
        required=True,
        validate=validate.OneOf(["donation_number_format_unknown"]),
        metadata={
            "description": "``donation_number_format_unknown``: the donation number is in no format known here "
            "(not ISBT 128); it is kept as typed, unchecked."
        },
    )
    message = fields.String(required=True, metadata={"description": "In the language of the answer."})


class ReportOutSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = enum_string(ReportStatus, required=True)
    event_kind = enum_string(EventKind)
    occurred_at = fields.DateTime()
    detected_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime()
    product = fields.Nested(StoredProductSchema)
    products = fields.List(
        fields.Nested(StoredReportProductSchema),
        metadata={
            "description": "Every product of the report, in the order given (``product``: every name on one "
            "line, with the first product's answers)."
        },
    )
    description = fields.String()
    serious = fields.Boolean()
    unexpected = fields.Boolean(allow_none=True)
    severity_grade = fields.Integer(allow_none=True)
    patient = fields.Nested(PatientOutSchema)
    lot_number = fields.String(allow_none=True)
    donation_number = fields.String(allow_none=True)
    reporter_unit = fields.String(allow_none=True)
    reporter_phone = fields.String(allow_none=True)
    classification = fields.Nested(DecisionSchema, required=True)
    queues = fields.List(enum_string(Queue), required=True)
    deadlines = fields.List(fields.Nested(DeadlineOutSchema), required=True)
    questions = fields.List(fields.Nested(QuestionOutSchema), required=True)
    progress = fields.Nested(ProgressSchema, required=True)
    warnings = fields.List(
        fields.Nested(WarningSchema),
        required=True,
        metadata={"description": "What was accepted but is worth checking (empty when nothing is)."},
    )


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportOutSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class ReportListArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    cursor = fields.String(validate=validate.Length(max=200))


def _question(request: InformationRequest) -> dict:
    return {
        "id": request.id,
        "question": request.question,
        "asked_at": request.asked_at,
        "status": "answered"
        if request.answered_at is not None
        else "withdrawn"
        if request.withdrawn_at is not None
        else "waiting",
        "answer": request.answer,
        "answered_at": request.answered_at,
        "withdrawn_at": request.withdrawn_at,
        "answer_url": url_for("triage.answer_request", request_id=request.id),
        "answer_method": "POST",
    }


def _progress(progress: reporter_view.Progress, language: str) -> dict:
    return {
        "state": progress.state,
        "label": say(progress.words, language),
        "waiting_questions": progress.waiting_questions,
        "declarations": [
            {
                "authority": d.authority,
                "authority_name": say(d.authority_name, language),
                "declared_on": d.declared_on,
                "reference": d.reference,
            }
            for d in progress.declarations
        ],
        "outcomes": [say(outcome, language) for outcome in progress.outcomes],
        "closed_at": progress.closed_at,
        "followups": [
            {
                "title": f.title.get(language) or f.title["fr"],
                "done": f.done,
                "total": f.total,
                "next_step": (f.next_label.get(language) or f.next_label["fr"]) if f.next_label else None,
                "next_due_at": f.next_due_at,
            }
            for f in progress.followups
        ],
    }


def questions_by_report(session: Session, report_ids: list[int]) -> dict[int, list[InformationRequest]]:
    found: dict[int, list[InformationRequest]] = {report_id: [] for report_id in report_ids}
    if report_ids:
        for request in session.exec(
            select(InformationRequest)
            .where(col(InformationRequest.report_id).in_(report_ids))
            .order_by(col(InformationRequest.id))
        ).all():
            found[request.report_id].append(request)
    return found


def report_document(
    session: Session,
    report: Report,
    language: str,
    deadlines: list | None = None,
    *,
    questions: list[InformationRequest] | None = None,
    progress: reporter_view.Progress | None = None,
    products: list[ReportProduct] | None = None,
) -> dict:
    """The report as the API shows it, for :class:`ReportOutSchema` to dump (*deadlines*,
    *questions*, *progress*, *products*: when already at hand, not read again)."""
    if deadlines is None:
        deadlines = intake.report_deadlines(session, report)
    if questions is None:
        questions = questions_by_report(session, [report.id])[report.id]
    if progress is None:
        progress = reporter_view.progress_of(session, [report.id])[report.id]
    if products is None:
        products = report_products.products_of(session, [report.id])[report.id]
    return {
        "id": report.id,
        "reference": report.reference,
        "status": report.status,
        "event_kind": report.event_kind,
        "occurred_at": report.occurred_at,
        "detected_at": report.detected_at,
        "received_at": report.received_at,
        "product": {"name": report.product_name, **report.product_answers},
        "products": [
            {
                "name": p.name,
                **p.answers,
                "category": p.category,
                "matched_by": p.matched_by,
                "entry": p.entry_id,
                "principal": p.is_principal,
            }
            for p in products
        ],
        "description": report.description,
        "serious": report.serious,
        "unexpected": report.unexpected,
        "severity_grade": report.severity_grade,
        "patient": {
            "sex": report.patient_sex,
            "birth_year": report.patient_birth_year,
            "initials": report.patient_initials,
        },
        "lot_number": report.lot_number,
        "donation_number": report.donation_number,
        "reporter_unit": report.reporter_unit,
        "reporter_phone": report.reporter_phone,
        "classification": classification(report.decision, language, products),
        "queues": report.queues,
        "deadlines": [
            {
                "queue": d.queue,
                "kind": d.kind,
                "due_at": d.due_at,
                "state": d.state,
                "description": d.description.get(language) or d.description.get("fr", ""),
                "without_delay": d.without_delay,
            }
            for d in deadlines
        ],
        "questions": [_question(q) for q in questions],
        "progress": _progress(progress, language),
        "warnings": [
            {**warning, "message": say(warning["message"], language)}
            for warning in intake.donation_number_warnings(report.donation_number)
        ],
    }


_REPORT = ReportOutSchema()


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
    @declares_errors(
        bp,
        *BODY_ERRORS,
        *TOKEN_ERRORS,
        409,
        said={
            403: "The account cannot file reports.",
            409: "A request with the same Idempotency-Key is still running, or had another body.",
        },
    )
    @token_required
    def post(self, draft: Draft):
        """File an incident report: it is qualified, routed and dated at once."""
        language = response_language()
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            raise InvalidInput({"Idempotency-Key": [translatable("Clé trop longue (200 caractères au plus).")]})
        # Checked by the schema, which leaves it out of the report itself.
        draft_id = request.get_json().get("draft_id")

        def answer(db, result):
            if draft_id is not None:
                drafts.remove_filed_draft(db, owner=g.user, draft_id=draft_id, report_id=result.report.id, now=utcnow())
            # Dumped once, when filed: a retry replays the very same answer.
            return _REPORT.dump(
                report_document(
                    db, result.report, language, result.deadlines, questions=[], progress=reporter_view.JUST_RECEIVED
                )
            )

        status, body = file_report(
            draft=draft,
            actor=g.user,
            key=key or None,
            fingerprint_of=request.get_json(),
            answer=answer,
        )
        return jsonify(body), status

    @bp.doc(security=BEARER)
    @bp.arguments(ReportListArgsSchema(), location="query", unknown=RAISE)
    @bp.response(200, ReportListSchema)
    @declares_errors(bp, *TOKEN_ERRORS)
    @token_required
    def get(self, args):
        """The reports the caller filed, newest first."""
        before = decode_cursor(args.get("cursor"))
        with write_transaction(get_session()) as db:
            page = reports.own_reports(db, actor=g.user, now=utcnow(), via="api", before_id=before, limit=PAGE_SIZE + 1)
        language = response_language()
        shown = page[:PAGE_SIZE]
        ids = [r.id for r in shown]
        questions = questions_by_report(db, ids)
        progress = reporter_view.progress_of(db, ids)
        products = report_products.products_of(db, ids)
        items = [
            report_document(
                db, r, language, questions=questions[r.id], progress=progress[r.id], products=products[r.id]
            )
            for r in shown
        ]
        next_cursor = encode_cursor(page[PAGE_SIZE - 1].id) if len(page) > PAGE_SIZE else None
        return {"items": items, "next": next_cursor}


@bp.route("/reports/<int:report_id>")
class ReportById(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, ReportOutSchema)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said={404: "No such report, or not one the caller may see."})
    @token_required
    def get(self, report_id: int):
        """One report, to its reporter, its queues' correspondents and its coordinators."""
        with write_transaction(get_session()) as db:
            report = reports.read_report(db, report_id=report_id, actor=g.user, now=utcnow())
        return report_document(db, report, response_language())


class FhirBundleSchema(Schema):
    """A FHIR R4 ``Bundle`` (https://hl7.org/fhir/R4/bundle.html): its resources as FHIR writes them."""

    resourceType = fields.String(required=True, validate=validate.Equal("Bundle"))
    type = fields.String(required=True, validate=validate.Equal("collection"))
    language = fields.String()
    entry = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "The ``AdverseEvent`` first, then the pseudonymous ``Patient``, the establishment's "
            "``Organization``, the reporter (``Practitioner``, ``PractitionerRole``), each product "
            "(``Medication``, ``Device``, ``Substance``, or a ``BiologicallyDerivedProduct`` and the "
            "``Procedure`` that used it) and the assessors."
        },
    )


@bp.route("/reports/<int:report_id>/fhir")
class ReportFhir(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, FhirBundleSchema, content_type=fhir.FHIR_JSON)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said={404: "No such report, or not one the caller may see."})
    @token_required
    def get(self, report_id: int):
        """The report as a FHIR R4 ``Bundle``: its ``AdverseEvent`` and the resources it refers to.

        To whoever may read the report; the imputability of an item only to whoever may open it.
        """
        with write_transaction(get_session()) as db:
            report = reports.read_report(db, report_id=report_id, actor=g.user, now=utcnow(), via="api:fhir")
        bundle = fhir.report_bundle(db, report=report, reader=g.user, base_url=current_app.config["BASE_URL"])
        return fhir_response(bundle)
