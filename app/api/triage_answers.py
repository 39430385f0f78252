"""What the triage API answers: the schemas that dump queue items, their files and what hangs on them.

Each field sent is named here, so the OpenAPI document says exactly what a client gets; rows of
the database are dumped through these schemas, never sent whole.
"""

from marshmallow import Schema, fields

from app.api.attachments import AttachmentSchema
from app.api.fields import enum_string
from app.api.reports import ReportOutSchema
from routing import Category, Queue
from vigilance.models import DeadlineState, ItemStatus


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class TimeLeftSchema(Schema):
    """How long until the item's next deadline, in the clock its rule counts in."""

    overdue = fields.Boolean(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Whole units of ``unit``, never negative."})
    unit = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "The same, said plainly."})


class QueueItemSchema(Schema):
    id = fields.Integer(required=True)
    report_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    queue = enum_string(Queue, required=True)
    status = enum_string(ItemStatus, required=True)
    assignee = fields.Nested(PersonSchema, allow_none=True, required=True)
    next_due_at = fields.DateTime(allow_none=True, required=True)
    time_left = fields.Nested(TimeLeftSchema, allow_none=True)
    serious = fields.Boolean()
    category = enum_string(Category)
    product = fields.String()
    received_at = fields.DateTime()
    version = fields.Integer(metadata={"description": "Changes with every change of the item."})
    outcome = fields.String(
        allow_none=True,
        metadata={"description": "How a closed item ended, or why it was closed (requalified elsewhere)."},
    )
    information_copy = fields.Boolean(
        metadata={"description": "An information copy from another vigilance: no declaration deadline of its own."}
    )


class QueueListSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema), required=True)
    next = fields.String(allow_none=True, required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class AssessmentSchema(Schema):
    id = fields.Integer(required=True)
    queue_item_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    severity_grade = fields.Integer(allow_none=True)
    imputability = fields.String(allow_none=True)
    imputability_scale = fields.String()
    seriousness_criteria = fields.List(fields.String())
    reaction_type = fields.String(allow_none=True)
    investigation_status = fields.String(allow_none=True)
    comment = fields.String()
    assessed_by = fields.Integer()
    assessed_at = fields.DateTime()


class InformationRequestSchema(Schema):
    id = fields.Integer(required=True)
    question = fields.String(required=True)
    answer = fields.String(allow_none=True, required=True)
    queue_item_id = fields.Integer()
    report_id = fields.Integer()
    asked_by = fields.Integer()
    asked_at = fields.DateTime()
    answered_by = fields.Integer(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(
        allow_none=True, metadata={"description": "Withdrawn unanswered when its item was closed."}
    )


class DeclarationOutSchema(Schema):
    id = fields.Integer(required=True)
    queue_item_id = fields.Integer()
    authority = fields.String(required=True)
    authority_reference = fields.String(required=True)
    declared_at = fields.DateTime(required=True)
    declared_on = fields.Date(required=True)
    kind = fields.String(required=True)
    recorded_by = fields.Integer()
    recorded_at = fields.DateTime()
    document_id = fields.Integer(allow_none=True, metadata={"description": "The generated document sent, if named."})


class ItemDeadlineSchema(Schema):
    """One of the item's own deadlines, as the workflow keeps it."""

    id = fields.Integer(required=True)
    report_id = fields.Integer()
    queue_item_id = fields.Integer()
    queue = enum_string(Queue, required=True)
    kind = fields.String(required=True)
    rule_id = fields.String()
    description = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "fr, en"})
    unit = fields.String()
    without_delay = fields.Boolean()
    due_at = fields.DateTime(allow_none=True, required=True)
    state = enum_string(DeadlineState, required=True)
    settled_at = fields.DateTime(allow_none=True)
    waiver_reason = fields.String(allow_none=True)
    legal_basis = fields.List(fields.String())


class PossibleDuplicateSchema(Schema):
    report_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True)


class LinkedReportSchema(Schema):
    report_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    reference = fields.String(metadata={"description": "The other report's reference."})
    queues = fields.List(fields.String(), metadata={"description": "The other report's queues."})


class FollowupStepSchema(Schema):
    """One dated check of the item's follow-up plan."""

    plan = fields.String(required=True, metadata={"description": "The plan's rulebook id."})
    kind = fields.String(required=True)
    title = fields.String(required=True)
    step = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"description": "J+7, A+3... (D+7, Y+3 in English)"})
    check = fields.String(required=True, metadata={"description": "What to check at this step."})
    due_at = fields.DateTime(required=True)
    done_at = fields.DateTime(allow_none=True, required=True)
    done_by = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    legal_basis = fields.List(fields.String())


class CopyOfferSchema(Schema):
    queue = enum_string(Queue, required=True)
    rule = fields.String(required=True)
    explanation = fields.String()
    legal_basis = fields.List(fields.String(), required=True)


class CopyLinkSchema(Schema):
    """The other end of an information copy: the item, its queue, the rule and its legal basis."""

    item_id = fields.Integer(required=True)
    queue = enum_string(Queue, required=True)
    rule = fields.String(required=True)
    explanation = fields.String()
    legal_basis = fields.List(fields.String(), required=True)


class HistoryEntrySchema(Schema):
    at = fields.DateTime(required=True)
    who = fields.String(required=True)
    action = fields.String(required=True)
    target = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class ReporterSchema(Schema):
    """Who reported and how to reach them: their account's name and email, the report's unit and phone."""

    name = fields.String(required=True)
    email = fields.String(required=True)
    unit = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)


class ItemDetailSchema(QueueItemSchema):
    report = fields.Nested(ReportOutSchema)
    reporter = fields.Nested(ReporterSchema)
    assessments = fields.List(fields.Nested(AssessmentSchema), metadata={"description": "The latest first."})
    information_requests = fields.List(fields.Nested(InformationRequestSchema))
    declarations = fields.List(fields.Nested(DeclarationOutSchema))
    deadlines = fields.List(fields.Nested(ItemDeadlineSchema))
    possible_duplicates = fields.List(fields.Nested(PossibleDuplicateSchema))
    links = fields.List(fields.Nested(LinkedReportSchema))
    history = fields.List(fields.Nested(HistoryEntrySchema))
    followup_steps = fields.List(fields.Nested(FollowupStepSchema))
    copy_of = fields.Nested(
        CopyLinkSchema, allow_none=True, metadata={"description": "The item this information copy copies."}
    )
    copies_sent = fields.List(
        fields.Nested(CopyLinkSchema), metadata={"description": "The information copies this item sent."}
    )
    copies_offered = fields.List(
        fields.Nested(CopyOfferSchema),
        metadata={"description": "Copies a text lets the correspondent send (POST .../information-copies)."},
    )
    attachments = fields.List(
        fields.Nested(AttachmentSchema),
        metadata={"description": "Files attached by the reporter, and to the report's items the caller opens."},
    )


class LinkOutSchema(Schema):
    report_id = fields.Integer(required=True)
    other_report_id = fields.Integer(required=True)
    reason = fields.String(required=True)
