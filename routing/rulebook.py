"""Rulebooks: the law as versioned data files, each in force from its date.

A rulebook names its catalogue files, the qualification questionnaire's rules, the routing
rules from category and event kind to queues and authorities, and the deadline policies, each
with its legal basis. A change of law is a new file with a later ``effective_from``.
"""

import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from routing.calendar import CONVENTIONS, WorkingCalendar
from routing.catalogue import Catalogue, load_catalogue
from routing.conditions import Condition
from routing.deadlines import ANCHORS, UNITS, DeadlinePolicy
from routing.followups import PLAN_ANCHORS, STEP_UNITS, CopyRule, FollowupPlan, FollowupStep
from routing.inheritance import resolve
from routing.vocabulary import Category, EventKind, Queue
from routing.wording import Text

DATA_DIR = Path(__file__).parent / "data"


class RulebookError(ValueError):
    """A rulebook file is malformed or inconsistent; raised at load time, never when deciding."""


@dataclass(frozen=True)
class QualificationRule:
    """A questionnaire outcome: when the answers say this, the product is of that category."""

    id: str
    category: Category
    condition: Condition
    explanation: Text
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class RoutingRule:
    """Which queues receive an event of these kinds involving products of these categories."""

    id: str
    categories: frozenset[Category]
    event_kinds: frozenset[EventKind]
    condition: Condition
    queues: tuple[Queue, ...]
    authorities: Mapping[Queue, str]
    explanation: Text
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class StatusWatch:
    """Catalogue entries whose regulatory status may move: every decision about them says so.

    Where a text announces that a product's qualification may change (the SoHO coordination
    board may advise on it) but nothing has decided yet, the product keeps today's category and
    route, and the decision says why that may change and on what basis.
    """

    id: str
    entries: frozenset[str]
    explanation: Text
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class CombinationRule:
    """What the law says of an event that concerns several products, beyond each one's own routes.

    Each product keeps its own routes; this rule only explains why their vigilances all receive
    the report, with the texts it rests on.
    """

    id: str
    #: Each group must hold the category of at least one of the products (no group: any several).
    involving: tuple[frozenset[Category], ...]
    explanation: Text
    legal_basis: tuple[str, ...]

    def applies(self, categories: Iterable[Category]) -> bool:
        present = set(categories)
        return all(present & group for group in self.involving)


@dataclass(frozen=True)
class Predicate:
    """A named fact derived from answers, such as "engineered", so rules stay short."""

    name: str
    condition: Condition


@dataclass(frozen=True)
class Rulebook:
    id: str
    effective_from: date
    title: Text
    calendar_convention: str
    catalogue: Catalogue
    predicates: tuple[Predicate, ...]
    qualification: tuple[QualificationRule, ...]
    routing: tuple[RoutingRule, ...]
    deadlines: tuple[DeadlinePolicy, ...]
    requalified: Mapping[str, Category]
    source: Path
    #: When reminders go out, as fractions of the time a deadline allows.
    reminder_stages: tuple[float, ...] = (0.5, 0.9)
    status_watches: tuple[StatusWatch, ...] = ()
    #: The rulebook this one extends (its rules replaced, added or removed by id), if any.
    extends: str | None = None
    #: Why each re-qualified catalogue entry is re-qualified (its legal basis).
    requalification_basis: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Which cases open which follow-up plan, with its schedule and what to check.
    followups: tuple[FollowupPlan, ...] = ()
    #: Where a text makes one vigilance inform another: the other queue's information copy.
    copies: tuple[CopyRule, ...] = ()
    #: Explanations of events that concern several products (``[[combination]]``), in file order.
    combinations: tuple[CombinationRule, ...] = ()

    def __post_init__(self):
        # Deciding is hot: index the rules once by what selects them.
        routes: dict[tuple[Category, EventKind], list[RoutingRule]] = {}
        for rule in self.routing:
            for category in rule.categories:
                for kind in rule.event_kinds:
                    routes.setdefault((category, kind), []).append(rule)
        object.__setattr__(self, "_routes", {key: tuple(rules) for key, rules in routes.items()})
        by_queue: dict[Queue, list[DeadlinePolicy]] = {}
        for policy in self.deadlines:
            by_queue.setdefault(policy.queue, []).append(policy)
        object.__setattr__(self, "_deadlines", {queue: tuple(p) for queue, p in by_queue.items()})
        watches: dict[str, list[StatusWatch]] = {}
        for watch in self.status_watches:
            for entry_id in watch.entries:
                watches.setdefault(entry_id, []).append(watch)
        object.__setattr__(self, "_watches", {entry: tuple(w) for entry, w in watches.items()})

    def status_watches_for(self, entry_id: str) -> tuple[StatusWatch, ...]:
        """What this rulebook says of a catalogue entry whose status may move."""
        return self._watches.get(entry_id, ())

    def deadlines_for(self, queue: Queue) -> tuple[DeadlinePolicy, ...]:
        """The deadline policies of one queue, in file order."""
        return self._deadlines.get(queue, ())

    def routing_rules_for(self, category: Category, event_kind: EventKind) -> tuple[RoutingRule, ...]:
        """The routing rules that may apply to this category and event kind, in file order."""
        return self._routes.get((category, event_kind), ())

    def calendar(self, region: str) -> WorkingCalendar:
        return _calendar(region, self.calendar_convention)


@lru_cache(maxsize=128)
def _calendar(region: str, convention: str) -> WorkingCalendar:
    return WorkingCalendar(region=region, convention=convention)


class Rulebooks:
    """Every known rulebook, ordered by the date it takes effect."""

    def __init__(self, rulebooks: Iterable[Rulebook]):
        ordered = sorted(rulebooks, key=lambda r: r.effective_from)
        if not ordered:
            raise RulebookError("no rulebook")
        ids = [r.id for r in ordered]
        if len(set(ids)) != len(ids):
            raise RulebookError(f"duplicate rulebook ids in {ids}")
        dates = [r.effective_from for r in ordered]
        if len(set(dates)) != len(dates):
            raise RulebookError("two rulebooks take effect on the same day")
        self._ordered = tuple(ordered)
        self._dates = dates

    def __iter__(self):
        return iter(self._ordered)

    def in_force(self, on: date) -> Rulebook | None:
        """The rulebook in force on *on*, or ``None`` before the first one."""
        position = bisect_right(self._dates, on)
        return self._ordered[position - 1] if position else None

    @property
    def earliest(self) -> Rulebook:
        return self._ordered[0]

    def get(self, rulebook_id: str) -> Rulebook:
        for rulebook in self._ordered:
            if rulebook.id == rulebook_id:
                return rulebook
        raise KeyError(rulebook_id)


def load_rulebook(path: Path, catalogue_dir: Path | None = None) -> Rulebook:
    """Read and check one rulebook file; its catalogue globs are relative to *catalogue_dir*.

    A rulebook that extends another finds its base among the files of its own directory.
    """
    raw = _read(path)
    raw_by_id = {raw["id"]: raw} if "extends" not in raw else _read_directory(path.parent)
    return _load(raw["id"], raw_by_id, path, catalogue_dir or path.parent.parent)


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{path.name}: {exc}") from exc
    if not isinstance(raw.get("id"), str):
        raise RulebookError(f"{path.name}: a rulebook needs an id")
    return raw


def _read_directory(directory: Path) -> dict[str, dict]:
    raw_by_id: dict[str, dict] = {}
    for path in sorted(directory.glob("*.toml")):
        raw = _read(path)
        if raw["id"] in raw_by_id:
            raise RulebookError(f"{path.name}: duplicate rulebook id {raw['id']!r}")
        raw_by_id[raw["id"]] = raw | {"__path__": path}
    return raw_by_id


def _load(rulebook_id: str, raw_by_id: Mapping[str, Mapping], path: Path, base: Path) -> Rulebook:
    try:
        raw = resolve(raw_by_id, rulebook_id)
        raw.pop("__path__", None)
        raw["extends"] = raw_by_id[rulebook_id].get("extends")
        return _build(raw, path, base)
    except (KeyError, TypeError, ValueError) as exc:  # InheritanceError and RulebookError included
        raise RulebookError(f"{path.name}: {exc}") from exc


def _text(raw: Mapping, where: str) -> Text:
    if not isinstance(raw, Mapping) or not {"fr", "en"} <= set(raw):
        raise RulebookError(f"{where}: needs a text in fr and en")
    return dict(raw)


def _legal_basis(raw: Mapping, where: str) -> tuple[str, ...]:
    basis = tuple(raw.get("legal_basis", ()))
    if not basis:
        raise RulebookError(f"{where}: every rule needs its legal basis")
    return basis


def _build(raw: Mapping, path: Path, base: Path) -> Rulebook:
    rulebook_id = raw["id"]
    effective_from = raw["effective_from"]
    if not isinstance(effective_from, date):
        raise RulebookError("effective_from must be a TOML date")
    catalogue_files = sorted({p for pattern in raw["catalogue"] for p in base.glob(pattern)})
    if not catalogue_files:
        raise RulebookError(f"no catalogue file matches {raw['catalogue']}")
    catalogue = load_catalogue(catalogue_files)
    requalified = {entry_id: Category(spec["category"]) for entry_id, spec in raw.get("requalify", {}).items()}
    requalification_basis = {
        entry_id: _legal_basis(spec, f"requalify.{entry_id}") for entry_id, spec in raw.get("requalify", {}).items()
    }
    if requalified:
        catalogue = catalogue.with_categories(requalified)
    authorities = {Queue(q): name for q, name in raw.get("authorities", {}).items()}
    convention = raw.get("calendar", {}).get("convention", "ouvrables")
    if convention not in CONVENTIONS:
        raise RulebookError(f"unknown calendar convention {convention!r}")

    predicates = tuple(Predicate(name, Condition.from_toml(spec)) for name, spec in raw.get("predicates", {}).items())
    qualification = tuple(
        QualificationRule(
            id=rule["id"],
            category=Category(rule["category"]),
            condition=Condition.from_toml(rule),
            explanation=_text(rule["explanation"], rule["id"]),
            legal_basis=_legal_basis(rule, rule["id"]),
        )
        for rule in raw.get("qualification", [])
    )
    routing = tuple(_routing_rule(rule, authorities) for rule in raw.get("routing", []))
    deadlines = tuple(_deadline_policy(rule) for rule in raw.get("deadline", []))
    status_watches = tuple(_status_watch(rule, catalogue) for rule in raw.get("status_watch", []))
    followups = tuple(_followup_plan(rule) for rule in raw.get("followup", []))
    copies = tuple(_copy_rule(rule) for rule in raw.get("copy", []))
    combinations = tuple(
        CombinationRule(
            id=rule["id"],
            involving=tuple(frozenset(Category(c) for c in group) for group in rule.get("involving", [])),
            explanation=_text(rule["explanation"], rule["id"]),
            legal_basis=_legal_basis(rule, rule["id"]),
        )
        for rule in raw.get("combination", [])
    )
    ids = [r.id for r in (*qualification, *routing, *deadlines, *status_watches, *followups, *copies, *combinations)]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RulebookError(f"duplicate rule ids {sorted(duplicates)}")
    for rule in (*followups, *copies):
        queue = rule.queue if isinstance(rule, FollowupPlan) else rule.source
        if not _routed(routing, queue, rule.categories, rule.event_kinds):
            # A plan or copy hanging on a queue its cases never reach would silently never apply.
            raise RulebookError(f"{rule.id}: no routing rule sends these cases to {queue.value}")
    return Rulebook(
        id=rulebook_id,
        effective_from=effective_from,
        title=_text(raw["title"], "title"),
        calendar_convention=convention,
        catalogue=catalogue,
        predicates=predicates,
        qualification=qualification,
        routing=routing,
        deadlines=deadlines,
        requalified=requalified,
        source=path,
        reminder_stages=_stages(raw.get("reminders", {}).get("stages", [0.5, 0.9])),
        status_watches=status_watches,
        extends=raw.get("extends"),
        requalification_basis=requalification_basis,
        followups=followups,
        copies=copies,
        combinations=combinations,
    )


def _status_watch(rule: Mapping, catalogue: Catalogue) -> StatusWatch:
    entries = frozenset(rule["entries"])
    unknown = entries - set(catalogue.entries)
    if not entries or unknown:
        raise RulebookError(f"{rule['id']}: watches unknown catalogue entries {sorted(unknown)}")
    return StatusWatch(
        id=rule["id"],
        entries=entries,
        explanation=_text(rule["explanation"], rule["id"]),
        legal_basis=_legal_basis(rule, rule["id"]),
    )


def _stages(raw) -> tuple[float, ...]:
    stages = tuple(float(s) for s in raw)
    if any(not 0 < s < 1 for s in stages):
        raise RulebookError("reminder stages are fractions strictly between 0 and 1")
    return tuple(sorted(stages))


def _routing_rule(rule: Mapping, authorities: Mapping[Queue, str]) -> RoutingRule:
    queues = tuple(Queue(q) for q in rule["queues"])
    own = {Queue(q): name for q, name in rule.get("authorities", {}).items()}
    return RoutingRule(
        id=rule["id"],
        categories=frozenset(Category(c) for c in rule["categories"]),
        event_kinds=frozenset(EventKind(k) for k in rule.get("event_kinds", list(EventKind))),
        condition=Condition.from_toml(rule),
        queues=queues,
        authorities={q: own.get(q, authorities.get(q)) for q in queues if own.get(q, authorities.get(q))},
        explanation=_text(rule["explanation"], rule["id"]),
        legal_basis=_legal_basis(rule, rule["id"]),
    )


def _deadline_policy(rule: Mapping) -> DeadlinePolicy:
    if rule["unit"] not in UNITS:
        raise RulebookError(f"{rule['id']}: unknown unit {rule['unit']!r}")
    if rule["from"] not in ANCHORS:
        raise RulebookError(f"{rule['id']}: unknown anchor {rule['from']!r}")
    return DeadlinePolicy(
        id=rule["id"],
        queue=Queue(rule["queue"]),
        kind=rule["kind"],
        action=_text(rule["action"], rule["id"]),
        amount=rule["amount"],
        unit=rule["unit"],
        anchor=rule["from"],
        legal_basis=_legal_basis(rule, rule["id"]),
        condition=Condition.from_toml(rule),
        without_delay=rule.get("without_delay", False),
        at_the_latest=rule.get("at_the_latest", False),
        service_target=rule.get("service_target", False),
        group=rule.get("group"),
        note=rule.get("note"),
    )


def _routed(routing, queue: Queue, categories, event_kinds) -> bool:
    return any(
        queue in rule.queues and rule.categories & categories and rule.event_kinds & event_kinds for rule in routing
    )


def _followup_plan(rule: Mapping) -> FollowupPlan:
    """A follow-up plan, checked: a queue, a schedule that moves forward, a text per step."""
    plan_id = rule["id"]
    anchor = rule.get("from", "received")
    if anchor not in PLAN_ANCHORS:
        raise RulebookError(f"{plan_id}: a plan counts from one of {sorted(PLAN_ANCHORS)}, not {anchor!r}")
    steps: list[FollowupStep] = []
    for raw_step in rule.get("step", []):
        unit = raw_step["unit"]
        if unit not in STEP_UNITS:
            raise RulebookError(f"{plan_id}: unknown step unit {unit!r}")
        # "every" and "times": a check repeated at a fixed interval (yearly for 15 years).
        every, times = raw_step.get("every"), raw_step.get("times", 1)
        offsets = [every * n for n in range(1, times + 1)] if every else [raw_step["after"]]
        for after in offsets:
            if not isinstance(after, int) or after <= 0:
                raise RulebookError(f"{plan_id}: a step falls a whole, positive number of {unit} after the start")
            steps.append(
                FollowupStep(
                    number=len(steps) + 1,
                    after=after,
                    unit=unit,
                    check=_text(raw_step["check"], f"{plan_id} step {len(steps) + 1}"),
                )
            )
    if not steps:
        raise RulebookError(f"{plan_id}: a follow-up plan needs at least one step")
    start = datetime(2000, 1, 31, tzinfo=UTC)
    moments = [step.due_at(start) for step in steps]
    if moments != sorted(moments) or len(set(moments)) != len(moments):
        raise RulebookError(f"{plan_id}: steps must fall in order, each after the one before")
    return FollowupPlan(
        id=plan_id,
        kind=rule["kind"],
        queue=Queue(rule["queue"]),
        categories=frozenset(Category(c) for c in rule["categories"]),
        event_kinds=frozenset(EventKind(k) for k in rule.get("event_kinds", list(EventKind))),
        condition=Condition.from_toml(rule),
        anchor=anchor,
        title=_text(rule["title"], plan_id),
        until=_text(rule["until"], f"{plan_id}.until"),
        steps=tuple(steps),
        explanation=_text(rule["explanation"], plan_id),
        legal_basis=_legal_basis(rule, plan_id),
        ends_with_item=bool(rule.get("ends_with_item", False)),
    )


def _copy_rule(rule: Mapping) -> CopyRule:
    """An information copy from one queue to another, checked: two different queues, neither
    the qualification queue (an unqualified report informs nobody yet)."""
    source, target = Queue(rule["from"]), Queue(rule["to"])
    if source == target:
        raise RulebookError(f"{rule['id']}: a copy goes to another queue than its own")
    if Queue.QUALIFICATION in (source, target):
        raise RulebookError(f"{rule['id']}: the qualification queue neither sends nor receives copies")
    return CopyRule(
        id=rule["id"],
        source=source,
        target=target,
        categories=frozenset(Category(c) for c in rule["categories"]),
        event_kinds=frozenset(EventKind(k) for k in rule.get("event_kinds", list(EventKind))),
        condition=Condition.from_toml(rule),
        explanation=_text(rule["explanation"], rule["id"]),
        legal_basis=_legal_basis(rule, rule["id"]),
        on_request=bool(rule.get("on_request", False)),
    )


def load_rulebooks(directory: Path, catalogue_dir: Path | None = None) -> Rulebooks:
    """Load every ``*.toml`` rulebook of *directory*, each extended one over its base."""
    raw_by_id = _read_directory(directory)
    base = catalogue_dir or directory.parent
    return Rulebooks(_load(i, raw_by_id, raw["__path__"], base) for i, raw in raw_by_id.items())


@lru_cache(maxsize=1)
def shipped_rulebooks() -> Rulebooks:
    """The rulebooks shipped with the service (read once: they are immutable data)."""
    return load_rulebooks(DATA_DIR / "rulebooks", DATA_DIR)
