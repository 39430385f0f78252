"""The pages' doors to the case sheet (``/queue-items/<id>/case-sheet.pdf``, linked from the item's
page) and to a queue's line list (``/queues/<queue>/line-list.csv|json``, linked from the queue's
page with the filters it shows). Same reads, checks and audit as the API's (``app.api.case_exports``)."""

import json

from flask import Blueprint, Response, abort, request
from marshmallow import ValidationError

from app.api.case_exports import LineListArgsSchema, download
from app.api.triage import period_problems, queue_filter
from app.auth import page_user
from app.db import get_session
from app.errors import json_error
from app.pages.forms import form_errors, payload_from_form
from app.pages.security import login_required
from vigilance import audit, case_sheet, line_list, spreadsheets
from vigilance.clock import utcnow
from vigilance.i18n import DEFAULT_LANGUAGE, LANGUAGES
from vigilance.item_file import open_item
from vigilance.storage.transaction import write_transaction

bp = Blueprint("case_export_pages", __name__)
#: The queue page's names for the filters the API calls otherwise (app.pages.triage).
FILTER_NAMES = {"received_from": "from", "received_to": "to"}
_ARGS = LineListArgsSchema(exclude=("cursor",))


def _language() -> str:
    asked = request.args.get("lang", "").strip()
    if asked and asked not in LANGUAGES:
        abort(400)
    return asked or DEFAULT_LANGUAGE


@bp.get("/queue-items/<int:item_id>/case-sheet.pdf")
@login_required
def case_sheet_pdf(item_id: int):
    language = _language()
    user = page_user()
    db = get_session()
    item = open_item(db, item_id, user)
    now = utcnow()
    sheet = case_sheet.read_case_sheet(db, item, user, now=now)
    with write_transaction(db):
        audit.record(
            db, actor=user, action="read", now=now, report_id=item.report_id, target=f"page:case-sheet:{item.id}"
        )
    return download(case_sheet.render(sheet, language), "application/pdf", case_sheet.file_name(sheet))


def _refused(messages) -> Response:
    """A refused export: the API's error shape, by the form's field names; nothing is exported."""
    errors = form_errors(messages, FILTER_NAMES)
    return json_error(400, " ".join(m for texts in errors.values() for m in texts), errors)


def _lines(queue: str):
    """The line list the queue page's filters (as its form names them) find, audited; or the refusal."""
    try:
        args = _ARGS.load(payload_from_form(_ARGS, request.args, FILTER_NAMES))
    except ValidationError as error:
        return None, None, None, _refused(error.messages)
    problems = period_problems(args)
    if problems:
        return None, None, None, _refused(problems)
    user = page_user()
    db = get_session()
    now = utcnow()
    filters = queue_filter(args)
    lines = line_list.line_list(db, queue=queue, actor=user, filters=filters, now=now)
    with write_transaction(db):
        audit.record_list_read(
            db, actor=user, now=now, queue=queue, filters=filters, cursor=None, shown=len(lines), door="page-export"
        )
    return lines, now, args.get("lang", DEFAULT_LANGUAGE), None


@bp.get("/queues/<queue>/line-list.csv")
@login_required
def line_list_csv(queue: str):
    lines, now, language, refused = _lines(queue)
    if refused is not None:
        return refused
    text = spreadsheets.csv_text(spreadsheets.LINE_LIST_COLUMNS, spreadsheets.line_list_rows(lines, language), language)
    return download(text.encode(), "text/csv", f"{line_list.file_stem(queue, now)}.csv")


@bp.get("/queues/<queue>/line-list.json")
@login_required
def line_list_json(queue: str):
    lines, now, _language, refused = _lines(queue)
    if refused is not None:
        return refused
    return Response(
        json.dumps(line_list.list_document(queue, lines, now), ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{line_list.file_stem(queue, now)}.json"'},
    )
