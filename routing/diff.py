"""What changes from one rulebook to another, each change with the texts it rests on.

Pure: two loaded rulebooks in, a :class:`RulebookDiff` out. The command line and the
coordinators' page only write it out.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from routing.rulebook import Rulebook
from routing.vocabulary import Category, EventKind, Queue
from routing.wording import Text

#: The kinds of rules compared, as the rulebook files name them, with the attribute holding them.
RULE_KINDS = (
    ("qualification", "qualification"),
    ("routing", "routing"),
    ("deadline", "deadlines"),
    ("status_watch", "status_watches"),
)


@dataclass(frozen=True)
class EntryChange:
    """A catalogue entry whose category, or the queues its category goes to, change."""

    entry_id: str
    label: Text
    category_before: Category | None
    category_after: Category | None
    #: Per event kind whose queues change: the queues before and after.
    queues: tuple[tuple[EventKind, tuple[Queue, ...], tuple[Queue, ...]], ...]
    legal_basis: tuple[str, ...]

    @property
    def category_changes(self) -> bool:
        return self.category_before != self.category_after


@dataclass(frozen=True)
class RuleChange:
    """A rule added, removed or changed (same id, other content)."""

    kind: str  # "qualification", "routing", "deadline" or "status_watch"
    rule_id: str
    change: str  # "added", "removed" or "changed"
    #: For a changed rule: each field that differs, with its value before and after.
    differences: tuple[tuple[str, Any, Any], ...]
    #: The rule's legal basis: the new rule's, or the removed rule's.
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class RulebookDiff:
    old_id: str
    new_id: str
    entries: tuple[EntryChange, ...]
    rules: tuple[RuleChange, ...]

    @property
    def is_empty(self) -> bool:
        return not self.entries and not self.rules

    def rules_of(self, kind: str) -> tuple[RuleChange, ...]:
        return tuple(change for change in self.rules if change.kind == kind)


def diff_rulebooks(old: Rulebook, new: Rulebook) -> RulebookDiff:
    """Every change from *old* to *new*: catalogue entries, then rules kind by kind, in file order."""
    rules: list[RuleChange] = []
    for kind, attribute in RULE_KINDS:
        rules.extend(_rule_changes(kind, getattr(old, attribute), getattr(new, attribute)))
    return RulebookDiff(old.id, new.id, tuple(_entry_changes(old, new)), tuple(rules))


def queues_by_event_kind(rulebook: Rulebook, category: Category) -> dict[EventKind, tuple[Queue, ...]]:
    """The queues a category goes to for each event kind, whatever the rules' conditions."""
    routes: dict[EventKind, tuple[Queue, ...]] = {}
    for kind in EventKind:
        queues: dict[Queue, None] = {}
        for rule in rulebook.routing_rules_for(category, kind):
            queues.update(dict.fromkeys(rule.queues))
        routes[kind] = tuple(queues) or (Queue.QUALIFICATION,)
    return routes


def _entry_changes(old: Rulebook, new: Rulebook) -> Iterable[EntryChange]:
    old_routes: dict[Category, dict] = {}
    new_routes: dict[Category, dict] = {}
    for entry_id in sorted(set(old.catalogue.entries) | set(new.catalogue.entries)):
        before, after = old.catalogue.entries.get(entry_id), new.catalogue.entries.get(entry_id)
        category_before = before.category if before else None
        category_after = after.category if after else None
        queues_before = _cached(old_routes, old, category_before)
        queues_after = _cached(new_routes, new, category_after)
        queues = tuple(
            (kind, queues_before.get(kind, ()), queues_after.get(kind, ()))
            for kind in EventKind
            if queues_before.get(kind, ()) != queues_after.get(kind, ())
        )
        if category_before == category_after and not queues:
            continue
        yield EntryChange(
            entry_id=entry_id,
            label=(after or before).label,
            category_before=category_before,
            category_after=category_after,
            queues=queues,
            legal_basis=_entry_basis(new, after, category_before != category_after) if after else (),
        )


def _cached(cache: dict, rulebook: Rulebook, category: Category | None) -> Mapping[EventKind, tuple[Queue, ...]]:
    if category is None:
        return {}
    if category not in cache:
        cache[category] = queues_by_event_kind(rulebook, category)
    return cache[category]


def _entry_basis(rulebook: Rulebook, entry, category_changed: bool) -> tuple[str, ...]:
    """Why the entry changes: the re-qualification's basis, the entry's source, or its routes' bases."""
    if category_changed:
        return rulebook.requalification_basis.get(entry.id, ()) or (entry.source,)
    seen: dict[str, None] = {}
    for kind in EventKind:
        for rule in rulebook.routing_rules_for(entry.category, kind):
            seen.update(dict.fromkeys(rule.legal_basis))
    return tuple(seen)


def _rule_changes(kind: str, old_rules: Iterable, new_rules: Iterable) -> Iterable[RuleChange]:
    old_by_id = {rule.id: rule for rule in old_rules}
    new_by_id = {rule.id: rule for rule in new_rules}
    for rule_id, rule in new_by_id.items():
        before = old_by_id.get(rule_id)
        if before is None:
            yield RuleChange(kind, rule_id, "added", (), tuple(rule.legal_basis))
        elif before != rule:
            differences = tuple(
                (field.name, _plain(getattr(before, field.name)), _plain(getattr(rule, field.name)))
                for field in fields(rule)
                if field.compare and getattr(before, field.name) != getattr(rule, field.name)
            )
            yield RuleChange(kind, rule_id, "changed", differences, tuple(rule.legal_basis))
    for rule_id, rule in old_by_id.items():
        if rule_id not in new_by_id:
            yield RuleChange(kind, rule_id, "removed", (), tuple(rule.legal_basis))


def _plain(value: Any) -> Any:
    """A value as people read it: sets sorted, enums by their value, conditions as their tables."""
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if hasattr(value, "when") and hasattr(value, "any"):  # a Condition
        plain = {"when": _plain(value.when)}
        if value.any:
            plain["any"] = _plain(value.any)
        return plain
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
