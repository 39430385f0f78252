"""The triage actions' inputs: what the API validates, and what the pages turn their forms into."""

from marshmallow import RAISE, Schema, fields, validate

from app.api.fields import StrictInteger
from routing import Category
from routing.scales import AUTHORITIES, INVESTIGATION_STATUSES, OUTCOMES, SERIOUSNESS_CRITERIA


class ExpectedVersionSchema(Schema):
    class Meta:
        unknown = RAISE

    expected_version = StrictInteger(
        validate=validate.Range(min=1),
        metadata={"description": "The item's version the caller saw: refused with 409 if it changed since."},
    )


class AssignSchema(ExpectedVersionSchema):
    assignee_id = StrictInteger(required=True, validate=validate.Range(min=1))


class AssessSchema(Schema):
    class Meta:
        unknown = RAISE

    based_on_version = StrictInteger(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "The assessment version the caller saw (0 for none)."},
    )
    severity_grade = StrictInteger(validate=validate.Range(min=1, max=4), allow_none=True)
    imputability = fields.String(validate=validate.Length(max=24), allow_none=True)
    seriousness_criteria = fields.List(fields.String(validate=validate.OneOf(SERIOUSNESS_CRITERIA)))
    reaction_type = fields.String(validate=validate.Length(max=64), allow_none=True)
    investigation_status = fields.String(validate=validate.OneOf(INVESTIGATION_STATUSES), allow_none=True)
    comment = fields.String(validate=validate.Length(max=5000))


class QuestionSchema(Schema):
    class Meta:
        unknown = RAISE

    question = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AnswerSchema(Schema):
    class Meta:
        unknown = RAISE

    answer = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class DeclarationSchema(Schema):
    class Meta:
        unknown = RAISE

    authority = fields.String(required=True, validate=validate.OneOf(AUTHORITIES))
    authority_reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    declared_on = fields.Date(required=True)
    kind = fields.String(load_default="initial", validate=validate.OneOf(["initial", "follow_up"]))


class RequalifySchema(Schema):
    class Meta:
        unknown = RAISE

    category = fields.Enum(Category, by_value=True, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class CloseSchema(Schema):
    class Meta:
        unknown = RAISE

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class ReasonSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class LinkSchema(ReasonSchema):
    other_report_id = StrictInteger(required=True, validate=validate.Range(min=1))
