"""The report form, its confirmation, "my reports" and a report's page."""

import uuid
from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlmodel import select

from app.api.reports import ReportCreateSchema
from app.auth import page_user
from app.db import get_session
from app.errors import flatten_messages
from app.filing import file_report
from app.i18n import select_locale
from app.pages.forms import row_id, whole_number
from app.pages.security import login_required
from app.validation_messages import translate_all
from routing import EventKind
from routing.vocabulary import FEATURE_FLAGS
from vigilance import intake, reports
from vigilance.clock import utcnow
from vigilance.decisions import classification
from vigilance.errors import InvalidInput
from vigilance.models import InformationRequest
from vigilance.storage.transaction import write_transaction

bp = Blueprint("reports_pages", __name__, url_prefix="/reports")

PAGE_SIZE = 25
_SCHEMA = ReportCreateSchema()
_YES_NO = {"yes": True, "no": False}


def _local_datetime(text: str) -> str:
    """A ``datetime-local`` field (no zone: the service's) as ISO 8601 with its offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the schema says what is wrong with it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=current_app.config["TZINFO"])
    return moment.isoformat()


def form_payload(form) -> dict:
    """The form's fields as the API's JSON body: one validation for both doors."""
    payload: dict = {}

    def put(target: dict, key: str, value):
        if value not in (None, ""):
            target[key] = value

    put(payload, "event_kind", form.get("event_kind"))
    put(payload, "occurred_at", _local_datetime(form["occurred_at"]) if form.get("occurred_at") else None)
    put(payload, "detected_at", _local_datetime(form["detected_at"]) if form.get("detected_at") else None)
    put(payload, "description", form.get("description", "").strip())
    if form.get("serious") in _YES_NO:
        payload["serious"] = _YES_NO[form["serious"]]
    grade = form.get("severity_grade", "")
    put(payload, "severity_grade", whole_number(grade))
    put(payload, "lot_number", form.get("lot_number", "").strip())
    put(payload, "donation_number", form.get("donation_number", "").strip())
    product: dict = {"name": form.get("product_name", "").strip()}
    put(product, "origin", form.get("origin"))
    features: dict = {}
    for question in FEATURE_FLAGS:
        if form.get(question) in _YES_NO:
            features[question] = _YES_NO[form[question]]
    put(features, "intended_action", form.get("intended_action"))
    if features:
        product["features"] = features
    payload["product"] = product
    patient: dict = {}
    put(patient, "sex", form.get("patient_sex"))
    birth_year = form.get("patient_birth_year", "").strip()
    put(patient, "birth_year", whole_number(birth_year))
    put(patient, "initials", form.get("patient_initials", "").strip())
    if patient:
        payload["patient"] = patient
    return payload


def _form_defaults() -> dict:
    now = utcnow().astimezone(current_app.config["TZINFO"])
    return {
        "event_kind": EventKind.RECIPIENT_ADVERSE_REACTION.value,
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
        "form_token": uuid.uuid4().hex,
    }


def _render_form(values: dict, errors: dict[str, list[str]] | None = None, status: int = 200):
    now = utcnow().astimezone(current_app.config["TZINFO"])
    return (
        render_template(
            "reports/new.html",
            values=values,
            errors=errors or {},
            max_datetime=now.strftime("%Y-%m-%dT%H:%M"),
            questions=FEATURE_FLAGS,
        ),
        status,
    )


@bp.get("/new")
@login_required
def new():
    return _render_form(_form_defaults())


@bp.post("/new")
@login_required
def create():
    values = request.form.to_dict()
    token = values.get("form_token", "")
    if not token or len(token) > 64:
        values["form_token"] = uuid.uuid4().hex
        return _render_form(values, {"form": [_("Le formulaire a expiré : vérifiez et envoyez-le à nouveau.")]}, 400)
    payload = form_payload(request.form)
    try:
        draft = _SCHEMA.load(payload)
    except ValidationError as error:
        messages = flatten_messages(translate_all(error.messages, select_locale()))
        return _render_form(values, messages, 422)
    try:
        _status, body = file_report(
            draft=draft,
            actor=page_user(),
            # A double click or a resent page carries the same token: one report.
            key=f"form:{token}",
            fingerprint_of=payload,
            answer=lambda db, result: {"id": result.report.id, "reference": result.report.reference},
        )
    except InvalidInput as error:
        return _render_form(values, error.messages(select_locale()), 422)
    return redirect(url_for("reports_pages.detail", report_id=body["id"], created=1))


@bp.get("/mine")
@login_required
def mine():
    before = request.args.get("before", type=row_id)  # anything else: the first page
    with write_transaction(get_session()) as db:
        page = reports.own_reports(
            db, actor=page_user(), now=utcnow(), via="page", before_id=before, limit=PAGE_SIZE + 1
        )
    more = page[PAGE_SIZE - 1].id if len(page) > PAGE_SIZE else None
    return render_template("reports/mine.html", reports=page[:PAGE_SIZE], more=more)


@bp.get("/<int:report_id>")
@login_required
def detail(report_id: int):
    with write_transaction(get_session()) as db:
        report = reports.read_report(db, report_id=report_id, actor=page_user(), now=utcnow(), via="page")
    deadlines = intake.report_deadlines(db, report)
    questions = db.exec(
        select(InformationRequest).where(InformationRequest.report_id == report.id).order_by(InformationRequest.id)
    ).all()
    return render_template(
        "reports/detail.html",
        report=report,
        questions=questions,
        decision=classification(report.decision, select_locale()),
        deadlines=deadlines,
        created=request.args.get("created") == "1",
    )
