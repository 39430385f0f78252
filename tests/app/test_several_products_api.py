"""Several products in one report, through the API: classify and file; refused shapes store nothing."""

import pytest
from sqlalchemy import select

from tests.report_payloads import a_report, stored_rows
from vigilance.models import QueueItem, ReportProduct


@pytest.fixture
def headers(make_user, token_for):
    return token_for(make_user("reporter"))


def classify(client, body, **kwargs):
    return client.post("/api/v1/classify", json=body, **kwargs)


WARMER = [{"name": "réchauffeur de sang"}, {"name": "CGR"}]


def test_classify_takes_a_list_of_products_and_answers_each_one(client):
    body = classify(client, {"event_kind": "incident", "products": WARMER, "serious": True}).get_json()
    # The principal product is the one of human origin; every queue any product requires.
    assert body["category"] == "labile_blood_product"
    assert body["queues"] == ["haemovigilance", "materiovigilance"]
    assert [(p["name"], p["category"], p["matched"]["by"]) for p in body["products"]] == [
        ("réchauffeur de sang", "medical_device", "catalogue"),
        ("CGR", "labile_blood_product", "catalogue"),
    ]
    assert {d["queue"] for d in body["deadlines"]} == {"haemovigilance", "materiovigilance"}
    assert "CSP L.5212-2 (incident mettant en cause un dispositif médical)" in body["legal_basis"]


def test_classify_reads_one_name_holding_two_products_as_two(client):
    english = classify(
        client,
        {"event_kind": "recipient_adverse_reaction", "product": {"name": "CGR et albumine"}},
        headers={"Accept-Language": "en"},
    ).get_json()
    assert english["queues"] == ["haemovigilance", "pharmacovigilance"]
    assert [(p["name"], p["category"]) for p in english["products"]] == [
        ("CGR", "labile_blood_product"),
        ("albumine", "blood_derived_medicine"),
    ]
    assert english["products"][1]["matched"]["label"] == "Human albumin"
    assert any(line.startswith("Product 2") for line in english["explanation"])


def test_a_single_product_is_answered_as_before_with_its_product_listed(client):
    body = classify(client, {"event_kind": "recipient_adverse_reaction", "product": {"name": "CGR"}}).get_json()
    listed = classify(client, {"event_kind": "recipient_adverse_reaction", "products": [{"name": "CGR"}]}).get_json()
    assert body == listed
    assert body["queues"] == ["haemovigilance"]
    assert body["products"] == [
        {
            "name": "CGR",
            "category": "labile_blood_product",
            "category_label": body["category_label"],
            "matched": body["matched"],
            "queues": ["haemovigilance"],
        }
    ]


@pytest.mark.parametrize(
    ("products", "field"),
    [
        ({"products": []}, "products"),
        ({"products": [{"name": "CGR"}] * 11}, "products"),
        ({"product": {"name": "CGR"}, "products": [{"name": "CGR"}]}, "products"),
        ({}, "product"),
        ({"products": [{"name": "CGR"}, {"nom": "albumine"}]}, "products.1.nom"),
    ],
)
def test_classify_refuses_no_products_too_many_or_both_with_a_field_error(client, products, field):
    response = classify(client, {"event_kind": "incident", **products}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_both_given_is_said_in_french_and_english(client):
    body = {"event_kind": "incident", "product": {"name": "CGR"}, "products": [{"name": "CGR"}]}
    assert classify(client, body).get_json()["errors"]["products"] == ["Donnez product ou products, pas les deux."]
    assert classify(client, body, headers={"Accept-Language": "en"}).get_json()["errors"]["products"] == [
        "Give product or products, not both."
    ]


def test_a_report_of_several_products_opens_an_item_in_every_queue_and_stores_each_product(client, headers, db):
    body = a_report(event_kind="incident", product=None, products=WARMER)
    del body["product"]
    response = client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    filed = response.get_json()
    assert filed["queues"] == ["haemovigilance", "materiovigilance"]
    assert filed["classification"]["category"] == "labile_blood_product"
    assert [p["name"] for p in filed["classification"]["products"]] == ["réchauffeur de sang", "CGR"]
    assert [(p["name"], p["category"], p["principal"]) for p in filed["products"]] == [
        ("réchauffeur de sang", "medical_device", False),
        ("CGR", "labile_blood_product", True),
    ]
    assert {d["queue"] for d in filed["deadlines"]} == {"haemovigilance", "materiovigilance"}
    items = db.scalars(select(QueueItem.queue).where(QueueItem.report_id == filed["id"])).all()
    assert sorted(items) == ["haemovigilance", "materiovigilance"]
    stored = db.scalars(select(ReportProduct).where(ReportProduct.report_id == filed["id"])).all()
    assert [(p.position, p.name, p.category) for p in stored] == [
        (0, "réchauffeur de sang", "medical_device"),
        (1, "CGR", "labile_blood_product"),
    ]
    read = client.get(f"/api/v1/reports/{filed['id']}", headers=headers).get_json()
    assert read["products"] == filed["products"]
    assert read["product"]["name"] == "réchauffeur de sang + CGR"


def test_a_single_product_report_stores_its_one_product(client, headers, db):
    filed = client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()
    assert filed["queues"] == ["haemovigilance"]
    assert [(p["name"], p["category"], p["principal"]) for p in filed["products"]] == [
        ("CGR phénotypé", "labile_blood_product", True)
    ]
    assert filed["product"] == {"name": "CGR phénotypé"}


@pytest.mark.parametrize(
    ("products", "field"),
    [
        ({"products": []}, "products"),
        ({"products": [{"name": "CGR"}] * 11}, "products"),
        ({"product": {"name": "CGR"}, "products": [{"name": "CGR"}]}, "products"),
        ({"products": [{"name": "CGR"}, {"name": "aucun"}]}, "products.1"),
        ({"products": [{"name": "CGR"}, {"name": "  "}]}, "products.1.name"),
    ],
)
def test_refused_products_store_nothing(client, headers, db, products, field):
    body = a_report(**products)
    if "product" not in products:
        del body["product"]
    before = stored_rows(db)
    response = client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored_rows(db) == before
    assert db.scalars(select(ReportProduct)).all() == []
