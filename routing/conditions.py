"""Conditions of rulebook rules, written as data and evaluated against a mapping of facts.

A condition is a TOML table of ``fact = expected``. ``expected`` is a value (equality), a list
(one of), or a table of tests: ``not`` (differs, an unknown fact passes), ``min`` and ``max``
(bounds, an unknown fact fails) and ``known`` (whether the fact was given). A fact that was not
given never equals anything: the rules must not read an unanswered question as "no".
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_TESTS = frozenset({"not", "min", "max", "known"})

Test = Callable[[Any], bool]


class ConditionError(ValueError):
    """A condition in a rulebook file cannot be understood."""


def _compile(expected: Any) -> tuple[Test, bool]:
    """A test for one fact, and whether it needs the fact to be known."""
    if isinstance(expected, dict):
        unknown = set(expected) - _TESTS
        if unknown:
            raise ConditionError(f"unknown tests {sorted(unknown)}")
        tests: list[Test] = []
        if "known" in expected:
            known = bool(expected["known"])
            tests.append(lambda actual: (actual is not None) == known)
        if "not" in expected:
            excluded = expected["not"]
            tests.append(lambda actual: actual is None or actual != excluded)
        if "min" in expected:
            low = expected["min"]
            tests.append(lambda actual: actual is not None and actual >= low)
        if "max" in expected:
            high = expected["max"]
            tests.append(lambda actual: actual is not None and actual <= high)
        needs_known = "min" in expected or "max" in expected or expected.get("known") is True
        return (lambda actual: all(test(actual) for test in tests)), needs_known
    if isinstance(expected, list):
        choices = frozenset(expected)
        return (lambda actual: actual is not None and actual in choices), True
    return (lambda actual: actual is not None and actual == expected), True


@dataclass(frozen=True)
class _Clause:
    """A table of tests that must all hold."""

    tests: tuple[tuple[str, Test], ...]
    #: Facts without which this clause cannot hold: checked first, as a cheap rejection.
    required: frozenset[str]

    @classmethod
    def compile(cls, table: Mapping[str, Any]) -> "_Clause":
        tests, required = [], set()
        for name, expected in table.items():
            test, needs_known = _compile(expected)
            tests.append((name, test))
            if needs_known:
                required.add(name)
        return cls(tuple(tests), frozenset(required))

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return all(test(facts.get(name)) for name, test in self.tests)


@dataclass(frozen=True)
class Condition:
    """All of ``when`` and, if given, at least one of ``any``."""

    when: Mapping[str, Any]
    any: tuple[Mapping[str, Any], ...] = ()
    _all: _Clause = field(init=False, repr=False, compare=False)
    _alternatives: tuple[_Clause, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_all", _Clause.compile(self.when))
        object.__setattr__(self, "_alternatives", tuple(_Clause.compile(alt) for alt in self.any))

    @classmethod
    def from_toml(cls, raw: Mapping[str, Any]) -> "Condition":
        return cls(dict(raw.get("when", {})), tuple(dict(alt) for alt in raw.get("any", ())))

    @property
    def required(self) -> frozenset[str]:
        """Facts that must be known for this condition to hold."""
        return self._all.required

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if not self._all.holds(facts):
            return False
        if not self._alternatives:
            return True
        return any(alternative.holds(facts) for alternative in self._alternatives)
