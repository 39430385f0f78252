"""The report form, its confirmation, "my reports" and a report's page."""

import uuid
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from marshmallow import ValidationError
from sqlmodel import select

from app.api.classify import MAX_PRODUCTS
from app.api.reports import ReportCreateSchema
from app.auth import page_user
from app.db import get_session
from app.errors import csrf_refused, flatten_messages
from app.fhir import fhir_response
from app.filing import file_report
from app.i18n import select_locale
from app.pages import kept_forms
from app.pages.case_files import MULTIPLE_INPUTS, details_from_report_form, report_form_parts
from app.pages.forms import row_id, whole_number
from app.pages.security import login_required
from app.validation_messages import translate_all
from routing import EventKind
from routing.vocabulary import FEATURE_FLAGS
from vigilance import alerts, attachments, drafts, idempotency, intake, report_products, reporter_view, reports
from vigilance.access import may_read_report
from vigilance.clock import utcnow
from vigilance.decisions import classification
from vigilance.errors import Forbidden, InvalidInput
from vigilance.exports import fhir
from vigilance.i18n import say
from vigilance.models import InformationRequest, Report
from vigilance.storage.transaction import write_transaction

bp = Blueprint("reports_pages", __name__, url_prefix="/reports")

PAGE_SIZE = 25
_SCHEMA = ReportCreateSchema()
_YES_NO = {"yes": True, "no": False}
#: The form's product rows: each one's name, then its qualification questions (for a name not
#: recognised). The first row's fields have bare names, row n's end in ``_<n>``.
PRODUCT_FIELDS = ("product_name", *(f"product_name_{n}" for n in range(2, MAX_PRODUCTS + 1)))
QUESTION_FIELDS = ("origin", *FEATURE_FLAGS, "intended_action")


def row_field(name: str, number: int) -> str:
    """The form's field *name* (``product_name`` or a question) of product row *number*."""
    return name if number == 1 else f"{name}_{number}"


_FURTHER_ROWS_FIELDS = frozenset(
    row_field(name, number) for number in range(2, MAX_PRODUCTS + 1) for name in ("product_name", *QUESTION_FIELDS)
)


def _row(values, number: int) -> dict[str, str]:
    """Product row *number*'s fields, by their first-row names."""
    return {name: values.get(row_field(name, number), "") for name in ("product_name", *QUESTION_FIELDS)}


def _put_row(values: dict, number: int, row: dict[str, str]) -> None:
    for name in ("product_name", *QUESTION_FIELDS):
        values[row_field(name, number)] = row.get(name, "")


def product_rows(values) -> int:
    """How many product rows the form shows: as many as asked, and at least every filled one."""
    asked = whole_number(values.get("product_rows") or "1")
    filled = max((n for n, field in enumerate(PRODUCT_FIELDS, start=1) if values.get(field, "").strip()), default=1)
    return min(max(asked if isinstance(asked, int) else 1, filled, 1), MAX_PRODUCTS)


def _compact_products(values: dict) -> dict:
    """The filled further rows moved up over the empty ones, with their answers: the n-th
    product given is row n, so that an error on ``products.<n-1>`` is shown on row n."""
    rows = [_row(values, number) for number in range(2, MAX_PRODUCTS + 1)]
    kept = [row for row in rows if row["product_name"].strip()]
    compacted = {k: v for k, v in values.items() if k not in _FURTHER_ROWS_FIELDS}
    for number, row in enumerate(kept, start=2):
        compacted.update({row_field(name, number): value for name, value in row.items() if value})
    compacted["product_rows"] = str(1 + len(kept))
    return compacted


def _change_product_rows(values: dict, action: str) -> dict:
    """Add a product row, or remove row *n* (``remove-<n>``) with its answers: the form sent to
    itself, so that it works without a script."""
    rows = product_rows(values)
    changed = dict(values)
    if action == "add":
        changed["product_rows"] = str(min(rows + 1, MAX_PRODUCTS))
        return changed
    number = whole_number(action.removeprefix("remove-"))
    if isinstance(number, int) and 2 <= number <= rows:
        for row in range(number, rows):
            _put_row(changed, row, _row(values, row + 1))
        _put_row(changed, rows, {})
        changed["product_rows"] = str(rows - 1)
    return changed


def _on_form(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The first product's errors where the form shows them (``product.*``), as when one is given."""
    shown: dict[str, list[str]] = {}
    for path, texts in errors.items():
        if path == "products.0" or path.startswith("products.0."):
            path = "product" + path.removeprefix("products.0")
        shown.setdefault(path, []).extend(texts)
    return shown


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
    if form.get("unexpected") in _YES_NO:
        payload["unexpected"] = _YES_NO[form["unexpected"]]
    grade = form.get("severity_grade", "")
    put(payload, "severity_grade", whole_number(grade))
    put(payload, "lot_number", form.get("lot_number", "").strip())
    put(payload, "donation_number", form.get("donation_number", "").strip())
    put(payload, "reporter_unit", form.get("reporter_unit", "").strip())
    put(payload, "reporter_phone", form.get("reporter_phone", "").strip())
    if form.get("confirm_no_product") in _YES_NO:
        payload["confirm_no_product"] = _YES_NO[form["confirm_no_product"]]
    product = _product(form, 1)
    others = [
        _product(form, number)
        for number in range(2, product_rows(form) + 1)
        if form.get(row_field("product_name", number), "").strip()
    ]
    if others:
        payload["products"] = [product, *others]
    else:
        payload["product"] = product
    patient: dict = {}
    put(patient, "sex", form.get("patient_sex"))
    birth_year = form.get("patient_birth_year", "").strip()
    put(patient, "birth_year", whole_number(birth_year))
    put(patient, "initials", form.get("patient_initials", "").strip())
    if patient:
        payload["patient"] = patient
    details = details_from_report_form(form)
    if details:
        payload["case_details"] = details
    return payload


def _product(form, number: int) -> dict:
    """Product row *number* as the API's product: its name and whatever questions it answered."""
    product: dict = {"name": form.get(row_field("product_name", number), "").strip()}
    if form.get(row_field("origin", number)):
        product["origin"] = form[row_field("origin", number)]
    features: dict = {}
    for question in FEATURE_FLAGS:
        if form.get(row_field(question, number)) in _YES_NO:
            features[question] = _YES_NO[form[row_field(question, number)]]
    if form.get(row_field("intended_action", number)):
        features["intended_action"] = form[row_field("intended_action", number)]
    if features:
        product["features"] = features
    return product


def _form_defaults() -> dict:
    now = utcnow().astimezone(current_app.config["TZINFO"])
    return {
        "event_kind": EventKind.RECIPIENT_ADVERSE_REACTION.value,
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
        "form_token": uuid.uuid4().hex,
    }


def _rows_with_answers_or_errors(values: dict, errors: dict[str, list[str]]) -> set[int]:
    """The further rows whose questions are shown open: answered, or refused."""
    return {
        number
        for number in range(2, product_rows(values) + 1)
        if any(values.get(row_field(name, number)) for name in QUESTION_FIELDS)
        or any(path.startswith(f"products.{number - 1}.") and not path.endswith(".name") for path in errors)
    }


def _render_form(values: dict, errors: dict[str, list[str]] | None = None, status: int = 200, notice: str = ""):
    now = utcnow().astimezone(current_app.config["TZINFO"])
    errors = _on_form(errors or {})
    return (
        render_template(
            "reports/new.html",
            values=values,
            errors=errors,
            product_rows=product_rows(values),
            open_rows=_rows_with_answers_or_errors(values, errors),
            max_products=MAX_PRODUCTS,
            no_product_error=any(
                path == "product" or (path.startswith("products.") and path.count(".") == 1) for path in errors
            ),
            notice=notice,
            max_datetime=now.strftime("%Y-%m-%dT%H:%M"),
            questions=FEATURE_FLAGS,
            # Whom this form is shown to: should the session end before it is sent, what was
            # typed goes back to this person only, after signing in again (app.pages.kept_forms).
            form_owner=kept_forms.owner_marker(page_user(), values["form_token"]),
            draft_delay_ms=current_app.config.get("DRAFT_SAVE_DELAY_MS", 2000),
            case_parts=report_form_parts(values, errors),
        ),
        status,
    )


def _form_key(token: str) -> str:
    return f"form:{token}"


@bp.get("/new")
@login_required
def new():
    draft_id = request.args.get("draft", type=row_id)  # not a row id: a new form
    if draft_id is None:
        return _render_form(_form_defaults())
    with write_transaction(get_session()) as db:
        draft = drafts.get(db, draft_id=draft_id, actor=page_user(), now=utcnow())
    return _render_form({**draft.fields, "form_token": draft.form_token})


def form_again(values: dict):
    """The form, filled with *values*, checked as on submission but not filed (a kept form that
    could not be stored as a draft): the problems are shown beside their fields."""
    try:
        intake.check_draft(_SCHEMA.load(form_payload(values)), now=utcnow())
    except ValidationError as error:
        return _render_form(values, flatten_messages(translate_all(error.messages, select_locale())), 422)
    except InvalidInput as error:
        return _render_form(values, error.messages(select_locale()), 422)
    return _render_form(values)


def _filed_already(token: str) -> int | None:
    """The report this very form was already filed as (Back, then submit again), if it was."""
    answer = idempotency.answered(get_session(), user_id=page_user().id, key=_form_key(token))
    return answer[1].get("id") if answer else None


@bp.errorhandler(CSRFError)
def form_expired(error):
    """The form's token expired (the page stayed open over its lifetime) or the session ended:
    nothing typed is lost."""
    if request.endpoint == "reports_pages.save_draft":
        # The page's script tries again with the next change; the form itself is still there.
        return jsonify({"errors": {"csrf_token": [_("Le formulaire a expiré.")]}}), 400
    if request.endpoint != "reports_pages.create":
        return csrf_refused(error)
    if page_user() is None:
        return kept_forms.sign_in_again(request.form)
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    if not values.get("form_token") or len(values["form_token"]) > drafts.TOKEN_MAX_LENGTH:
        values["form_token"] = uuid.uuid4().hex
    notice = _(
        "Le formulaire est resté ouvert longtemps et n'a pas été envoyé. "
        "Rien de ce que vous avez saisi n'est perdu : vérifiez-le, puis envoyez-le à nouveau."
    )
    return _render_form(values, status=400, notice=notice)


@bp.post("/new")
def create():
    if page_user() is None:
        return kept_forms.sign_in_again(request.form)
    values = request.form.to_dict()
    values.update({name: request.form.getlist(name) for name in MULTIPLE_INPUTS if name in request.form})
    values.pop("csrf_token", None)
    action = values.pop("product_action", "")
    if action:
        # "Add a product" or "remove": the form again, as typed, with its rows changed; nothing filed.
        return _render_form(_change_product_rows(values, action))
    values = _compact_products(values)
    token = values.get("form_token", "")
    if not token or len(token) > drafts.TOKEN_MAX_LENGTH:
        values["form_token"] = uuid.uuid4().hex
        return _render_form(values, {"form": [_("Le formulaire a expiré : vérifiez et envoyez-le à nouveau.")]}, 400)
    filed = _filed_already(token)
    if filed is not None:
        # The key is one-time: whatever the fields now say, this form was filed once.
        flash(_("Ce signalement avait déjà été envoyé : le voici. Aucun second signalement n'a été créé."), "info")
        return redirect(url_for("reports_pages.detail", report_id=filed, created=1))
    payload = form_payload(values)
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
            key=_form_key(token),
            fingerprint_of=payload,
            answer=lambda db, result: _filed(db, result, token),
        )
    except InvalidInput as error:
        return _render_form(values, error.messages(select_locale()), 422)
    return redirect(url_for("reports_pages.detail", report_id=body["id"], created=1))


def _filed(db, result, token: str) -> dict:
    # In the filing's transaction: the form's draft goes with the report that replaces it.
    drafts.remove_filed(db, owner=page_user(), form_token=token, report_id=result.report.id, now=utcnow())
    return {"id": result.report.id, "reference": result.report.reference}


@bp.post("/drafts")
@login_required
def save_draft():
    """The form's script saves what is typed, a few seconds after typing stops and when the page is left."""
    user = page_user()
    token = request.form.get("form_token", "")
    if token and idempotency.answered(get_session(), user_id=user.id, key=_form_key(token)):
        return "", 204  # filed already: a save that arrives late must not bring the draft back
    fields = {name: request.form[name] for name in drafts.FIELD_LENGTHS if name in request.form}
    try:
        with write_transaction(get_session()) as db:
            draft = drafts.save(db, owner=user, form_token=token, fields=fields, now=utcnow())
    except InvalidInput as error:
        return jsonify({"errors": error.messages(select_locale())}), 422
    except Forbidden as error:
        # No establishment, so nothing to file: said beside the save status, as a refused field is.
        return jsonify({"errors": {"form": [error.say(select_locale())]}}), 403
    # A fresh form token with each save: a form kept open and typed in does not expire.
    return jsonify({"id": draft.id, "csrf_token": generate_csrf()})


@bp.get("/drafts")
@login_required
def draft_list():
    with write_transaction(get_session()) as db:
        found = drafts.own_drafts(db, actor=page_user(), now=utcnow())
    return render_template("reports/drafts.html", drafts=found)


@bp.post("/drafts/<int:draft_id>/delete")
@login_required
def delete_draft(draft_id: int):
    with write_transaction(get_session()) as db:
        drafts.remove(db, draft_id=draft_id, actor=page_user(), now=utcnow())
    flash(_("Brouillon supprimé."), "info")
    return redirect(url_for("reports_pages.draft_list"))


@bp.get("/mine")
@login_required
def mine():
    before = request.args.get("before", type=row_id)  # anything else: the first page
    with write_transaction(get_session()) as db:
        page = reports.own_reports(
            db, actor=page_user(), now=utcnow(), via="page", before_id=before, limit=PAGE_SIZE + 1
        )
    more = page[PAGE_SIZE - 1].id if len(page) > PAGE_SIZE else None
    draft_count = drafts.count_own(get_session(), actor=page_user())
    shown = page[:PAGE_SIZE]
    return render_template(
        "reports/mine.html",
        reports=shown,
        more=more,
        draft_count=draft_count,
        progress=reporter_view.progress_of(get_session(), [r.id for r in shown]),
        waiting=alerts.waiting_questions(get_session(), page_user()),
    )


@bp.get("/<int:report_id>/questions")
@login_required
def questions(report_id: int):
    """The address emails give for a question: unlike ``#questions``, it survives signing in first
    (a fragment never reaches the server, so the sign-in's ``next`` cannot keep it)."""
    report = get_session().get(Report, report_id)
    if report is None or not may_read_report(page_user(), report):
        abort(404)
    return redirect(url_for("reports_pages.detail", report_id=report_id, _anchor="questions"))


@bp.get("/<int:report_id>/fhir.json")
@login_required
def fhir_bundle(report_id: int):
    """The report as a FHIR Bundle, downloaded (as the API's ``/api/v1/reports/<id>/fhir`` gives it)."""
    with write_transaction(get_session()) as db:
        report = reports.read_report(db, report_id=report_id, actor=page_user(), now=utcnow(), via="page:fhir")
    bundle = fhir.report_bundle(db, report=report, reader=page_user(), base_url=current_app.config["BASE_URL"])
    return fhir_response(bundle, download_as=f"{report.reference}.fhir.json")


@bp.get("/<int:report_id>")
@login_required
def detail(report_id: int):
    return detail_page(report_id)


def detail_page(report_id: int, *, status: int = 200, attachment_errors: dict[str, list[str]] | None = None):
    """The report's page (its read audited); *attachment_errors*: a refused upload's, by field."""
    with write_transaction(get_session()) as db:
        report = reports.read_report(db, report_id=report_id, actor=page_user(), now=utcnow(), via="page")
    deadlines = intake.report_deadlines(db, report)
    questions = db.exec(
        select(InformationRequest).where(InformationRequest.report_id == report.id).order_by(InformationRequest.id)
    ).all()
    shown_attachments = attachments.shown_to(db, page_user(), report)
    return render_template(
        "reports/detail.html",
        report=report,
        questions=questions,
        decision=classification(report.decision, select_locale()),
        products=report_products.products_of(db, [report.id])[report.id],
        deadlines=deadlines,
        progress=reporter_view.progress_of(db, [report.id])[report.id],
        created=request.args.get("created") == "1",
        warnings=[
            {**warning, "message": say(warning["message"], select_locale())}
            for warning in intake.donation_number_warnings(report.donation_number)
        ],
        attachments=shown_attachments,
        uploaders=attachments.uploaders(db, shown_attachments),
        may_attach=report.reporter_id == page_user().id,
        attachment_errors=attachment_errors or {},
        attachment_max_bytes=current_app.config["ATTACHMENTS_MAX_BYTES"],
    ), status
