"""Generated documents: the E2B(R3) message of a pharmacovigilance item, and downloads.

``GET /queue-items/<id>/declaration.xml`` builds the item's ICSR as the case stands and stores it
as a new version when the case changed (``vigilance.exports.e2b``); ``POST .../nullify`` sends
its nullification; ``GET /documents/<id>`` gives back any stored version, as it was built.
Whoever may open the item may generate, list and download; nullifying is work on the item, by
whoever holds it (as recording a declaration). Generating, listing and every download are audited.
"""

from flask import Response, g, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from app.api.errors import BEARER, BODY_ERRORS, TOKEN_ERRORS, declares_errors
from app.auth import token_required
from app.db import get_session
from vigilance import audit, documents
from vigilance.clock import utcnow
from vigilance.exports import e2b
from vigilance.item_file import open_item
from vigilance.models import GeneratedDocument, Report
from vigilance.storage.transaction import write_transaction

bp = Blueprint("documents", __name__, url_prefix="/api/v1", description="Generated documents (E2B(R3) messages...).")

_SAID = {
    404: "No such item or document, not one the caller may open, or (declaration.xml) not a pharmacovigilance item.",
    409: (
        "A colleague holds the item (nullifying is work on the item, as recording a declaration); "
        "no E2B message was generated for the item yet, or it is nullified already."
    ),
}
#: The answers that carry a document rather than JSON: their media type, the document as a string.
_XML_ANSWER = {
    "200": {
        "description": "The ICH E2B(R3) ICSR (HL7 v3 MCCI_IN200100UV01), as stored; an attachment.",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}
_DOCUMENT_ANSWER = {
    "200": {
        "description": "The document as it was generated, in its media type; an attachment.",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/xml", "application/pdf", "application/fhir+json")
        },
    }
}


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    queue_item_id = fields.Integer(allow_none=True)
    report_id = fields.Integer(required=True)
    kind = fields.String(
        required=True, metadata={"description": "e2b_icsr, declaration_pdf, case_sheet_pdf, fhir_bundle..."}
    )
    version = fields.Integer(required=True)
    media_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    created_by = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    message_id = fields.String(allow_none=True, metadata={"description": "E2B N.1.2 batch number."})
    safety_report_id = fields.String(allow_none=True, metadata={"description": "E2B C.1.1."})
    worldwide_case_id = fields.String(allow_none=True, metadata={"description": "E2B C.1.8.1."})
    message_kind = fields.String(allow_none=True, metadata={"description": "E2B: initial, follow_up or nullification."})
    download = fields.String(required=True, metadata={"description": "GET it for the document itself."})


class DocumentListSchema(Schema):
    documents = fields.List(fields.Nested(DocumentSchema), required=True)


class NullifySchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=e2b.REASON_MAX),
        metadata={"description": "Why the declaration is nullified (E2B C.1.11.2)."},
    )


def _described(document: GeneratedDocument) -> dict:
    return {
        **{name: getattr(document, name) for name in DocumentSchema().fields if name != "download"},
        "download": url_for("documents.get_document", document_id=document.id),
    }


def _download(document: GeneratedDocument, reference: str) -> Response:
    return Response(
        document.content,
        mimetype=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{documents.file_name(document, reference)}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/queue-items/<int:item_id>/declaration.xml", methods=["GET"])
@bp.doc(responses=_XML_ANSWER)
@declares_errors(bp, *TOKEN_ERRORS, 404, said=_SAID)
@bp.doc(security=BEARER)
@token_required
def declaration_xml(item_id: int):
    """The item's E2B(R3) ICSR as the case stands (pharmacovigilance items only).

    Stored as a new version when the case changed since the last one (initial first, follow-up
    after: same C.1.1 and C.1.8.1, later C.1.2); the same version otherwise. Once nullified, the
    nullification is given.
    """
    now = utcnow()
    with write_transaction(get_session()) as db:
        document, _new = e2b.generate(db, item_id=item_id, actor=g.user, now=now)
        documents.record_download(db, document, reader=g.user, now=now, door="api")
        reference = db.get(Report, document.report_id).reference
    return _download(document, reference)


@bp.route("/queue-items/<int:item_id>/declaration.xml/nullify", methods=["POST"])
@bp.arguments(NullifySchema)
@bp.response(201, DocumentSchema)
@declares_errors(bp, *BODY_ERRORS, *TOKEN_ERRORS, 404, 409, said=_SAID)
@bp.doc(security=BEARER)
@token_required
def nullify_declaration(args, item_id: int):
    """Nullify the item's E2B(R3) ICSR: a new version with C.1.11.1 = 1 and the reason in C.1.11.2.

    For a declaration already sent (an ICSR was generated). By whoever holds the item (an unheld
    item is taken), or a coordinator: 409 for a colleague, as for recording a declaration. A NIR
    in the reason is refused (422 on ``reason``). Later ``GET .../declaration.xml`` give the
    nullification.
    """
    now = utcnow()
    with write_transaction(get_session()) as db:
        document = e2b.nullify(db, item_id=item_id, actor=g.user, reason=args["reason"], now=now)
    return _described(document)


@bp.route("/queue-items/<int:item_id>/documents", methods=["GET"])
@bp.response(200, DocumentListSchema)
@declares_errors(bp, *TOKEN_ERRORS, 404, said=_SAID)
@bp.doc(security=BEARER)
@token_required
def item_documents(item_id: int):
    """The documents generated for the item, by kind, newest version first (without their content).

    Audited as a read of the item's documents.
    """
    db = get_session()
    item = open_item(db, item_id, g.user)
    listed = [_described(d) for d in documents.list_for_item(db, item.id)]
    with write_transaction(db):
        audit.record(
            db,
            actor=g.user,
            action="read",
            now=utcnow(),
            report_id=item.report_id,
            target=f"api:item:{item.id}:documents",
        )
    return {"documents": listed}


@bp.route("/documents/<int:document_id>", methods=["GET"])
@bp.doc(responses=_DOCUMENT_ANSWER)
@declares_errors(bp, *TOKEN_ERRORS, 404, said=_SAID)
@bp.doc(security=BEARER)
@token_required
def get_document(document_id: int):
    """A generated document, as stored (an attachment): to whoever may open its item."""
    now = utcnow()
    with write_transaction(get_session()) as db:
        document = documents.get(db, document_id, g.user)
        documents.record_download(db, document, reader=g.user, now=now, door="api")
        reference = db.get(Report, document.report_id).reference
    return _download(document, reference)
