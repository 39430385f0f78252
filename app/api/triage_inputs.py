"""The triage actions' inputs: what the API validates, and what the pages turn their forms into."""

from marshmallow import RAISE, Schema, fields, validate

from app.api.fields import INTEGER_MAX, StrictBoolean, StrictInteger, stored_text
from routing import Category, Queue
from routing.scales import AUTHORITIES, INVESTIGATION_STATUSES, OUTCOMES, SERIOUSNESS_CRITERIA
from vigilance.models import Assessment, Declaration, FollowupStep, InformationRequest, QueueItem, ReportLink

#: A row id, or a version, as the databases' integers hold them.
ROW_ID = validate.Range(min=1, max=INTEGER_MAX)


class ExpectedVersionSchema(Schema):
    class Meta:
        unknown = RAISE

    expected_version = StrictInteger(
        validate=ROW_ID,
        metadata={"description": "The item's version the caller saw: refused with 409 if it changed since."},
    )


class AssignSchema(ExpectedVersionSchema):
    assignee_id = StrictInteger(required=True, validate=ROW_ID)


class AssessSchema(Schema):
    class Meta:
        unknown = RAISE

    based_on_version = StrictInteger(
        required=True,
        validate=validate.Range(min=0, max=INTEGER_MAX),
        metadata={"description": "The assessment version the caller saw (0 for none)."},
    )
    severity_grade = StrictInteger(validate=validate.Range(min=1, max=4), allow_none=True)
    imputability = stored_text(Assessment.imputability, allow_none=True)
    seriousness_criteria = fields.List(fields.String(validate=validate.OneOf(SERIOUSNESS_CRITERIA)))
    reaction_type = stored_text(Assessment.reaction_type, allow_none=True)
    investigation_status = fields.String(validate=validate.OneOf(INVESTIGATION_STATUSES), allow_none=True)
    comment = stored_text(Assessment.comment)


class QuestionSchema(Schema):
    class Meta:
        unknown = RAISE

    question = stored_text(InformationRequest.question, required=True)


class AnswerSchema(Schema):
    class Meta:
        unknown = RAISE

    answer = stored_text(InformationRequest.answer, required=True)


class DeclarationSchema(Schema):
    class Meta:
        unknown = RAISE

    authority = fields.String(required=True, validate=validate.OneOf(AUTHORITIES))
    authority_reference = stored_text(Declaration.authority_reference, required=True)
    declared_at = fields.DateTime(
        metadata={
            "description": "When the declaration was made (ISO 8601; without an offset, the time in France). "
            "It meets a deadline when not later than its due time."
        }
    )
    declared_on = fields.Date(
        metadata={
            "description": "The day only, as first accepted: it stands for the end of that day in France, or now "
            "if that is earlier (a declaration on the due day is on time only when recorded before the due time). "
            "Give declared_at instead."
        }
    )
    kind = fields.String(load_default="initial", validate=validate.OneOf(["initial", "follow_up"]))
    document_id = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={
            "description": "The generated document sent (GET /queue-items/<id>/declaration.xml...): one of the item's."
        },
    )
    # Neither or both: refused by the domain (vigilance.triage.declare), with the field.


class RequalifySchema(Schema):
    class Meta:
        unknown = RAISE

    category = fields.Enum(Category, by_value=True, required=True)
    # Kept as the closing note of the items it closes elsewhere.
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class CloseSchema(Schema):
    class Meta:
        unknown = RAISE

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = stored_text(QueueItem.closing_note, load_default="")
    withdraw_questions = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Withdraw the questions still waiting for the reporter's answer. Without it, an "
            "item with such a question is refused with 422 on ``withdraw_questions``."
        },
    )


class ReasonSchema(Schema):
    class Meta:
        unknown = RAISE

    # A link's reason, a deadline's waiver or a reopening's (the audit trail): the shorter columns'.
    reason = stored_text(ReportLink.reason, required=True)


class FollowupStepDoneSchema(Schema):
    """A step of the item's follow-up plan done: which one (its plan and number), and what was found."""

    class Meta:
        unknown = RAISE

    plan = stored_text(FollowupStep.plan_id, required=True, metadata={"description": "The plan's rulebook id."})
    step = StrictInteger(required=True, validate=validate.Range(min=1, max=1_000))
    note = stored_text(FollowupStep.note, required=True)


class InformationCopySchema(Schema):
    """Send the report to another vigilance for information, where a text leaves it to the correspondent."""

    class Meta:
        unknown = RAISE

    queue = fields.String(required=True, validate=validate.OneOf([q.value for q in Queue]))


class DeadlineWaiverSchema(ReasonSchema):
    """A waiver from the item's page, which names the deadline in its form."""

    deadline_id = StrictInteger(required=True, validate=ROW_ID)


class LinkSchema(ReasonSchema):
    other_report_id = StrictInteger(required=True, validate=ROW_ID)
