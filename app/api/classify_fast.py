"""The common classify body read without marshmallow: the same facts, about a tenth of the cost.

marshmallow's load of ``ClassifyRequestSchema`` costs about 70 µs of every ``POST
/api/v1/classify`` (nested schemas, a field object per value, hooks), a third of what the
service spends on a request whose answer is cached (bench/README.md). This reads a body made
only of values the schema would take unchanged (plain JSON types, exact enumeration values, a
name that is not blank) and builds the same :class:`~routing.Facts`. Anything else, including
every body the schema would refuse, returns ``None``: the schema then runs as before and writes
the field errors, in the client's language. The schema stays the truth (and the OpenAPI
document); ``tests/app/test_classify_fast.py`` checks that both agree on a table of valid and
invalid bodies and on generated ones, and holds a picture of the schemas' fields, validators and
hooks: whoever adds one there is told to teach it here too. A body with ``products`` (several
products, contract.md) is always the schema's: it is not in ``_TOP``.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from routing import EventKind, Facts, Features, IntendedAction, Origin, ProductFacts

_EVENT_KINDS = {kind.value: kind for kind in EventKind}
_ORIGINS = {origin.value: origin for origin in Origin}
_INTENDED_ACTIONS = {action.value: action for action in IntendedAction}
_TOP = frozenset(
    ("event_kind", "product", "occurred_at", "serious", "severity_grade", "patient_harm", "unexpected", "region")
)
_PRODUCT = frozenset(("name", "autologous", "origin", "features"))
_FEATURE_FLAGS = frozenset(
    (
        "recombinant_nucleic_acid",
        "infectious_disease_vaccine",
        "substantially_manipulated",
        "same_essential_function",
        "incorporates_medical_device",
        "industrially_manufactured",
        "magistral_preparation",
        "ce_marked_device",
    )
)
_FEATURES = _FEATURE_FLAGS | {"intended_action"}
_NO_FEATURES = Features()


def _optional_flag(value: Any) -> bool:
    """``null``, ``true`` or ``false``: what ``StrictBoolean(allow_none=True)`` takes as it is."""
    return value is None or value is True or value is False


def read_classify_body(
    body: Any,
    *,
    name_max_length: int,
    regions: Mapping,
    default_region: str,
    read_occurred_at: Callable[[Any], datetime | None],
) -> tuple[datetime | None, Facts] | None:
    """``(occurred_at, facts)`` for a body the schema would take unchanged, else ``None``.

    *read_occurred_at* reads the optional ``occurred_at`` as the schema's own field does (its
    ISO 8601 parsing is not repeated here), returning ``None`` on any doubt.
    """
    if type(body) is not dict or not body.keys() <= _TOP:
        return None
    event_kind = body.get("event_kind")
    if type(event_kind) is not str or event_kind not in _EVENT_KINDS:
        return None
    product = _read_product(body.get("product"), name_max_length)
    if product is None:
        return None
    occurred_at = None
    if "occurred_at" in body:
        occurred_at = read_occurred_at(body["occurred_at"])
        if occurred_at is None:
            return None
    serious = body.get("serious")
    patient_harm = body.get("patient_harm")
    unexpected = body.get("unexpected")
    if not (_optional_flag(serious) and _optional_flag(patient_harm) and _optional_flag(unexpected)):
        return None
    severity_grade = body.get("severity_grade")
    # An integer from 1 to 4 (never a boolean: ``type``, not ``isinstance``); 2.0 is left to
    # the schema, which makes it 2.
    if severity_grade is not None and (type(severity_grade) is not int or not 1 <= severity_grade <= 4):
        return None
    region = default_region
    if "region" in body:
        region = body["region"]
        if type(region) is not str or region not in regions:
            return None
    return occurred_at, Facts(
        event_kind=_EVENT_KINDS[event_kind],
        product=product,
        serious=serious,
        severity_grade=severity_grade,
        patient_harm=patient_harm,
        unexpected=unexpected,
        region=region,
    )


def _read_product(product: Any, name_max_length: int) -> ProductFacts | None:
    if type(product) is not dict or not product.keys() <= _PRODUCT:
        return None
    name = product.get("name")
    # A blank name is the schema's to judge (and refuse), as is every name it might.
    if type(name) is not str or len(name) > name_max_length or not name or name.isspace():
        return None
    autologous = product.get("autologous")
    if not _optional_flag(autologous):
        return None
    origin = product.get("origin")
    if origin is not None:
        if type(origin) is not str or origin not in _ORIGINS:
            return None
        origin = _ORIGINS[origin]
    features = product.get("features")
    if features is None:
        features = _NO_FEATURES
    else:
        features = _read_features(features)
        if features is None:
            return None
    return ProductFacts(name=name, autologous=autologous, origin=origin, features=features)


def _read_features(features: Any) -> Features | None:
    if type(features) is not dict or not features.keys() <= _FEATURES:
        return None
    for flag in _FEATURE_FLAGS:
        if not _optional_flag(features.get(flag)):
            return None
    action = features.get("intended_action")
    if action is not None:
        if type(action) is not str or action not in _INTENDED_ACTIONS:
            return None
        features = {**features, "intended_action": _INTENDED_ACTIONS[action]}
    return Features(**features)
