"""What is known about an event when it is decided: the product as described and the event."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from routing.vocabulary import Category, EventKind, IntendedAction, Origin


@dataclass(frozen=True)
class Features:
    """Answers to the qualification questionnaire; ``None`` means not answered."""

    recombinant_nucleic_acid: bool | None = None
    infectious_disease_vaccine: bool | None = None
    substantially_manipulated: bool | None = None
    same_essential_function: bool | None = None
    intended_action: IntendedAction | None = None
    incorporates_medical_device: bool | None = None
    industrially_manufactured: bool | None = None
    magistral_preparation: bool | None = None
    ce_marked_device: bool | None = None

    def answered(self) -> dict[str, Any]:
        answers = {}
        for name in _FEATURE_NAMES:
            value = getattr(self, name)
            if value is not None:
                answers[name] = value
        return answers


_FEATURE_NAMES = tuple(f.name for f in fields(Features))


@dataclass(frozen=True)
class ProductFacts:
    """The product as the clinician named and described it."""

    name: str = ""
    autologous: bool | None = None
    origin: Origin | None = None
    features: Features = field(default_factory=Features)
    #: A person's qualification of this very product (a correspondent requalified it): it stands
    #: whatever the rules would say, when the event is decided again.
    qualified_as: Category | None = None

    @property
    def has_answers(self) -> bool:
        return self.origin is not None or self.features != _NO_ANSWERS


_NO_ANSWERS = Features()
_NO_PRODUCT = ProductFacts()


@dataclass(frozen=True, init=False)
class Facts:
    """Everything a decision may depend on. Times are timezone-aware; unknown ones are ``None``.

    An event concerns one product (*product*) or several (*products*, in the order given); give
    either. ``products`` holds every product, and ``product`` is the first: to change the
    products of facts, ``dataclasses.replace(facts, products=...)`` (``product`` follows; giving
    it to ``replace`` is refused, rather than ignored).
    """

    event_kind: EventKind
    serious: bool | None = None
    severity_grade: int | None = None
    #: Reaction or incident type when the reporter knows it, e.g. "abo_incompatibility".
    reaction_type: str | None = None
    #: For a quality defect: whether a patient was harmed (then it is also an adverse reaction).
    patient_harm: bool | None = None
    #: Whether the reaction was unexpected (biovigilance and AMP vigilance declare those even
    #: when not serious: CSP R.1211-30, R.2142-47 3°).
    unexpected: bool | None = None
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    received_at: datetime | None = None
    #: The establishment's holiday calendar (see routing.calendar.REGIONS).
    region: str = "metropole"
    #: A category set by a person (requalification): it replaces the rules' qualification.
    qualified_as: Category | None = None
    products: tuple[ProductFacts, ...] = ()
    #: The first product (derived from ``products``; not compared: the same product given
    #: either way makes equal, and equally hashed, facts, so a cached answer serves both).
    product: ProductFacts = field(init=False, compare=False, repr=False, default=_NO_PRODUCT)

    def __init__(
        self,
        event_kind: EventKind,
        product: ProductFacts | None = None,
        serious: bool | None = None,
        severity_grade: int | None = None,
        unexpected: bool | None = None,
        reaction_type: str | None = None,
        patient_harm: bool | None = None,
        occurred_at: datetime | None = None,
        detected_at: datetime | None = None,
        received_at: datetime | None = None,
        region: str = "metropole",
        qualified_as: Category | None = None,
        products: tuple[ProductFacts, ...] = (),
    ):
        products = tuple(products) or (product or ProductFacts(),)
        if product is not None and product != products[0]:
            raise ValueError("give product or products, not two different first products")
        put = object.__setattr__
        put(self, "event_kind", event_kind)
        put(self, "serious", serious)
        put(self, "severity_grade", severity_grade)
        put(self, "unexpected", unexpected)
        put(self, "reaction_type", reaction_type)
        put(self, "patient_harm", patient_harm)
        put(self, "occurred_at", occurred_at)
        put(self, "detected_at", detected_at)
        put(self, "received_at", received_at)
        put(self, "region", region)
        put(self, "qualified_as", qualified_as)
        put(self, "products", products)
        put(self, "product", products[0])

    def questionnaire_facts(self) -> dict[str, Any]:
        """The facts the qualification rules read: the answers, never the name."""
        return {
            **self.product.features.answered(),
            "origin": self.product.origin,
            "autologous": self.product.autologous,
        }

    def event_facts(self) -> dict[str, Any]:
        """The facts routing and deadline rules read."""
        return {
            "event_kind": self.event_kind,
            "serious": self.serious,
            "severity_grade": self.severity_grade,
            "reaction_type": self.reaction_type,
            "patient_harm": self.patient_harm,
            "unexpected": self.unexpected,
            "autologous": self.product.autologous,
        }

    def anchors(self) -> dict[str, datetime | None]:
        """The moments a deadline may be counted from."""
        return {
            "occurred": self.occurred_at,
            "detected": self.detected_at or self.occurred_at,
            "received": self.received_at,
        }
