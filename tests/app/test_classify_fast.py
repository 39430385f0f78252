"""Classify's fast path (app/api/classify_fast.py) and its answers cached per decision say exactly
what marshmallow and the schemas say: the same facts, the same refusals, the same answer bytes."""

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from app.api.classify import (
    NAME_MAX_LENGTH,
    ClassificationSchema,
    ClassifyRequestSchema,
    FeaturesSchema,
    ProductSchema,
    classification_json,
)
from app.api.classify_fast import _FEATURE_FLAGS, read_classify_body
from app.errors import field_errors
from app.validation_messages import translate_all
from bench.classify import NAMES
from routing import EventKind, Facts, IntendedAction, Origin, ProductFacts, decide
from routing.calendar import REGIONS
from vigilance.i18n import say

GOOD = {"event_kind": "recipient_adverse_reaction", "product": {"name": "CGR"}}
FULL = {
    "event_kind": "incident",
    "product": {
        "name": "Produit inconnu",
        "autologous": False,
        "origin": "cells",
        "features": {"substantially_manipulated": True, "intended_action": "pharmacological_immunological_metabolic"},
    },
    "occurred_at": "2025-03-01T10:00:00+01:00",
    "serious": True,
    "severity_grade": 3,
    "patient_harm": None,
    "unexpected": True,
    "region": "alsace",
}
#: Bodies the fast path reads itself.
READ_FAST = [GOOD, FULL, {**GOOD, "product": {"name": "x" * NAME_MAX_LENGTH, "features": None, "origin": None}}]
#: Bodies left to the schema: refused, or taken only once marshmallow has converted them.
LEFT_TO_THE_SCHEMA = [
    None,
    [],
    "CGR",
    {},
    {"product": {"name": "CGR"}},
    {"event_kind": "recipient_adverse_reaction"},
    {**GOOD, "event_kind": "RECIPIENT_ADVERSE_REACTION"},
    {**GOOD, "event_kind": ["incident"]},
    {**GOOD, "unknown": 1},
    {**GOOD, "product": {"name": "CGR", "colour": "red"}},
    {**GOOD, "product": {"name": "x" * (NAME_MAX_LENGTH + 1)}},
    {**GOOD, "product": {"name": ""}},
    {**GOOD, "product": {"name": "   "}},
    {**GOOD, "product": {"name": "\t\n\u00a0"}},
    {**GOOD, "product": {"name": 12}},
    {**GOOD, "product": {"name": None}},
    {**GOOD, "product": "CGR"},
    {**GOOD, "product": {"name": "CGR", "autologous": "yes"}},
    {**GOOD, "product": {"name": "CGR", "autologous": 1}},
    {**GOOD, "product": {"name": "CGR", "origin": "Blood"}},
    {**GOOD, "product": {"name": "CGR", "features": []}},
    {**GOOD, "product": {"name": "CGR", "features": {"ce_marked_device": 0}}},
    {**GOOD, "product": {"name": "CGR", "features": {"intended_action": "none"}}},
    {**GOOD, "product": {"name": "CGR", "features": {"colour": True}}},
    {**GOOD, "occurred_at": None},
    {**GOOD, "occurred_at": "2025-03-01T10:00:00"},
    {**GOOD, "occurred_at": "yesterday"},
    {**GOOD, "serious": "true"},
    {**GOOD, "serious": 0},
    {**GOOD, "severity_grade": 2.0},
    {**GOOD, "severity_grade": 5},
    {**GOOD, "severity_grade": True},
    {**GOOD, "severity_grade": "2"},
    {**GOOD, "patient_harm": []},
    {**GOOD, "region": None},
    {**GOOD, "region": "Moselle"},
    # Several products (contract.md): always the schema's, which refuses both or neither.
    {"event_kind": "incident", "products": [{"name": "CGR"}, {"name": "réchauffeur de sang"}]},
    {"event_kind": "incident", "products": [{"name": "CGR"}]},
    {"event_kind": "incident", "products": []},
    {"event_kind": "incident", "products": [{"name": "CGR"}] * 11},
    {"event_kind": "incident", "products": {"name": "CGR"}},
    {"event_kind": "incident", "products": [{"name": "CGR", "colour": "red"}]},
    {**GOOD, "products": [{"name": "CGR"}]},
    {**GOOD, "products": None},
]


def outcome(load, body):
    try:
        return "taken", load(body)
    except ValidationError as error:
        return "refused", error.messages


def assert_same_as_marshmallow(body):
    schema = ClassifyRequestSchema()
    # ``Schema.load``: marshmallow's own load, without the fast path in front of it.
    assert outcome(schema.load, body) == outcome(lambda data: Schema.load(schema, data), body)


def fast(app, body):
    return read_classify_body(
        body,
        name_max_length=NAME_MAX_LENGTH,
        regions=REGIONS,
        default_region=app.config["DEFAULT_REGION"],
        read_occurred_at=ClassifyRequestSchema()._occurred_at,
    )


@pytest.mark.parametrize("body", READ_FAST)
def test_the_fast_path_reads_the_common_bodies_as_marshmallow_does(app, body):
    with app.test_request_context():
        assert fast(app, body) is not None
        assert_same_as_marshmallow(body)


@pytest.mark.parametrize("body", LEFT_TO_THE_SCHEMA)
def test_any_other_body_is_left_to_the_schema(app, body):
    with app.test_request_context():
        assert fast(app, body) is None
        assert_same_as_marshmallow(body)


def test_a_blank_name_is_never_taken_by_the_fast_path(app):
    # Blank names are refused by the schema (issue 13): the fast path must not let one through.
    with app.test_request_context():
        for name in ("", " ", "\u2003\n", "\u3000"):
            assert fast(app, {**GOOD, "product": {"name": name}}) is None


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("body", LEFT_TO_THE_SCHEMA[3:])
def test_refusals_over_http_are_the_schemas_in_both_languages(app, client, body, language):
    response = client.post("/api/v1/classify", json=body, headers={"Accept-Language": language})
    with app.test_request_context():
        schema = ClassifyRequestSchema()
        verdict, messages = outcome(lambda data: Schema.load(schema, data), body)
    if verdict == "taken":
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response.get_json()["errors"] == field_errors(translate_all({"json": messages}, language))


def test_refusals_are_said_in_the_clients_language(client):
    body = {"product": {"name": "CGR", "autologous": "yes"}}
    french = client.post("/api/v1/classify", json=body).get_json()["errors"]
    english = client.post("/api/v1/classify", json=body, headers={"Accept-Language": "en"}).get_json()["errors"]
    assert french == {"event_kind": ["Ce champ est obligatoire."], "product.autologous": ["Répondez oui ou non."]}
    assert (
        english["event_kind"] != french["event_kind"] and english["product.autologous"] != french["product.autologous"]
    )


flags = st.sampled_from([None, True, False])
junk = st.one_of(
    st.integers(-3, 7),
    st.floats(allow_nan=True),
    st.text(max_size=4),
    st.lists(st.booleans(), max_size=1),
    st.dictionaries(st.text(max_size=2), st.booleans(), max_size=1),
)
features = st.fixed_dictionaries(
    {},
    optional={
        "substantially_manipulated": st.one_of(flags, junk),
        "ce_marked_device": flags,
        "intended_action": st.one_of(st.sampled_from([None, *(a.value for a in IntendedAction)]), junk),
        "not_a_feature": flags,
    },
)
products = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(
            st.sampled_from(NAMES),
            st.text(max_size=8),
            st.sampled_from(["", " ", "x" * NAME_MAX_LENGTH, "x" * (NAME_MAX_LENGTH + 1)]),
            junk,
        ),
        "autologous": st.one_of(flags, junk),
        "origin": st.one_of(st.sampled_from([None, *(o.value for o in Origin)]), junk),
        "features": st.one_of(st.none(), features, junk),
        "colour": flags,
    },
)
bodies = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "event_kind": st.one_of(st.sampled_from([k.value for k in EventKind]), junk),
            "product": st.one_of(products, junk),
            "occurred_at": st.one_of(st.sampled_from(["2025-03-01T10:00:00Z", "2025-03-01", None]), junk),
            "serious": st.one_of(flags, junk),
            "severity_grade": st.one_of(st.sampled_from([None, 1, 2, 3, 4, 2.0]), junk),
            "patient_harm": flags,
            "unexpected": st.one_of(flags, junk),
            "region": st.one_of(st.sampled_from(sorted(REGIONS)), junk),
            "extra": flags,
        },
    ),
    junk,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_generated_bodies_get_what_marshmallow_gives(app, body):
    with app.test_request_context():
        assert_same_as_marshmallow(body)


def test_answers_cached_per_decision_are_the_schemas_dump(app):
    """Every name new or repeated, both languages: the bytes sent are the schema's dump of the decision."""
    on = date(2026, 11, 21)
    schema = ClassificationSchema()
    with app.test_request_context():
        for language in ("fr", "en"):
            for index, name in enumerate(NAMES * 3):
                for kind in (EventKind.RECIPIENT_ADVERSE_REACTION, EventKind.INCIDENT):
                    facts = Facts(
                        event_kind=kind,
                        product=ProductFacts(name=f"{name} lot {index}" if index >= len(NAMES) else name),
                        serious=bool(index % 2),
                        region="metropole",
                    )
                    expected = json.dumps(schema.dump(decide(facts, on=on).as_dict(language, say)), ensure_ascii=False)
                    assert classification_json(facts, on, language).decode() == expected


def shape(schema_class) -> dict:
    """What the fast path was written against: hooks, and each field's kind, options and validators."""
    schema = schema_class()
    return {
        "hooks": sorted(kind for kind, hooks in schema_class._hooks.items() if hooks),
        "fields": {
            name: (type(field).__name__, field.required, field.allow_none, [type(v).__name__ for v in field.validators])
            for name, field in schema.fields.items()
        },
    }


def test_the_schemas_are_the_ones_the_fast_path_was_written_for():
    """A validator, hook or field added to the request's schemas must be taught to the fast path
    (app/api/classify_fast.py) too, or it would let through what the schema refuses: then update
    both, and this picture."""
    flag = ("StrictBoolean", False, True, [])
    assert shape(ClassifyRequestSchema) == {
        # validates_schema: product or products, one of them. The fast path reads only bodies
        # with ``product`` and without ``products``, and leaves the others to the schema.
        "hooks": ["post_load", "validates_schema"],
        "fields": {
            "event_kind": ("Enum", True, False, []),
            "product": ("Nested", False, False, []),
            "products": ("List", False, False, ["Length"]),
            "occurred_at": ("AwareDateTime", False, False, []),
            "serious": flag,
            "severity_grade": ("StrictInteger", False, True, ["Range"]),
            "patient_harm": flag,
            "unexpected": flag,
            "region": ("String", False, False, ["OneOf"]),
        },
    }
    assert shape(ProductSchema) == {
        "hooks": ["post_load"],
        "fields": {
            "name": ("String", True, False, ["Length"]),
            "autologous": flag,
            "origin": ("Enum", False, True, []),
            "features": ("Nested", False, True, []),
        },
    }
    assert shape(FeaturesSchema) == {
        "hooks": ["post_load"],
        "fields": {**dict.fromkeys(_FEATURE_FLAGS, flag), "intended_action": ("Enum", False, True, [])},
    }
