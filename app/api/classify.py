"""``POST /api/v1/classify``: qualify a product and say where its report would go."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from app.api.classify_fast import read_classify_body
from app.api.errors import BODY_ERRORS, declares_errors
from app.api.fields import StrictBoolean, StrictInteger, column_length, enum_string
from app.language import response_language
from routing import Category, Decision, EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, Queue, decide
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


#: How many products one report may name (contract.md, "Several products in one report").
MAX_PRODUCTS = 10


def one_or_several_products(original_data) -> None:
    """Refuse a body that gives both ``product`` and ``products``, or neither.

    Read from the body as sent: a product given but refused is given all the same.
    """
    if not isinstance(original_data, dict):
        return
    given = [key for key in ("product", "products") if key in original_data]
    if len(given) == 2:
        raise ValidationError("Give product or products, not both.", "products")
    if not given:
        raise ValidationError("Missing data for required field.", "product")


#: What JSON Schema says of ``one_or_several_products``: exactly one of the two is given.
ONE_PRODUCT_OR_SEVERAL = [{"required": ["product"]}, {"required": ["products"]}]
#: The request bodies that take ``product`` or ``products`` (their OpenAPI components).
BODIES_WITH_PRODUCTS = ("ClassifyRequest", "ReportCreate")


def document_one_product_or_several(spec) -> None:
    """Say in the OpenAPI document what the schemas check in code: ``product`` or ``products``."""
    for name in BODIES_WITH_PRODUCTS:
        component = spec.components.schemas.get(name)
        if component is not None:
            component["oneOf"] = ONE_PRODUCT_OR_SEVERAL


class ClassifyRequestSchema(Schema):
    """The product (or the products) and the event; the optional facts refine the deadlines."""

    class Meta:
        unknown = RAISE

    event_kind = fields.Enum(EventKind, by_value=True, required=True)
    product = fields.Nested(ProductSchema, metadata={"description": "The product; or give ``products``."})
    products = fields.List(
        fields.Nested(ProductSchema),
        validate=validate.Length(min=1, max=MAX_PRODUCTS, error="Between 1 and 10 products."),
        metadata={"description": "1 to 10 products, each as ``product``, instead of ``product``."},
    )
    occurred_at = fields.AwareDateTime(
        metadata={"description": "Decide under the rulebook in force on that day (default: today)."}
    )
    serious = StrictBoolean(allow_none=True)
    severity_grade = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=4))
    patient_harm = StrictBoolean(
        allow_none=True, metadata={"description": "For a quality defect: a patient was harmed."}
    )
    unexpected = StrictBoolean(
        allow_none=True,
        metadata={
            "description": "The reaction was unexpected (biovigilance and AMP vigilance declare it even if not serious)."
        },
    )
    region = fields.String(validate=validate.OneOf(sorted(REGIONS)))

    def load(self, data, *, many=None, partial=None, unknown=None):
        # The common body is read without marshmallow's machinery (app/api/classify_fast.py):
        # the same facts, at a tenth of the cost. Any other body, and every invalid one, is
        # this schema's, which writes the field errors.
        if not many and partial is None and unknown in (None, RAISE):
            read = read_classify_body(
                data,
                name_max_length=NAME_MAX_LENGTH,
                regions=REGIONS,
                default_region=current_app.config["DEFAULT_REGION"],
                read_occurred_at=self._occurred_at,
            )
            if read is not None:
                return ClassifyRequest(*read)
        return super().load(data, many=many, partial=partial, unknown=unknown)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_or_several_products(self, _data, original_data, **_kwargs):
        one_or_several_products(original_data)

    def _occurred_at(self, value) -> datetime | None:
        try:
            return self.fields["occurred_at"].deserialize(value)
        except ValidationError:
            return None

    @post_load
    def make(self, data, **_kwargs) -> "ClassifyRequest":
        # The event's date chooses the rulebook; without a receipt there is nothing to date
        # deadlines from, so the facts carry no moments.
        return ClassifyRequest(
            data.get("occurred_at"),
            Facts(
                event_kind=data["event_kind"],
                product=data.get("product"),
                products=tuple(data.get("products") or ()),
                serious=data.get("serious"),
                severity_grade=data.get("severity_grade"),
                patient_harm=data.get("patient_harm"),
                unexpected=data.get("unexpected"),
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


class CopyOrderSchema(Schema):
    """A queue that gets an information copy, because a text makes the routed vigilance inform it."""

    queue = enum_string(Queue, required=True)
    source = enum_string(Queue, data_key="from", required=True)
    rule = fields.String(required=True)
    explanation = fields.String()
    legal_basis = fields.List(fields.String(), required=True)


class FollowupStepPlanSchema(Schema):
    label = fields.String(required=True)
    check = fields.String(required=True)


class FollowupPlanSchema(Schema):
    """A follow-up plan the case opens: its schedule and what to check at each step."""

    plan = fields.String(required=True)
    kind = fields.String(required=True)
    queue = enum_string(Queue, required=True)
    title = fields.String(required=True)
    until = fields.String(required=True)
    steps = fields.List(fields.Nested(FollowupStepPlanSchema), required=True)
    legal_basis = fields.List(fields.String(), required=True)


class ProductDecidedSchema(Schema):
    """One product of the event, as given or as found in a name that holds several."""

    name = fields.String(required=True)
    category = enum_string(Category, required=True)
    category_label = fields.String()
    matched = fields.Nested(MatchedSchema, required=True)
    queues = fields.List(enum_string(Queue), metadata={"description": "The queues this product alone requires."})


class ClassificationSchema(Schema):
    category = enum_string(Category, required=True)
    category_label = fields.String()
    queues = fields.List(enum_string(Queue), required=True)
    queue_labels = fields.List(fields.String(), metadata={"description": "The queues, named for people."})
    authorities = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    recipients = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "For a stored report: who receives each queue's declaration, e.g. the establishment's CRPV."
        },
    )
    matched = fields.Nested(MatchedSchema, required=True)
    candidates = fields.List(fields.Nested(CandidateSchema))
    legal_basis = fields.List(fields.String(), required=True)
    rulebook = fields.Nested(RulebookRefSchema, required=True)
    deadlines = fields.List(fields.Nested(DeadlinePolicySchema))
    copies = fields.List(
        fields.Nested(CopyOrderSchema), metadata={"description": "Information copies to other vigilances."}
    )
    follow_up_plans = fields.List(fields.Nested(FollowupPlanSchema))
    # The parts that name the products as typed come last (``classification_json`` writes them
    # after the rest, dumped once per decision).
    explanation = fields.List(fields.String(), required=True)
    products = fields.List(
        fields.Nested(ProductDecidedSchema),
        metadata={
            "description": "Every product, as given or found in one name that holds several; ``category`` "
            "is the principal product's (the first of human origin, else the first)."
        },
    )


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
    decision = decide(facts, on=on)
    key = (_decision_key(decision), language)
    parts = _ANSWERS_BY_DECISION.get(key)
    if parts is None:
        if len(_ANSWERS_BY_DECISION) >= _DECISIONS_KEPT:
            _ANSWERS_BY_DECISION.clear()  # never reached with the shipped rulebooks: a bound all the same
        parts = _ANSWERS_BY_DECISION[key] = _dumped_around_named_parts(decision, language)
    before, products = parts
    # The explanation and the products name the products as typed (dumped as they are: lists
    # of strings, and each product's name beside its dumped qualification).
    named = [{"name": product.name, **dumped} for product, dumped in zip(decision.products, products, strict=True)]
    return (
        before
        + json.dumps(decision.explanation(language, say), ensure_ascii=False).encode()
        + b', "products": '
        + json.dumps(named, ensure_ascii=False).encode()
        + b"}"
    )


def _decision_key(decision: Decision) -> tuple:
    """What the answer depends on besides the names typed, for ``_dumped_around_named_parts``.

    Within one rulebook (its id and date), an entry's id names the entry and a policy's id the
    policy: rulebooks never change in a running process.
    """
    return (
        decision.rulebook.id,
        decision.rulebook.effective_from,
        decision.category,
        decision.queues,
        tuple(decision.authorities.items()),
        decision.matched_by,
        decision.entry.id if decision.entry is not None else None,
        decision.alias,
        tuple(candidate.id for candidate in decision.candidates),
        decision.legal_basis,
        tuple((deadline.policy.id, deadline.due_at) for deadline in decision.deadlines),
        tuple(plan.id for plan in decision.followups),
        tuple(copy.id for copy in decision.copies),
        tuple(
            (p.category, p.queues, p.matched_by, p.entry.id if p.entry is not None else None, p.alias)
            for p in decision.products
        ),
    )


#: The dumped answers by decision (``_decision_key``) and language, without the names typed.
_ANSWERS_BY_DECISION: dict[tuple, tuple[bytes, list[dict]]] = {}
_DECISIONS_KEPT = 4096


def _dumped_around_named_parts(decision: Decision, language: str) -> tuple[bytes, list[dict]]:
    """The answer, dumped through its schema, without the parts that carry the names typed.

    Names never seen before (every one new) all reach a few hundred distinct decisions: the
    dump (60 to 125 µs) is done once per decision and language, not once per question. Returns
    the serialised answer up to where the explanation goes (it and the products come last), and
    each product's dumped qualification without its name.
    """
    dumped = _CLASSIFICATION.dump(decision.as_dict(language, say))
    dumped.pop("explanation")
    products = dumped.pop("products")
    for product in products:
        product.pop("name")
    before = json.dumps(dumped, ensure_ascii=False)[:-1] + ', "explanation": '
    return before.encode(), products
