"""``/api/v1/queue-items/<id>/case-file``: the item's declaration form, its data, what it still needs."""

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from app.api.errors import BEARER, BODY_ERRORS, TOKEN_ERRORS, declares_errors
from app.api.fields import INTEGER_MAX, StrictInteger
from app.auth import token_required
from app.db import get_session
from app.errors import json_error
from app.language import response_language
from vigilance import audit
from vigilance import case_file as cases
from vigilance.case_file.description import Field, Form, Kind
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput
from vigilance.i18n import say
from vigilance.item_file import open_item
from vigilance.storage.transaction import write_transaction

bp = Blueprint(
    "case_files",
    __name__,
    url_prefix="/api/v1",
    description="Case files: the data each authority's declaration form asks, per item.",
)


class ChoiceOutSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class SubFieldOutSchema(Schema):
    """A field of the form, or of one of its groups."""

    name = fields.String(required=True, metadata={"description": "Its key in ``data`` (or in a group's rows)."})
    label = fields.String(required=True, metadata={"description": "In the reader's language."})
    label_fr = fields.String(required=True, metadata={"description": "The form's own (French) wording."})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in Kind]))
    filled_by = fields.String(required=True, validate=validate.OneOf(["reporter", "correspondent"]))
    needed = fields.Boolean(required=True, metadata={"description": "Needed before the form can be sent."})
    unless = fields.List(fields.String(), required=True)
    source = fields.String(
        required=True,
        metadata={"description": "READ (with its source in docs/declaration-forms.md) or INFERRED."},
    )
    unit = fields.String(allow_none=True)
    minimum = fields.Float(allow_none=True)
    maximum = fields.Float(allow_none=True)
    max_length = fields.Integer(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceOutSchema), required=True)
    help = fields.String(allow_none=True)


class FieldOutSchema(SubFieldOutSchema):
    max_rows = fields.Integer(allow_none=True)
    # Last: the name hides marshmallow's module in the rest of the class body.
    fields = fields.List(fields.Nested(SubFieldOutSchema), required=True, metadata={"description": "A group's."})


class SectionOutSchema(Schema):
    name = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True)
    fields = fields.List(fields.Nested(FieldOutSchema), required=True)


class FormOutSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    authority = fields.String(required=True)
    reference = fields.String(required=True)
    order_source = fields.String(required=True, metadata={"description": "Whether the sections' order was READ."})
    notes = fields.List(fields.String(), required=True)
    sections = fields.List(fields.Nested(SectionOutSchema), required=True)


class MissingFieldSchema(Schema):
    path = fields.String(required=True, metadata={"description": "``units.0.product_code``"})
    label = fields.String(required=True)


class MissingSectionSchema(Schema):
    section = fields.String(required=True)
    title = fields.String(required=True)
    fields = fields.List(fields.Nested(MissingFieldSchema), required=True)


class CaseWarningSchema(Schema):
    field = fields.String(required=True)
    code = fields.String(required=True, validate=validate.OneOf(["donation_number_format_unknown"]))
    message = fields.String(required=True)


class CaseFileOutSchema(Schema):
    item_id = fields.Integer(required=True)
    form = fields.Nested(FormOutSchema, required=True)
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "The form's fields by name; a group is a list of objects; dates ISO 8601."},
    )
    version = fields.Integer(
        required=True, metadata={"description": "0 while not stored yet: what the report says. Send it back."}
    )
    updated_at = fields.DateTime(allow_none=True, required=True)
    updated_by = fields.Integer(allow_none=True, required=True)
    missing = fields.List(
        fields.Nested(MissingSectionSchema),
        required=True,
        metadata={"description": "Per section, what is still needed before the form can be sent."},
    )
    ready = fields.Boolean(required=True, metadata={"description": "Nothing is missing."})
    warnings = fields.List(fields.Nested(CaseWarningSchema), required=True)


class CaseFileInSchema(Schema):
    class Meta:
        unknown = RAISE

    based_on_version = StrictInteger(
        required=True,
        validate=validate.Range(min=0, max=INTEGER_MAX),
        metadata={
            "description": "The version the caller saw (0 for a file not stored yet): refused with 409 if stale."
        },
    )
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        required=True,
        metadata={
            "description": "The fields to set, by name (``null`` clears one; a group given replaces all its rows). "
            "Fields not given are kept. Checked against the form: errors by path "
            "(``data.units.0.donation_number``)."
        },
    )


def _field_document(spec: Field, language: str) -> dict[str, Any]:
    document = {
        "name": spec.name,
        "label": say(spec.label, language),
        "label_fr": say(spec.label, "fr"),
        "kind": spec.kind.value,
        "filled_by": spec.filled_by.value,
        "needed": spec.needed,
        "unless": list(spec.unless),
        "source": spec.source,
        "unit": spec.unit or None,
        "minimum": spec.minimum,
        "maximum": spec.maximum,
        "max_length": spec.max_length if spec.kind in (Kind.TEXT, Kind.LONG_TEXT) else None,
        "choices": [{"code": c.code, "label": say(c.label, language)} for c in spec.choices],
        "help": say(spec.help, language) if spec.help else None,
    }
    if spec.kind == Kind.GROUP:
        document["fields"] = [_field_document(sub, language) for sub in spec.fields]
        document["max_rows"] = spec.max_rows
    else:
        document["fields"] = []
    return document


def form_document(form: Form, language: str) -> dict[str, Any]:
    """The form's description, in *language* (the French wording beside each label)."""
    return {
        "id": form.id,
        "title": say(form.title, language),
        "authority": form.authority,
        "reference": form.reference,
        "order_source": form.order_source,
        "notes": [say(note, language) for note in form.notes],
        "sections": [
            {
                "name": section.name,
                "title": say(section.title, language),
                "source": section.source,
                "fields": [_field_document(spec, language) for spec in section.fields],
            }
            for section in form.sections
        ],
    }


def case_file_document(case: cases.CaseFile, language: str) -> dict[str, Any]:
    return {
        "item_id": case.item_id,
        "form": form_document(case.form, language),
        "data": case.data,
        "version": case.version,
        "updated_at": case.updated_at,
        "updated_by": case.updated_by,
        "missing": [
            {
                "section": gap.section.name,
                "title": say(gap.section.title, language),
                "fields": [
                    {"path": path, "label": say(spec.label, language)}
                    for path, spec in zip(gap.paths, gap.fields, strict=True)
                ],
            }
            for gap in case.missing()
        ],
        "ready": case.ready,
        "warnings": [{**w, "message": say(w["message"], language)} for w in case.warnings],
    }


_SAID = {
    404: "No such item, not one the caller works, or no form described for its vigilance yet.",
    409: "Another person holds the item, or the case file changed since the version sent (``current``).",
}


@bp.route("/queue-items/<int:item_id>/case-file")
class CaseFileView(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, CaseFileOutSchema)
    @declares_errors(bp, *TOKEN_ERRORS, 404, said=_SAID)
    @token_required
    def get(self, item_id: int):
        """The item's declaration form, its data, its version, and what is still missing per section."""
        db = get_session()
        item = open_item(db, item_id, g.user)
        case = cases.case_file_of(db, item)
        with write_transaction(db):
            audit.record(
                db,
                actor=g.user,
                action="read",
                now=utcnow(),
                report_id=item.report_id,
                target=f"item:{item.id}:case_file",
            )
        return case_file_document(case, response_language())

    @bp.doc(security=BEARER)
    @bp.arguments(CaseFileInSchema())
    @bp.response(200, CaseFileOutSchema)
    @declares_errors(bp, *BODY_ERRORS, *TOKEN_ERRORS, 404, 409, said=_SAID)
    @token_required
    def put(self, args, item_id: int):
        """Complete the item's case file (refused with 409 if stale); audited with the fields changed."""
        language = response_language()
        open_item(get_session(), item_id, g.user)  # 404, as the item's GET, for whoever may not open it
        try:
            with write_transaction(get_session()) as db:
                case = cases.save(
                    db,
                    item_id=item_id,
                    actor=g.user,
                    data=args["data"],
                    based_on_version=args["based_on_version"],
                    now=utcnow(),
                )
        except cases.StaleCaseFile as stale:
            message = stale.say(language)
            return json_error(
                409, message, {"based_on_version": [message]}, current=case_file_document(stale.current, language)
            )
        except InvalidInput as refused:
            raise InvalidInput({f"data.{path}": messages for path, messages in refused.errors.items()}) from None
        return case_file_document(case, language)
