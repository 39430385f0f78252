"""``POST /api/v1/classify``: qualify a product and say where its report would go."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, post_load, validate

from app.api.errors import BODY_ERRORS, declares_errors
from app.api.fields import StrictBoolean, StrictInteger, column_length, enum_string
from app.language import response_language
from routing import Category, EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, Queue, decide
from routing.calendar import REGIONS
from vigilance.i18n import say
from vigilance.models import Report

bp = Blueprint(
    "classify",
    __name__,
    url_prefix="/api/v1",
    description="Product qualification and routing, without personal data and without authentication.",
)

#: A name classify takes is one a report can store.
NAME_MAX_LENGTH = column_length(Report.product_name)


class FeaturesSchema(Schema):
    class Meta:
        unknown = RAISE

    recombinant_nucleic_acid = StrictBoolean(allow_none=True)
    infectious_disease_vaccine = StrictBoolean(allow_none=True)
    substantially_manipulated = StrictBoolean(allow_none=True)
    same_essential_function = StrictBoolean(allow_none=True)
    intended_action = fields.Enum(IntendedAction, by_value=True, allow_none=True)
    incorporates_medical_device = StrictBoolean(allow_none=True)
    industrially_manufactured = StrictBoolean(allow_none=True)
    magistral_preparation = StrictBoolean(allow_none=True)
    ce_marked_device = StrictBoolean(allow_none=True)

    @post_load
    def make(self, data, **_kwargs) -> Features:
        return Features(**data)


class ProductSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(
        required=True,
        validate=validate.Length(max=NAME_MAX_LENGTH),
        metadata={"description": "As a clinician would type it, in French or English."},
    )
    autologous = StrictBoolean(allow_none=True)
    origin = fields.Enum(Origin, by_value=True, allow_none=True)
    features = fields.Nested(FeaturesSchema, allow_none=True)

    @post_load
    def make(self, data, **_kwargs) -> ProductFacts:
        return ProductFacts(
            name=data["name"],
            autologous=data.get("autologous"),
            origin=data.get("origin"),
            features=data.get("features") or Features(),
        )


class ClassifyRequestSchema(Schema):
    """The product and the event; the optional facts refine the deadlines."""

    class Meta:
        unknown = RAISE

    event_kind = fields.Enum(EventKind, by_value=True, required=True)
    product = fields.Nested(ProductSchema, required=True)
    occurred_at = fields.AwareDateTime(
        metadata={"description": "Decide under the rulebook in force on that day (default: today)."}
    )
    serious = StrictBoolean(allow_none=True)
    severity_grade = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=4))
    patient_harm = StrictBoolean(
        allow_none=True, metadata={"description": "For a quality defect: a patient was harmed."}
    )
    region = fields.String(validate=validate.OneOf(sorted(REGIONS)))

    @post_load
    def make(self, data, **_kwargs) -> "ClassifyRequest":
        # The event's date chooses the rulebook; without a receipt there is nothing to date
        # deadlines from, so the facts carry no moments.
        return ClassifyRequest(
            data.get("occurred_at"),
            Facts(
                event_kind=data["event_kind"],
                product=data["product"],
                serious=data.get("serious"),
                severity_grade=data.get("severity_grade"),
                patient_harm=data.get("patient_harm"),
                region=data.get("region") or current_app.config["DEFAULT_REGION"],
            ),
        )


@dataclass(frozen=True)
class ClassifyRequest:
    occurred_at: datetime | None
    facts: Facts

    def decision_date(self, tz) -> date:
        """The day whose rulebook decides: the event's, in the service's zone (today if none)."""
        if self.occurred_at is None:
            return datetime.now(tz).date()
        try:
            return self.occurred_at.astimezone(tz).date()
        except OverflowError:  # year 1 or 9999 at the edge of a zone: its own date will do
            return self.occurred_at.date()


class MatchedSchema(Schema):
    by = fields.String(validate=validate.OneOf(["catalogue", "questionnaire", "none"]), required=True)
    entry = fields.String(allow_none=True, required=True)
    label = fields.String()
    alias = fields.String()
    source = fields.String()


class CandidateSchema(Schema):
    entry = fields.String()
    label = fields.String()
    category = enum_string(Category)


class RulebookRefSchema(Schema):
    id = fields.String(required=True)
    effective_from = fields.String(required=True, metadata={"format": "date"})
    title = fields.String()


class DeadlinePolicySchema(Schema):
    queue = enum_string(Queue)
    kind = fields.String()
    rule = fields.String()
    description = fields.String()
    amount = fields.Float()
    unit = fields.String()
    from_ = fields.String(data_key="from", attribute="from")
    without_delay = fields.Boolean()
    due_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    legal_basis = fields.List(fields.String())


class ClassificationSchema(Schema):
    category = enum_string(Category, required=True)
    category_label = fields.String()
    queues = fields.List(enum_string(Queue), required=True)
    queue_labels = fields.List(fields.String(), metadata={"description": "The queues, named for people."})
    authorities = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    matched = fields.Nested(MatchedSchema, required=True)
    candidates = fields.List(fields.Nested(CandidateSchema))
    explanation = fields.List(fields.String(), required=True)
    legal_basis = fields.List(fields.String(), required=True)
    rulebook = fields.Nested(RulebookRefSchema, required=True)
    deadlines = fields.List(fields.Nested(DeadlinePolicySchema))


@bp.route("/classify")
class Classify(MethodView):
    # An instance, not the class: webargs would otherwise build the schema on every request.
    @bp.arguments(ClassifyRequestSchema())
    @bp.response(200, ClassificationSchema)
    @declares_errors(bp, *BODY_ERRORS)
    def post(self, classify_request: ClassifyRequest):
        """Qualify a product and route its report.

        The name alone is enough for any product the catalogue knows; the questionnaire answers
        (``features``, ``origin``), when given, take precedence over the name.
        """
        on = classify_request.decision_date(current_app.config["TZINFO"])
        # Dumped through the schema once per distinct question (``classification_json``), not
        # once per request: a Response is sent as it is.
        return Response(
            classification_json(classify_request.facts, on, response_language()), mimetype="application/json"
        )


_CLASSIFICATION = ClassificationSchema()


@lru_cache(maxsize=4096)
def classification_json(facts: Facts, on: date, language: str) -> bytes:
    """The decision, dumped through its schema and serialised. Deciding is pure and rulebooks
    never change in a running process, so the same question (a name typed again, a form asking
    as the user types) can reuse the same answer."""
    return json.dumps(_CLASSIFICATION.dump(decide(facts, on=on).as_dict(language, say)), ensure_ascii=False).encode()
