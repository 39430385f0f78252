"""``/api/v1/.../attachments``: files attached to a report by its reporter, or to a queue item by
its correspondents; listed and downloaded by whoever may read them (``vigilance.attachments``)."""

from flask import g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from app import attachment_doors
from app.api.errors import BEARER, TOKEN_ERRORS, declares_errors
from app.auth import token_required
from app.db import get_session
from vigilance import attachments
from vigilance.clock import utcnow
from vigilance.models import Attachment
from vigilance.storage.transaction import write_transaction

bp = Blueprint("attachments", __name__, url_prefix="/api/v1", description="Files attached to reports and queue items.")

_ACCEPTED = "PDF, JPEG, PNG, WebP or HEIC, as its content shows (not its name or Content-Type)"


class AttachmentUploadSchema(Schema):
    """The multipart form of an upload: the file, and what it is, in a few words."""

    file = Upload(
        required=True,
        metadata={
            "description": f"{_ACCEPTED}; at most ``VIGILANCE_ATTACHMENTS_MAX_BYTES`` (10 MiB by default): "
            "a larger file is refused with 413, another type with 422, each on ``file``."
        },
    )
    description = fields.String(
        validate=validate.Length(max=attachments.DESCRIPTION_MAX_LENGTH),
        metadata={"description": "What the file shows (a form field beside the file)."},
    )


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    report_id = fields.Integer(required=True)
    queue_item_id = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "The item it was attached to by a correspondent; null: by the reporter."},
    )
    file_name = fields.String(required=True, metadata={"description": "The name given, made safe."})
    media_type = fields.String(required=True, metadata={"description": "As read from the content."})
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    description = fields.String(allow_none=True, required=True)
    uploaded_by = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)
    download_url = fields.String(required=True)


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema), required=True)


def attachment_document(attachment: Attachment) -> dict:
    """An attachment as the API shows it, for :class:`AttachmentSchema` to dump."""
    return {
        "id": attachment.id,
        "report_id": attachment.report_id,
        "queue_item_id": attachment.queue_item_id,
        "file_name": attachment.file_name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "description": attachment.description,
        "uploaded_by": attachment.uploaded_by,
        "uploaded_at": attachment.uploaded_at,
        "download_url": url_for("attachments.download", attachment_id=attachment.id),
    }


_UPLOAD_ERRORS = (*TOKEN_ERRORS, 400, 404, 413, 422)
_SAID = {
    400: "The body is not a multipart form.",
    403: "The caller reads the report but is not its reporter (correspondents attach to their item).",
    404: "No such report or item, or not one the caller may see.",
    413: "The file (or the body) is larger than the service accepts: ``errors.file`` says the limit.",
    422: "No file, an empty one, one whose content is not an accepted type, or too long a description.",
}


def _upload(**target) -> dict:
    attachment = attachment_doors.upload(
        request.files.get("file"), request.form.get("description"), actor=g.user, **target
    )
    return attachment_document(attachment)


@bp.route("/reports/<int:report_id>/attachments", endpoint="report_attachments")
class ReportAttachments(MethodView):
    # One rule for both methods: with a rule per method, a number too large for a row id was
    # answered 405 by the other method's rule rather than 404.

    @bp.doc(security=BEARER)
    @bp.arguments(AttachmentUploadSchema, location="files", content_type="multipart/form-data")
    @bp.response(201, AttachmentSchema)
    @declares_errors(bp, *_UPLOAD_ERRORS, said=_SAID)
    @token_required
    def post(self, _args, report_id: int):
        """Attach a file to one's report (its reporter only): a document or a photo."""
        return _upload(report_id=report_id)

    @bp.doc(security=BEARER)
    @bp.response(200, AttachmentListSchema)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said={404: "No such report, or not one the caller may see."})
    @token_required
    def get(self, report_id: int):
        """The files attached to a report that the caller may read: the reporter's, and those of
        the items the caller may open."""
        with write_transaction(get_session()) as db:
            found = attachments.list_for_report(db, report_id=report_id, actor=g.user, now=utcnow(), via="api")
        return {"items": [attachment_document(a) for a in found]}


@bp.route("/queue-items/<int:item_id>/attachments", methods=["POST"], endpoint="item_attachments")
@bp.doc(security=BEARER)
@bp.arguments(AttachmentUploadSchema, location="files", content_type="multipart/form-data")
@bp.response(201, AttachmentSchema)
@declares_errors(bp, *_UPLOAD_ERRORS, said=_SAID)
@token_required
def attach_to_item(_args, item_id: int):
    """Attach a file to an item one works: an investigation's document or photo."""
    return _upload(item_id=item_id)


@bp.route("/attachments/<int:attachment_id>", methods=["GET"], endpoint="download")
@bp.doc(
    security=BEARER,
    responses={
        200: {
            "description": "The file, as an attachment to save (``Content-Disposition: attachment``), sandboxed.",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in attachments.ALLOWED_TYPES
            },
        }
    },
)
@declares_errors(bp, *TOKEN_ERRORS, 404, said={404: "No such attachment, or not one the caller may read."})
@token_required
def download(attachment_id: int):
    """Download an attached file (each download is audited)."""
    return attachment_doors.download(attachment_id, actor=g.user, via="api")
