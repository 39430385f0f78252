"""Several products in one event: each qualified, the report sent wherever any of them goes."""

from datetime import date
from itertools import pairwise

import pytest

from routing import Category, EventKind, Facts, Features, Origin, ProductFacts, Queue, decide
from routing.rulebook import shipped_rulebooks
from routing.several import names_within
from vigilance.i18n import say

TODAY = date(2026, 11, 21)
INCIDENT = EventKind.INCIDENT
RAR = EventKind.RECIPIENT_ADVERSE_REACTION


def decide_products(*names, event_kind=RAR, **facts):
    products = tuple(ProductFacts(name=name) for name in names)
    return decide(Facts(event_kind=event_kind, products=products, **facts), on=TODAY)


def categories(decision):
    return [(p.name, p.category) for p in decision.products]


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("CGR et albumine", ["CGR", "albumine"]),
        ("plaquettes + IgIV", ["plaquettes", "IgIV"]),
        ("CGR via réchauffeur de sang", ["CGR", "réchauffeur de sang"]),
        ("red blood cells and albumin 20%", ["red blood cells", "albumin 20%"]),
        ("RBC with blood warmer", ["RBC", "blood warmer"]),
    ],
)
def test_a_name_holding_several_recognised_products_is_read_as_several(name, parts):
    assert list(names_within(shipped_rulebooks().earliest.catalogue, name)) == parts


@pytest.mark.parametrize(
    "name",
    [
        "CGR",
        "CGR et surveillance",  # a part that names nothing is words around the product
        "CGR + concentré de globules rouges",  # twice the same product
        "Colle de fibrine humaine (fibrinogène + thrombine)",  # one name with a "+" in it
        "albumine 4,5 %",
    ],
)
def test_a_name_of_one_product_stays_one(name):
    assert names_within(shipped_rulebooks().earliest.catalogue, name) == (name,)


def test_cgr_and_albumin_in_one_name_go_to_both_vigilances_not_to_qualification():
    decision = decide(Facts(event_kind=RAR, product=ProductFacts(name="CGR et albumine")), on=TODAY)
    assert categories(decision) == [
        ("CGR", Category.LABILE_BLOOD_PRODUCT),
        ("albumine", Category.BLOOD_DERIVED_MEDICINE),
    ]
    assert decision.category == Category.LABILE_BLOOD_PRODUCT
    assert decision.queues == (Queue.HAEMOVIGILANCE, Queue.PHARMACOVIGILANCE)
    assert Queue.QUALIFICATION not in decision.queues
    assert {d.queue for d in decision.deadlines} == {Queue.HAEMOVIGILANCE, Queue.PHARMACOVIGILANCE}
    assert "CSP R.5121-197 (MDS et PSL chez un même patient)" in decision.legal_basis


def test_red_cells_through_a_failing_blood_warmer_concern_both_vigilances_with_the_texts():
    decision = decide_products("réchauffeur de sang", "CGR", event_kind=INCIDENT, serious=True)
    # The principal product is the one of human origin, though given second.
    assert decision.category == Category.LABILE_BLOOD_PRODUCT and decision.principal == 1
    assert decision.queues == (Queue.HAEMOVIGILANCE, Queue.MATERIOVIGILANCE)
    assert decision.authorities == {Queue.HAEMOVIGILANCE: "ANSM", Queue.MATERIOVIGILANCE: "ANSM"}
    assert "CSP L.5212-2 (incident mettant en cause un dispositif médical)" in decision.legal_basis
    assert any("réchauffeur de sang défaillant" in line for line in decision.explanation("fr", say))
    assert any("failing blood warmer" in line for line in decision.explanation("en", say))
    assert {d.policy.id for d in decision.deadlines} == {"d-hv-incident", "d-mv-serious"}


def test_without_a_product_of_human_origin_the_first_product_is_the_principal():
    decision = decide_products("Advate", "réchauffeur de sang")
    assert decision.category == Category.MEDICINE
    assert decision.queues == (Queue.PHARMACOVIGILANCE, Queue.MATERIOVIGILANCE)


def test_an_unknown_product_beside_a_known_one_sends_the_report_to_both_queues():
    decision = decide_products("CGR", "produit xyzzy")
    assert decision.category == Category.LABILE_BLOOD_PRODUCT
    assert decision.queues == (Queue.HAEMOVIGILANCE, Queue.QUALIFICATION)
    assert decision.products[1].matched_by == "none"


def test_a_persons_qualification_applies_to_the_product_the_rules_could_not_qualify():
    decision = decide_products("CGR", "produit xyzzy", qualified_as=Category.MEDICINE)
    assert categories(decision) == [
        ("CGR", Category.LABILE_BLOOD_PRODUCT),
        ("produit xyzzy", Category.MEDICINE),
    ]
    assert decision.queues == (Queue.HAEMOVIGILANCE, Queue.PHARMACOVIGILANCE)


def test_one_product_given_in_a_list_is_decided_exactly_as_given_alone():
    product = ProductFacts(name="Kymriah")
    alone = decide(Facts(event_kind=RAR, product=product, serious=True), on=TODAY)
    listed = decide(Facts(event_kind=RAR, products=(product,), serious=True), on=TODAY)
    assert Facts(event_kind=RAR, product=product) == Facts(event_kind=RAR, products=(product,))
    assert listed.as_dict("fr", say) == alone.as_dict("fr", say)
    assert alone.as_dict("en", say)["products"] == [
        {
            "name": "Kymriah",
            "category": alone.category.value,
            "category_label": alone.as_dict("en", say)["category_label"],
            "matched": alone.as_dict("en", say)["matched"],
            "queues": [q.value for q in alone.queues],
        }
    ]


def test_answers_describe_one_product_whatever_its_name_holds():
    product = ProductFacts(
        name="CGR et albumine",
        origin=Origin.BLOOD,
        features=Features(industrially_manufactured=True),
    )
    decision = decide(Facts(event_kind=RAR, product=product), on=TODAY)
    assert categories(decision) == [("CGR et albumine", Category.BLOOD_DERIVED_MEDICINE)]


def test_each_queue_has_its_deadlines_once():
    decision = decide_products("CGR", "plaquettes", "albumine", "IgIV", serious=True, severity_grade=2)
    policies = [d.policy.id for d in decision.deadlines]
    assert len(policies) == len(set(policies))
    assert decision.queues == (Queue.HAEMOVIGILANCE, Queue.PHARMACOVIGILANCE)


def test_no_name_of_the_catalogue_is_cut_into_several():
    """Every label, brand, INN and alias of every shipped rulebook names one product, even those
    with "et", "+" or "/" in them."""
    for rulebook in shipped_rulebooks():
        catalogue = rulebook.catalogue
        cut = [
            (entry.id, name)
            for entry in catalogue.entries.values()
            for name in entry.names()
            if names_within(catalogue, name) != (name,)
        ]
        assert cut == []


def test_never_more_than_ten_products_in_one_event():
    names = ["CGR", "plaquettes", "albumine", "IgIV", "réchauffeur de sang", "Kymriah", "greffe de cornée"]
    one_name = decide(Facts(event_kind=RAR, product=ProductFacts(name=" + ".join(names * 2))), on=TODAY)
    assert len(one_name.products) == 7  # each product once
    many = decide_products(*(f"{name} + {other}" for name, other in pairwise(names)))
    assert len(many.products) <= 10
