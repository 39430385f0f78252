"""Decisions frozen on reports: what was decided, in both languages, as it was decided."""

from collections.abc import Sequence
from typing import Any

from routing import Decision, Queue
from routing.pharmacovigilance_centres import UNNAMED, centre_for
from vigilance.copies import as_decided
from vigilance.i18n import say


def freeze(decision: Decision, finess: str | None = None) -> dict[str, Any]:
    """A JSON-ready record of *decision* that later rulebooks cannot change.

    :param finess: the establishment's, to name the regional pharmacovigilance centre its
        pharmacovigilance reports go to (CSP R.5121-161).
    """
    french, english = decision.as_dict("fr", say), decision.as_dict("en", say)
    frozen = {key: french[key] for key in ("category", "queues", "authorities", "legal_basis", "candidates")}
    if Queue.PHARMACOVIGILANCE in decision.queues:
        centre = centre_for(finess)
        name = centre.name if centre else UNNAMED
        frozen["recipients"] = {Queue.PHARMACOVIGILANCE.value: dict(name, source=centre.source if centre else None)}
        if centre:
            frozen["authorities"] = {**frozen["authorities"], Queue.PHARMACOVIGILANCE.value: f"CRPV de {centre.city}"}
    frozen["matched"] = french["matched"]
    if decision.entry is not None:
        frozen["matched"]["label_en"] = english["matched"]["label"]
    frozen["category_label"] = {"fr": french["category_label"], "en": english["category_label"]}
    frozen["queue_labels"] = {"fr": french["queue_labels"], "en": english["queue_labels"]}
    frozen["explanation"] = {"fr": french["explanation"], "en": english["explanation"]}
    frozen["rulebook"] = {"id": french["rulebook"]["id"], "effective_from": french["rulebook"]["effective_from"]}
    frozen["rule_ids"] = list(decision.rule_ids)
    # Who gets an information copy is part of what was decided: its queue's correspondents read
    # the report (vigilance.access.copy_queues).
    frozen["copies"] = [as_decided(c) for c in decision.copies]
    frozen["follow_up_plans"] = [p.id for p in decision.followups]
    frozen["products"] = [
        {
            **product,
            "category_label": {"fr": product["category_label"], "en": in_english["category_label"]},
            "matched": {**product["matched"], **_label_en(in_english["matched"])},
        }
        for product, in_english in zip(french["products"], english["products"], strict=True)
    ]
    return frozen


def _label_en(matched: dict[str, Any]) -> dict[str, Any]:
    return {"label_en": matched["label"]} if "label" in matched else {}


def _in_language(product: dict[str, Any], language: str) -> dict[str, Any]:
    matched = dict(product["matched"])
    label_en = matched.pop("label_en", None)
    if language == "en" and label_en:
        matched["label"] = label_en
    labels = product["category_label"]
    return {**product, "category_label": labels.get(language, labels["fr"]), "matched": matched}


def classification(frozen: dict[str, Any], language: str, products: Sequence[Any] = ()) -> dict[str, Any]:
    """The frozen decision in the shape of the classify response, in *language*.

    A decision frozen before reports had several products lists none: its report's *products*
    (rows of ``report_products``: the one product a migration gave it) stand in for them.
    """
    matched = dict(frozen["matched"])
    label_en = matched.pop("label_en", None)
    if language == "en" and label_en:
        matched["label"] = label_en
    return {
        "category": frozen["category"],
        "category_label": frozen["category_label"].get(language, frozen["category_label"]["fr"]),
        "queues": frozen["queues"],
        "queue_labels": frozen.get("queue_labels", {}).get(language, frozen["queues"]),
        "authorities": frozen["authorities"],
        "recipients": {
            queue: recipient.get(language, recipient["fr"]) for queue, recipient in frozen.get("recipients", {}).items()
        },
        "matched": matched,
        "candidates": frozen.get("candidates", []),
        "explanation": frozen["explanation"].get(language, frozen["explanation"]["fr"]),
        "legal_basis": frozen["legal_basis"],
        "rulebook": frozen["rulebook"],
        "copies": frozen.get("copies", []),
        "products": [_in_language(p, language) for p in frozen["products"]]
        if "products" in frozen
        else [
            {"name": p.name, "category": p.category, "matched": {**matched, "by": p.matched_by or matched["by"]}}
            for p in products
        ],
    }
