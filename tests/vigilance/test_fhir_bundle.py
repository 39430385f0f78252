"""The FHIR bundle, written from facts alone: every category and event kind gives valid FHIR."""

import json
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle

from routing import Category, EventKind
from vigilance.exports.fhir import SUSPECT_TYPES, CaseFacts, Causality, Product, bundle_of
from vigilance.models import Establishment, Report


def facts(*products, event_kind=EventKind.RECIPIENT_ADVERSE_REACTION, causalities=(), **report):
    fields = dict(
        id=7,
        reference="VIG-2026-000007",
        year=2026,
        sequence=7,
        event_kind=event_kind.value,
        occurred_at=datetime(2026, 11, 20, 13, 30, 12, 345, tzinfo=UTC),
        received_at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        product_name=" + ".join(p.name for p in products),
        category=products[0].category.value,
        rulebook_id="fr-2026",
        description="Frissons",
        serious=True,
        reporter_id=3,
        establishment_id=1,
        lot_number="L1",
        donation_number="D1",
    )
    fields.update(report)
    return CaseFacts(
        report=Report(**fields),
        establishment=Establishment(id=1, finess="750000010", name="CHU de Test"),
        products=products,
        causalities=causalities,
    )


def valid(bundle):
    Bundle.model_validate(bundle)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "AdverseEvent":
            for suspect in entry["resource"]["suspectEntity"]:
                kind = next(
                    e["resource"]["resourceType"]
                    for e in bundle["entry"]
                    if e["fullUrl"] == suspect["instance"]["reference"]
                )
                assert kind in SUSPECT_TYPES
    assert set(_refs(bundle)) <= urls, text
    return bundle


def _refs(value):
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for inner in value.values():
            yield from _refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _refs(inner)


@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize("event_kind", list(EventKind))
def test_every_category_and_event_kind_gives_valid_fhir(category, event_kind):
    bundle = valid(
        bundle_of(facts(Product(0, "produit", category, True), event_kind=event_kind), base_url="https://v.example")
    )
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "AdverseEvent"
    assert {"Patient", "Organization", "Practitioner", "PractitionerRole"} <= set(kinds)


def test_a_donors_reaction_is_about_the_donation():
    bundle = bundle_of(
        facts(
            Product(0, "plaquettes d'aphérèse", Category.LABILE_BLOOD_PRODUCT, True),
            event_kind=EventKind.DONOR_ADVERSE_REACTION,
        ),
        base_url="https://v.example",
    )
    [procedure] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"]
    assert procedure["code"]["text"] == "Prélèvement (don)"


def test_dates_are_to_the_second_with_their_offset():
    event = bundle_of(facts(Product(0, "CGR", Category.LABILE_BLOOD_PRODUCT, True)), base_url="https://v.example")[
        "entry"
    ][0]["resource"]
    assert event["date"] == "2026-11-20T13:30:12+00:00"


def test_names_and_systems_follow_the_service_address_and_nothing_else():
    one = facts(Product(0, "CGR", Category.LABILE_BLOOD_PRODUCT, True))
    assert bundle_of(one, base_url="https://v.example/") == bundle_of(one, base_url="https://v.example")
    elsewhere = bundle_of(one, base_url="https://w.example")
    assert elsewhere["entry"][0]["resource"]["identifier"]["system"] == "https://w.example/fhir/sid/report-reference"
    assert elsewhere["entry"][0]["fullUrl"] != bundle_of(one, base_url="https://v.example")["entry"][0]["fullUrl"]


def test_each_assessment_goes_to_the_product_its_queue_is_about():
    products = (
        Product(0, "réchauffeur de sang", Category.MEDICAL_DEVICE, False),
        Product(1, "CGR", Category.LABILE_BLOOD_PRODUCT, True),
    )
    at = datetime(2026, 11, 21, tzinfo=UTC)
    causalities = (
        Causality(1, "haemovigilance", "ansm-hv-imputability-2020", "3", 9, at),
        Causality(0, "materiovigilance", "mdcg-2023-3-relatedness", "possible", 10, at),
    )
    bundle = valid(bundle_of(facts(*products, causalities=causalities), base_url="https://v.example"))
    device, blood = bundle["entry"][0]["resource"]["suspectEntity"]
    assert [c["assessment"]["text"] for c in device["causality"]] == ["lien possible"]
    assert [c["assessment"]["text"] for c in blood["causality"]] == ["3 (certaine)"]
    # Two assessors, each a pseudonymous practitioner of their own.
    practitioners = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"]
    assert sorted(p["identifier"][0]["value"] for p in practitioners) == ["10", "3", "9"]


@pytest.mark.parametrize(
    ("reported", "assessed", "fatal"),
    [(4, None, True), (2, None, False), (None, None, False), (2, 4, True), (4, 3, False)],
)
def test_a_death_is_a_fatal_outcome_and_the_correspondents_grade_prevails(reported, assessed, fatal):
    one = facts(Product(0, "CGR", Category.LABILE_BLOOD_PRODUCT, True), severity_grade=reported)
    one = CaseFacts(one.report, one.establishment, one.products, one.causalities, assessed_grade=assessed)
    event = valid(bundle_of(one, base_url="https://v.example"))["entry"][0]["resource"]
    if fatal:
        assert event["outcome"]["coding"] == [
            {
                "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                "code": "fatal",
                "display": "Fatal",
            }
        ]
    else:
        assert "outcome" not in event
