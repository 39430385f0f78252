"""``/api/v1/drafts``: the report form's drafts, as the pages keep them, for API clients too.

A draft's fields are the report form's, as text, each no longer than a report allows; only the
owner sees a draft (anyone else: 404, as for a draft that does not exist); every read and change
is audited, as reports' are (``vigilance.drafts``).
"""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from app.api.errors import BEARER, BODY_ERRORS, TOKEN_ERRORS, declares_errors
from app.auth import token_required
from app.db import get_session
from vigilance import drafts
from vigilance.clock import utcnow
from vigilance.models import ReportDraft
from vigilance.storage.transaction import write_transaction

bp = Blueprint("drafts", __name__, url_prefix="/api/v1", description="Drafts of reports, not filed yet.")


#: The report form's fields as typed (``/reports/new``), each as text no longer than a report allows.
DraftFieldsSchema = Schema.from_dict(
    {name: fields.String(validate=validate.Length(max=limit)) for name, limit in drafts.FIELD_LENGTHS.items()},
    name="DraftFieldsSchema",
)


class DraftInSchema(Schema):
    class Meta:
        unknown = RAISE

    typed = fields.Nested(DraftFieldsSchema, required=True, data_key="fields", attribute="fields")


class DraftCreateSchema(DraftInSchema):
    form_token = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"),
        metadata={"description": "The form's one-time key; a new one when left out."},
    )


class DraftOutSchema(Schema):
    id = fields.Integer(required=True)
    form_token = fields.String(required=True)
    typed = fields.Nested(DraftFieldsSchema, required=True, data_key="fields", attribute="fields")
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class DraftListSchema(Schema):
    items = fields.List(fields.Nested(DraftOutSchema), required=True)


def _document(draft: ReportDraft) -> dict:
    return {
        "id": draft.id,
        "form_token": draft.form_token,
        "fields": draft.fields,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }


_NOT_YOURS = {404: "No such draft, or not one of the caller's."}


@bp.route("/drafts")
class Drafts(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, DraftListSchema)
    @declares_errors(bp, *TOKEN_ERRORS)
    @token_required
    def get(self):
        """The caller's drafts, the latest changed first."""
        with write_transaction(get_session()) as db:
            found = drafts.own_drafts(db, actor=g.user, now=utcnow())
        return {"items": [_document(d) for d in found]}

    @bp.doc(security=BEARER)
    @bp.arguments(DraftCreateSchema())
    @bp.response(201, DraftOutSchema)
    @declares_errors(bp, *BODY_ERRORS, *TOKEN_ERRORS)
    @token_required
    def post(self, body):
        """Keep a draft (saving again with the same ``form_token`` updates it)."""
        with write_transaction(get_session()) as db:
            draft = drafts.save(
                db,
                owner=g.user,
                form_token=body.get("form_token") or uuid.uuid4().hex,
                fields=body["fields"],
                now=utcnow(),
            )
        return _document(draft)


@bp.route("/drafts/<int:draft_id>")
class DraftById(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, DraftOutSchema)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said=_NOT_YOURS)
    @token_required
    def get(self, draft_id: int):
        """One of the caller's drafts."""
        with write_transaction(get_session()) as db:
            draft = drafts.get(db, draft_id=draft_id, actor=g.user, now=utcnow())
        return _document(draft)

    @bp.doc(security=BEARER)
    @bp.arguments(DraftInSchema())
    @bp.response(200, DraftOutSchema)
    @declares_errors(bp, *BODY_ERRORS, *TOKEN_ERRORS, 404, said=_NOT_YOURS)
    @token_required
    def put(self, body, draft_id: int):
        """Replace the draft's fields with these."""
        with write_transaction(get_session()) as db:
            draft = drafts.update(db, draft_id=draft_id, actor=g.user, fields=body["fields"], now=utcnow())
        return _document(draft)

    @bp.doc(security=BEARER)
    @bp.response(204)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said=_NOT_YOURS)
    @token_required
    def delete(self, draft_id: int):
        """Delete the draft."""
        with write_transaction(get_session()) as db:
            drafts.remove(db, draft_id=draft_id, actor=g.user, now=utcnow())
        return ""
