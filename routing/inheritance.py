"""A rulebook that extends another: the base's data, with rules replaced, added or removed by id.

A new law rarely rewrites every rule: the SoHO rulebook keeps most French rules of 2024 and
changes a few. Copying the whole file would let the copies drift apart when the base is
corrected; ``extends = "<rulebook id>"`` takes the base as it is and states only the changes:

- a rule (``[[qualification]]``, ``[[routing]]``, ``[[deadline]]``, ``[[status_watch]]``,
  ``[[followup]]``, ``[[copy]]``, ``[[combination]]``) whose
  id the base has replaces the base's rule in its place (the whole rule: each keeps its own
  legal basis); a new id is added at the end, or before the rule named by its ``before`` key
  (order matters where the first rule that holds decides);
- ``[remove]`` lists, per kind of rule, ids of the base's rules that no longer apply;
- ``[[amend]]`` adds to a base rule without restating it, so that corrections of the base
  still reach the rulebooks that extend it: ``legal_basis`` (cited first), ``explanation``
  (a sentence added after the base's, in each language) and ``without_categories`` (categories
  the rule no longer covers);
- tables (``authorities``, ``calendar``, ``reminders``, ``predicates``, ``requalify``) are merged
  key by key; ``catalogue`` is the base's unless given.

Every mistake (an unknown base, a cycle, removing or placing before an unknown id, removing and
redefining the same id) is refused when the rulebooks are loaded, naming the file.
"""

from collections.abc import Mapping
from typing import Any

#: The lists of rules, each merged by id.
RULE_LISTS = ("qualification", "routing", "deadline", "status_watch", "followup", "copy", "combination")
#: The tables merged key by key.
MERGED_TABLES = ("authorities", "calendar", "reminders", "predicates", "requalify")
#: What a rulebook never inherits: what it is, and when it applies.
OWN_KEYS = ("id", "effective_from", "title", "extends", "remove", "amend")
#: What an amendment may add to a rule, besides naming it (``kind`` and ``rule``).
AMENDMENT_KEYS = frozenset(("kind", "rule", "legal_basis", "explanation", "without_categories"))


class InheritanceError(ValueError):
    """A rulebook's ``extends`` cannot be resolved into one consistent rulebook."""


def resolve(raw_by_id: Mapping[str, Mapping[str, Any]], rulebook_id: str) -> dict[str, Any]:
    """The complete data of *rulebook_id*, its bases' data merged in, base first."""
    chain: list[str] = []
    current = rulebook_id
    while True:
        if current in chain:
            raise InheritanceError(f"{rulebook_id}: extends itself through {' -> '.join([*chain, current])}")
        chain.append(current)
        parent = raw_by_id[current].get("extends")
        if parent is None:
            break
        if parent not in raw_by_id:
            raise InheritanceError(f"{current}: extends unknown rulebook {parent!r} (known: {sorted(raw_by_id)})")
        current = parent
    merged = {k: v for k, v in raw_by_id[chain[-1]].items() if k not in ("extends", "remove", "amend")}
    for child_id in reversed(chain[:-1]):
        merged = merge(merged, raw_by_id[child_id])
    return merged


def merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """*child*'s data over *base*'s, as the module's docstring says."""
    where = child.get("id", "?")
    removals = child.get("remove", {})
    unknown_kinds = set(removals) - set(RULE_LISTS)
    if unknown_kinds:
        raise InheritanceError(f"{where}: [remove] names unknown kinds of rules {sorted(unknown_kinds)}")
    merged: dict[str, Any] = {k: v for k, v in base.items() if k not in OWN_KEYS}
    for key, value in child.items():
        if key in ("extends", "remove", "amend") or key in RULE_LISTS or key in MERGED_TABLES:
            continue
        merged[key] = value
    for table in MERGED_TABLES:
        if table in child:
            merged[table] = _merge_table(base.get(table, {}), child[table])
    for kind in RULE_LISTS:
        merged[kind] = _merge_rules(base.get(kind, []), child.get(kind, []), removals.get(kind, []), f"{where}: {kind}")
    for amendment in child.get("amend", []):
        _amend(merged, amendment, where)
    return merged


def _amend(merged: dict[str, Any], amendment: Mapping[str, Any], where: str) -> None:
    kind, rule_id = amendment.get("kind"), amendment.get("rule")
    unknown = set(amendment) - AMENDMENT_KEYS
    if kind not in RULE_LISTS or not rule_id or unknown:
        raise InheritanceError(
            f"{where}: an [[amend]] names a kind of rule ({', '.join(RULE_LISTS)}) and a rule id, and may add "
            f"only {sorted(AMENDMENT_KEYS - {'kind', 'rule'})} (got kind={kind!r}, rule={rule_id!r}, "
            f"unknown keys {sorted(unknown)})"
        )
    targets = [rule for rule in merged[kind] if rule["id"] == rule_id]
    if not targets:
        raise InheritanceError(f"{where}: cannot amend {kind} rule {rule_id!r}, the base has no such rule")
    rule = targets[0]
    if "legal_basis" in amendment:
        rule["legal_basis"] = [*amendment["legal_basis"], *rule.get("legal_basis", [])]
    if "explanation" in amendment:
        added = amendment["explanation"]
        base = rule.get("explanation", {})
        if set(added) != set(base):
            raise InheritanceError(f"{where}: the amendment of {rule_id!r} must add to its text in {sorted(base)}")
        rule["explanation"] = {language: f"{base[language]} {added[language]}" for language in base}
    if "without_categories" in amendment:
        gone = set(amendment["without_categories"])
        if not gone <= set(rule.get("categories", [])):
            raise InheritanceError(f"{where}: {rule_id!r} does not cover {sorted(gone - set(rule['categories']))}")
        rule["categories"] = [c for c in rule["categories"] if c not in gone]


def _merge_table(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    return {**base, **child}


def _merge_rules(base: list[Mapping], child: list[Mapping], removed: list[str], where: str) -> list[dict]:
    base_ids = [rule["id"] for rule in base]
    for rule_id in removed:
        if rule_id not in base_ids:
            raise InheritanceError(f"{where}: cannot remove {rule_id!r}, the base has no such rule")
    child_ids = [rule["id"] for rule in child]
    both = set(removed) & set(child_ids)
    if both:
        raise InheritanceError(f"{where}: {sorted(both)} both removed and redefined; redefining is enough")
    replacing = {rule["id"]: rule for rule in child if rule["id"] in base_ids}
    rules = [dict(replacing.get(rule["id"], rule)) for rule in base if rule["id"] not in removed]
    for rule in child:
        if rule["id"] in base_ids:
            continue
        added = {k: v for k, v in rule.items() if k != "before"}
        anchor = rule.get("before")
        if anchor is None:
            rules.append(added)
            continue
        positions = [i for i, kept in enumerate(rules) if kept["id"] == anchor]
        if not positions:
            raise InheritanceError(f"{where}: {rule['id']!r} is to go before {anchor!r}, which is not there")
        rules.insert(positions[0], added)
    for rule in rules:
        rule.pop("before", None)
    return rules
