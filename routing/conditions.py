"""Conditions of rulebook rules, written as data and evaluated against a mapping of facts.

A condition is a TOML table of ``fact = expected``. ``expected`` is a value (equality), a list
(one of), or a table of tests: ``not`` (differs, an unknown fact passes), ``min`` and ``max``
(bounds, an unknown fact fails) and ``known`` (whether the fact was given). A fact that was not
given never equals anything: the rules must not read an unanswered question as "no".
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TESTS = frozenset({"not", "min", "max", "known"})


class ConditionError(ValueError):
    """A condition in a rulebook file cannot be understood."""


@dataclass(frozen=True)
class Condition:
    """All of ``when`` and, if given, at least one of ``any``."""

    when: Mapping[str, Any]
    any: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_toml(cls, raw: Mapping[str, Any]) -> "Condition":
        when = dict(raw.get("when", {}))
        alternatives = tuple(dict(alt) for alt in raw.get("any", ()))
        for table in (when, *alternatives):
            for expected in table.values():
                if isinstance(expected, dict) and not set(expected) <= _TESTS:
                    raise ConditionError(f"unknown tests {sorted(set(expected) - _TESTS)}")
        return cls(when, alternatives)

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if not _all_hold(self.when, facts):
            return False
        return not self.any or any(_all_hold(alt, facts) for alt in self.any)

    @property
    def fact_names(self) -> frozenset[str]:
        names = set(self.when)
        for alt in self.any:
            names.update(alt)
        return frozenset(names)


def _all_hold(table: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    return all(_holds(facts.get(name), expected) for name, expected in table.items())


def _holds(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        if "known" in expected and (actual is not None) != expected["known"]:
            return False
        if "not" in expected and actual is not None and actual == expected["not"]:
            return False
        if "min" in expected and (actual is None or actual < expected["min"]):
            return False
        if "max" in expected and (actual is None or actual > expected["max"]):
            return False
        return True
    if actual is None:
        return False
    if isinstance(expected, list):
        return actual in expected
    return actual == expected
