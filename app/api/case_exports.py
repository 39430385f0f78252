"""Documents and exports of cases: ``/api/v1/queue-items/<id>/case-sheet.pdf`` (an item's file as
a PDF), ``/api/v1/queue-items/<id>/declaration.pdf`` (the authority's declaration form, pre-filled
from the case file, stored as a versioned generated document) and ``/api/v1/queues/<queue>/line-list.csv|json`` (every case the queue's filters find).

Both are read by whoever may read them (the item's file, the queue's list), 404 otherwise, and
audited: the case sheet as a read of its report, the line list as one read of the queue's list
with its filters. Printed in French unless ``?lang=en``.
"""

from flask import Response, g
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from app.api.errors import BEARER, TOKEN_ERRORS, declares_errors
from app.api.triage import QueueArgsSchema, check_days, queue_filter
from app.auth import token_required
from app.db import get_session
from vigilance import audit, case_sheet, declaration_form, documents, line_list, spreadsheets
from vigilance.clock import utcnow
from vigilance.i18n import DEFAULT_LANGUAGE, LANGUAGES
from vigilance.item_file import open_item
from vigilance.models import Report
from vigilance.storage.transaction import write_transaction

bp = Blueprint("case_exports", __name__, url_prefix="/api/v1", description="Case sheets and line lists.")

_LANG = fields.String(
    validate=validate.OneOf(LANGUAGES, error="Unknown language: fr or en."),
    metadata={"description": "The document's language: French unless `en`."},
)


class DocumentArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    lang = _LANG


class LineListArgsSchema(QueueArgsSchema):
    """The queue list's filters (the whole list, so no cursor) and the export's language."""

    lang = _LANG


def _binary(media_type: str, description: str) -> dict:
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}
    }


def download(content: bytes | str, media_type: str, file_name: str) -> Response:
    return Response(
        content,
        mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"},
    )


@bp.route("/queue-items/<int:item_id>/case-sheet.pdf", methods=["GET"], endpoint="case_sheet")
@bp.arguments(DocumentArgsSchema, location="query", unknown=RAISE)
@bp.doc(
    security=BEARER,
    responses=_binary(
        "application/pdf",
        "The item's case sheet: the report, the item's assessments, deadlines, questions, declarations, "
        "copies and links, follow-up plan, attachments and history; times in Europe/Paris.",
    ),
)
@declares_errors(bp, *TOKEN_ERRORS, 404, said={404: "No such item, or not one the caller may open."})
@token_required
def case_sheet_pdf(args, item_id: int):
    """The item's complete file as a PDF, for the establishment's records (audited as a read)."""
    db = get_session()
    item = open_item(db, item_id, g.user)
    now = utcnow()
    sheet = case_sheet.read_case_sheet(db, item, g.user, now=now)
    with write_transaction(db):
        audit.record(db, actor=g.user, action="read", now=now, report_id=item.report_id, target=f"case-sheet:{item.id}")
    pdf = case_sheet.render(sheet, args.get("lang", DEFAULT_LANGUAGE))
    return download(pdf, "application/pdf", case_sheet.file_name(sheet))


@bp.route("/queue-items/<int:item_id>/declaration.pdf", methods=["GET"], endpoint="declaration_pdf")
@bp.doc(
    security=BEARER,
    responses=_binary(
        "application/pdf",
        "The authority's declaration form for the item's vigilance (FEIR, cerfa 10011, cerfa 10246...), "
        "in French, pre-filled from the case file: blank boxes for what is still to write, the list of what "
        "is missing before sending; times in Europe/Paris. Stored as a generated document (`declaration_pdf`): "
        "the same version while the case file prints the same, a new one when it changed.",
    ),
)
@declares_errors(
    bp,
    *TOKEN_ERRORS,
    404,
    said={404: "No such item, not one the caller may open, or no declaration form is described for its vigilance."},
)
@token_required
def declaration_pdf(item_id: int):
    """The item's declaration form as a PDF (generated or the latest version; audited)."""
    now = utcnow()
    with write_transaction(get_session()) as db:
        document, _new = declaration_form.generate(db, item_id=item_id, actor=g.user, now=now)
        documents.record_download(db, document, reader=g.user, now=now, door="api")
        reference = db.get(Report, document.report_id).reference
    response = download(document.content, document.media_type, documents.file_name(document, reference))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _line_list(args: dict, queue: str, door: str):
    check_days(args)
    db = get_session()
    now = utcnow()
    filters = queue_filter(args)
    lines = line_list.line_list(db, queue=queue, actor=g.user, filters=filters, now=now)
    with write_transaction(db):
        audit.record_list_read(
            db, actor=g.user, now=now, queue=queue, filters=filters, cursor=None, shown=len(lines), door=door
        )
    return lines, now


_LIST_ERRORS = {404: "No such queue, or not one the caller works."}
_LINE_LIST_SCHEMA = LineListArgsSchema(exclude=("cursor",))


@bp.route("/queues/<string:queue>/line-list.csv", methods=["GET"], endpoint="line_list_csv")
@bp.arguments(_LINE_LIST_SCHEMA, location="query", unknown=RAISE)
@bp.doc(
    security=BEARER,
    responses=_binary(
        "text/csv",
        "One line per item the filters find (every page), a file to save: for French spreadsheets unless "
        "`lang=en` (`;`, UTF-8 with a byte-order mark, dates as dd/mm/yyyy hh:mm in Europe/Paris); a cell "
        "a spreadsheet would run as a formula starts with `'`.",
    ),
)
@declares_errors(bp, *TOKEN_ERRORS, 404, said=_LIST_ERRORS)
@token_required
def line_list_csv(args, queue: str):
    """The queue's cases as a CSV line list, with the queue list's filters (audited as a list read)."""
    lines, now = _line_list(args, queue, "api-export")
    language = args.get("lang", DEFAULT_LANGUAGE)
    text = spreadsheets.csv_text(spreadsheets.LINE_LIST_COLUMNS, spreadsheets.line_list_rows(lines, language), language)
    return download(text.encode(), "text/csv", f"{line_list.file_stem(queue, now)}.csv")


class DeclaredSchema(Schema):
    authority = fields.String(required=True)
    authority_reference = fields.String(required=True)
    declared_at = fields.String(required=True, metadata={"description": "ISO 8601, UTC."})


class DeadlineStateSchema(Schema):
    due_at = fields.String(allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(["open", "overdue", "met", "missed", "waived"]))


class CaseLineSchema(Schema):
    item_id = fields.Integer(required=True)
    report_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    received_at = fields.String(required=True, metadata={"description": "ISO 8601, UTC."})
    occurred_at = fields.String(required=True)
    queue = fields.String(required=True)
    category = fields.String(required=True)
    products = fields.List(fields.String(), required=True)
    serious = fields.Boolean(required=True)
    severity_grade = fields.Integer(
        allow_none=True, metadata={"description": "The latest assessment's, else the reporter's."}
    )
    status = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    deadline = fields.Nested(DeadlineStateSchema, allow_none=True)
    declarations = fields.List(fields.Nested(DeclaredSchema), required=True)


class LineListSchema(Schema):
    queue = fields.String(required=True)
    generated_at = fields.String(required=True)
    count = fields.Integer(required=True)
    items = fields.List(fields.Nested(CaseLineSchema), required=True)


@bp.route("/queues/<string:queue>/line-list.json", methods=["GET"], endpoint="line_list_json")
@bp.arguments(_LINE_LIST_SCHEMA, location="query", unknown=RAISE)
@bp.response(200, LineListSchema)
@declares_errors(bp, *TOKEN_ERRORS, 404, said=_LIST_ERRORS)
@bp.doc(security=BEARER)
@token_required
def line_list_json(args, queue: str):
    """The queue's cases as a JSON line list, with the queue list's filters (audited as a list read)."""
    lines, now = _line_list(args, queue, "api-export")
    return line_list.list_document(queue, lines, now)
