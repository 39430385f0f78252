"""The item page's «Dossier de déclaration»: the form's sections, what is missing, and completing it.

The page's form is drawn from the form's description (vigilance.case_file), one input per field,
named by its path in the data (``units.0.donation_number``); a submitted form is turned into the
payload the API validates (:func:`payload_from_case_form`, read from the same description), and
saved by the same domain call: no parsing by hand, the same refusals by the same paths.
"""

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.datastructures import MultiDict

from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages.security import login_required
from app.validation_messages import translate_all
from vigilance import case_file as cases
from vigilance.case_file.description import Field, Form, Kind
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput, NotFound, VigilanceError
from vigilance.i18n import say
from vigilance.item_file import open_item
from vigilance.storage.transaction import write_transaction

bp = Blueprint("case_file_pages", __name__)

_YES_NO = {"yes": True, "no": False}
#: The item page's inputs: ``case_file.<path in the data>`` (the assessment's fields, on the same
#: page, have bare names).
ITEM_PREFIX = "case_file."


def _number(text: str) -> float | int | str:
    """A number as typed (``72,5`` or ``72.5``), or the text, for the schema to refuse by name."""
    try:
        value = float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def _local_moment(text: str) -> str:
    """A ``datetime-local`` field (no zone: the service's) as ISO 8601 with its offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the schema says what is wrong with it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=current_app.config["TZINFO"])
    return moment.isoformat()


def _texts(form: MultiDict | dict, path: str) -> list[str]:
    if hasattr(form, "getlist"):
        return form.getlist(path)
    value = form.get(path)
    return value if isinstance(value, list) else [value] if value else []


def _value(spec: Field, form: MultiDict | dict, path: str) -> Any:
    if spec.kind == Kind.MULTI_CHOICE:
        return [v for v in _texts(form, path) if v] or None
    text = form.get(path, "")
    text = (text[0] if text else "") if isinstance(text, list) else text.strip()
    if text == "":
        return None
    if spec.kind == Kind.NUMBER:
        return _number(text)
    if spec.kind == Kind.DATETIME:
        return _local_moment(text)
    if spec.kind == Kind.YES_NO:
        return _YES_NO.get(text, text)
    return text


def payload_from_case_form(form_description: Form, form: MultiDict) -> dict[str, Any]:
    """The submitted page form as the API's ``data``: every field of the form (an empty one
    clears it), a group's rows in order, the empty ones left out (a row emptied is removed)."""
    data: dict[str, Any] = {}
    for spec in form_description.fields():
        if spec.kind != Kind.GROUP:
            data[spec.name] = _value(spec, form, ITEM_PREFIX + spec.name)
            continue
        rows = []
        for n in range(spec.max_rows):
            row = {sub.name: _value(sub, form, f"{ITEM_PREFIX}{spec.name}.{n}.{sub.name}") for sub in spec.fields}
            if any(v is not None for v in row.values()):
                rows.append(row)
        data[spec.name] = rows
    return data


def _shown(spec: Field, value: Any) -> Any:
    """A stored value as its input holds it."""
    if value is None:
        return [] if spec.kind == Kind.MULTI_CHOICE else ""
    if spec.kind == Kind.DATETIME:
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return value
        return moment.astimezone(current_app.config["TZINFO"]).strftime("%Y-%m-%dT%H:%M")
    if spec.kind == Kind.YES_NO:
        return "yes" if value is True else "no" if value is False else ""
    if spec.kind == Kind.NUMBER and isinstance(value, int | float):
        return str(value)
    return value


def shown_values(form_description: Form, data: dict[str, Any]) -> dict[str, Any]:
    """The stored data by input name (``units.0.donation_number``), as the inputs hold it."""
    shown: dict[str, Any] = {}
    for spec in form_description.fields():
        if spec.kind == Kind.GROUP:
            for n, row in enumerate(data.get(spec.name) or []):
                for sub in spec.fields:
                    shown[f"{ITEM_PREFIX}{spec.name}.{n}.{sub.name}"] = _shown(sub, row.get(sub.name))
        else:
            shown[ITEM_PREFIX + spec.name] = _shown(spec, data.get(spec.name))
    return shown


def typed_values(form: MultiDict) -> dict[str, Any]:
    """What the reader typed, by input name (nothing typed is lost on a refusal)."""
    return {key: (values if len(values) > 1 else values[0]) for key, values in form.lists() if key != "csrf_token"}


def group_rows(spec: Field, values: dict[str, Any]) -> int:
    """How many rows of a group the page shows: those filled, and one empty row to add one."""
    filled = [
        n
        for n in range(spec.max_rows)
        if any(values.get(f"{ITEM_PREFIX}{spec.name}.{n}.{sub.name}") for sub in spec.fields)
    ]
    return min((max(filled) + 1 if filled else 0) + 1, spec.max_rows)


def case_file_context(db, item, *, typed: dict | None = None, errors: dict | None = None, stale: bool = False):
    """What the item page's «Dossier de déclaration» shows; ``None`` when the item's vigilance has
    no form described yet."""
    try:
        case = cases.case_file_of(db, item)
    except NotFound:
        return None
    values = typed if typed is not None else shown_values(case.form, case.data)
    return {
        "case": case,
        "form": case.form,
        "values": values,
        "errors": errors or {},
        "prefix": ITEM_PREFIX,
        "stale": stale,
        "rows": {spec.name: group_rows(spec, values) for spec in case.form.fields() if spec.kind == Kind.GROUP},
        "missing": case.missing(),
        "multi_values": lambda path: values.get(path) if isinstance(values.get(path), list) else [values.get(path)],
    }


@bp.post("/queue-items/<int:item_id>/case-file")
@login_required
def save(item_id: int):
    """Complete the item's case file from its page."""
    from app.pages.triage import item_page  # the item page shows the refusal beside the fields

    user = page_user()
    db = get_session()
    item = open_item(db, item_id, user)  # 404, as the item's page, for whoever may not open it
    case = cases.case_file_of(db, item)
    language = select_locale()
    try:
        data = payload_from_case_form(case.form, request.form)
        version = request.form.get("based_on_version", "")
        based_on = int(version) if version.isdigit() else -1
        with write_transaction(get_session()) as session:
            saved = cases.save(session, item_id=item_id, actor=user, data=data, based_on_version=based_on, now=utcnow())
    except cases.StaleCaseFile as stale:
        flash(stale.say(language), "error")
        db.expire_all()
        return item_page(item, user, status=409, case_file={"typed": typed_values(request.form), "stale": True})
    except InvalidInput as refused:
        errors = {ITEM_PREFIX + path: texts for path, texts in translate_all(refused.errors, language).items()}
        flash(_("Le dossier de déclaration n'a pas été enregistré : corrigez les champs signalés."), "error")
        db.expire_all()
        return item_page(item, user, status=422, case_file={"typed": typed_values(request.form), "errors": errors})
    except VigilanceError as refused:
        flash(refused.say(language), "error")
        return redirect(url_for("triage_pages.item", item_id=item_id, _anchor="case-file"))
    flash(_("Dossier de déclaration enregistré."), "info")
    for warning in saved.warnings:
        flash(say(warning["message"], language), "warning")
    return redirect(url_for("triage_pages.item", item_id=item_id, _anchor="case-file"))


@bp.post("/queue-items/<int:item_id>/declaration.pdf")
@login_required
def declaration_pdf(item_id: int):
    """Generate the item's declaration form (a new version only if the case file changed) and
    download it: the download is the stored document's, audited there."""
    from vigilance import declaration_form

    user = page_user()
    with write_transaction(get_session()) as db:
        document, _new = declaration_form.generate(db, item_id=item_id, actor=user, now=utcnow())
        document_id = document.id
    return redirect(url_for("document_pages.download", document_id=document_id), code=303)


# The report form: what a clinician knows, for the forms of the vigilances it may land in ----------

#: The parts of the report form, one per form with fields for the clinician, and how many rows of
#: each of its groups the form shows (the medicines: the first product's).
REPORT_FORM_PARTS = (
    (cases.FEIR, lazy_gettext("Pour une transfusion"), {"units": 3}),
    (cases.CERFA_10011, lazy_gettext("Pour un médicament (le premier produit nommé)"), {"medicines": 1}),
)
#: The name of the report form's inputs: ``case_details.<path in the case file>``.
PREFIX = "case_details."


def details_from_report_form(form: MultiDict | dict) -> dict[str, Any] | None:
    """The report form's case details as the API's ``case_details`` (``None`` when none given)."""
    details: dict[str, Any] = {}
    for form_description, _title, group_rows_shown in REPORT_FORM_PARTS:
        for spec in form_description.reporter_fields():
            if spec.name in details:
                continue
            if spec.kind != Kind.GROUP:
                value = _value(spec, form, PREFIX + spec.name)
                if value is not None:
                    details[spec.name] = value
                continue
            rows = []
            for n in range(group_rows_shown.get(spec.name, 1)):
                row = {
                    sub.name: _value(sub, form, f"{PREFIX}{spec.name}.{n}.{sub.name}")
                    for sub in spec.fields
                    if sub.filled_by == "reporter"
                }
                rows.append({k: v for k, v in row.items() if v is not None})
            # Empty rows kept before a filled one: an error's path is then its row's input name.
            while rows and not rows[-1]:
                rows.pop()
            if rows:
                details[spec.name] = rows
    return details or None


def report_form_parts(values: dict, errors: dict) -> list[dict[str, Any]]:
    """The report form's parts for its template: each with its title, its fields for the
    clinician (a group with its clinician's fields only) and what the macro of the item page
    needs to draw them (values and errors by input name)."""
    opened = any(path.startswith(PREFIX) for path in errors) or any(
        name.startswith(PREFIX) and value for name, value in values.items()
    )
    parts = []
    for form_description, title, group_rows_shown in REPORT_FORM_PARTS:
        parts.append(
            {
                "title": title,
                "fields": list(form_description.reporter_fields()),
                "rows": group_rows_shown,
                "values": values,
                "errors": errors,
                "optional": True,
                "prefix": PREFIX,
                "open": opened,
                "multi_values": lambda path: _texts(values, path),
            }
        )
    return parts


#: The report form's inputs that take several values (checkboxes).
MULTIPLE_INPUTS = tuple(
    PREFIX + spec.name
    for form_description, _title, _rows in REPORT_FORM_PARTS
    for spec in form_description.reporter_fields()
    if spec.kind == Kind.MULTI_CHOICE
)
