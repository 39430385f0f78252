"""``POST /api/v1/classify``: the contract's shapes, and field errors for every bad input."""

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.classify import ClassifyRequestSchema
from routing import decide
from vigilance.i18n import say


def classify(client, body, **kwargs):
    return client.post("/api/v1/classify", json=body, **kwargs)


def test_contract_shape(client):
    response = classify(client, {"event_kind": "recipient_adverse_reaction", "product": {"name": "CGR"}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["category"] == "labile_blood_product"
    assert body["queues"] == ["haemovigilance"]
    assert body["authorities"] == {"haemovigilance": "ANSM"}
    assert body["matched"]["by"] == "catalogue" and body["matched"]["entry"]
    assert body["rulebook"] == {
        "id": "fr-2024-01-02",
        "effective_from": "2024-01-02",
        "title": body["rulebook"]["title"],
    }
    assert all(isinstance(step, str) for step in body["explanation"])


def test_the_answer_holds_everything_decided(client, app):
    # The answer is dumped through its schema: a field the schema misnamed would silently vanish
    # (each deadline's "from" did).
    for body in (
        {"event_kind": "recipient_adverse_reaction", "product": {"name": "CGR"}, "serious": True},
        {"event_kind": "incident", "product": {"name": "Greffe de cornée"}, "serious": True},
        {"event_kind": "recipient_adverse_reaction", "product": {"name": "Produit inconnu", "origin": "cells"}},
    ):
        for language in ("fr", "en"):
            answer = classify(client, body, headers={"Accept-Language": language}).get_json()
            with app.test_request_context():
                facts = ClassifyRequestSchema().load(body).facts
            decided = decide(facts, on=datetime.now(app.config["TZINFO"]).date()).as_dict(language, say)
            assert answer == decided


def test_explanation_is_french_by_default_and_english_on_request(client):
    body = {"event_kind": "recipient_adverse_reaction", "product": {"name": "Produit inconnu"}}
    french = classify(client, body).get_json()["explanation"]
    english = classify(client, body, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()["explanation"]
    assert "ne correspond à aucune entrée" in french[0]
    assert "matches no catalogue entry" in english[0]


def test_questionnaire_answers_take_precedence(client):
    body = {
        "event_kind": "recipient_adverse_reaction",
        "product": {
            "name": "CGR",
            "origin": "cells",
            "features": {"substantially_manipulated": True, "intended_action": "regenerate_repair_replace"},
        },
    }
    response = classify(client, body).get_json()
    assert response["category"] == "atmp_tissue_engineered"
    assert response["matched"]["by"] == "questionnaire"


def test_occurred_at_picks_the_rulebook_of_that_day(client):
    body = {
        "event_kind": "recipient_adverse_reaction",
        "product": {"name": "CGR"},
        "occurred_at": "2025-03-01T10:00:00+01:00",
    }
    assert classify(client, body).get_json()["rulebook"]["id"] == "fr-2024-01-02"


VALID = {"event_kind": "incident", "product": {"name": "CGR"}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product": {"name": "CGR"}}, "event_kind"),
        ({"event_kind": "incident"}, "product"),
        ({"event_kind": "incident", "product": {}}, "product.name"),
        ({"event_kind": "explosion", "product": {"name": "CGR"}}, "event_kind"),
        ({"event_kind": 3, "product": {"name": "CGR"}}, "event_kind"),
        ({"event_kind": "incident", "product": {"name": 42}}, "product.name"),
        ({"event_kind": "incident", "product": {"name": "x" * 501}}, "product.name"),
        ({"event_kind": "incident", "product": {"name": "CGR", "origin": "mars"}}, "product.origin"),
        ({"event_kind": "incident", "product": {"name": "CGR", "autologous": "yes"}}, "product.autologous"),
        ({"event_kind": "incident", "product": {"name": "CGR", "colour": "red"}}, "product.colour"),
        ({**VALID, "extra": 1}, "extra"),
        (
            {"event_kind": "incident", "product": {"name": "CGR", "features": {"ce_marked_device": "true"}}},
            "product.features.ce_marked_device",
        ),
        (
            {"event_kind": "incident", "product": {"name": "CGR", "features": {"intended_action": "magic"}}},
            "product.features.intended_action",
        ),
        (
            {"event_kind": "incident", "product": {"name": "CGR", "features": {"telepathic": True}}},
            "product.features.telepathic",
        ),
        ({**VALID, "severity_grade": 5}, "severity_grade"),
        ({**VALID, "severity_grade": "2"}, "severity_grade"),
        ({**VALID, "occurred_at": "yesterday"}, "occurred_at"),
        ({**VALID, "occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),  # no offset
    ],
)
def test_bad_input_gets_422_with_the_field_path(client, body, field):
    response = classify(client, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in errors, errors
    assert all(isinstance(m, str) for m in errors[field])


@pytest.mark.parametrize("body", [[], "CGR", 42, None])
def test_a_body_that_is_not_an_object_is_refused(client, body):
    response = client.post("/api/v1/classify", json=body)
    assert response.status_code in (400, 422)
    assert response.get_json()["errors"]


def test_name_of_500_characters_is_accepted(client):
    assert classify(client, {"event_kind": "incident", "product": {"name": "é" * 500}}).status_code == 200


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
product_like = st.fixed_dictionaries(
    {"name": st.text(max_size=40)},
    optional={
        "origin": json_values,
        "features": st.dictionaries(st.sampled_from(["recombinant_nucleic_acid", "intended_action", "x"]), json_values),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values | st.fixed_dictionaries({"event_kind": json_values, "product": product_like | json_values}))
def test_a_served_request_never_answers_500(client, body):
    response = client.post("/api/v1/classify", json=body)
    assert response.status_code in (200, 400, 422)
    assert response.is_json
