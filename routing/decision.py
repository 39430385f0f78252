"""The decision: from what is known of an event, the product's category, queues and deadlines.

``decide`` is pure: the same facts and date give the same decision, it reads no database and it
never raises for any facts: what the rules cannot decide goes to a person, with the reason.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from routing.catalogue import CatalogueEntry
from routing.deadlines import Deadline
from routing.facts import Facts, ProductFacts
from routing.followups import CopyRule, FollowupPlan
from routing.messages import CATEGORY_LABELS, EVENT_KIND_LABELS, QUEUE_LABELS, message
from routing.rulebook import Rulebook, Rulebooks, shipped_rulebooks
from routing.several import principal_position, read_products
from routing.vocabulary import Category, Queue
from routing.wording import Said, Say, in_language, words


@dataclass(frozen=True)
class Step:
    """One step of the reasoning, with the texts it rests on."""

    text: Said
    legal_basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductDecision:
    """One product of the event as the rules read it: its own category and queues."""

    name: str
    category: Category
    queues: tuple[Queue, ...]
    matched_by: str
    entry: CatalogueEntry | None
    alias: str | None
    candidates: tuple[CatalogueEntry, ...] = ()
    #: The product as described (its answers, whether autologous), to store and decide again.
    given: ProductFacts = field(default_factory=ProductFacts)

    def as_dict(self, language: str, say: Say) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category.value,
            "category_label": say(CATEGORY_LABELS[self.category], language),
            "matched": _matched(self.matched_by, self.entry, self.alias, language, say),
            "queues": [q.value for q in self.queues],
        }


def _matched(matched_by: str, entry: CatalogueEntry | None, alias: str | None, language: str, say: Say) -> dict:
    matched: dict[str, Any] = {"by": matched_by, "entry": None}
    if entry is not None:
        matched.update(entry=entry.id, label=in_language(entry.label, language, say), alias=alias, source=entry.source)
    return matched


@dataclass(frozen=True)
class Decision:
    """The outcome, with everything needed to explain it and to date its deadlines."""

    category: Category
    queues: tuple[Queue, ...]
    authorities: Mapping[Queue, str]
    matched_by: str  # "catalogue", "questionnaire", "none", or "person" (requalified)
    entry: CatalogueEntry | None
    alias: str | None
    steps: tuple[Step, ...]
    rulebook: Rulebook
    deadlines: tuple[Deadline, ...]
    candidates: tuple[CatalogueEntry, ...] = ()
    rule_ids: tuple[str, ...] = field(default=())
    #: The follow-up plans the case opens, each on the item of its queue.
    followups: tuple[FollowupPlan, ...] = ()
    #: The queues that get an information copy, by the rule that says so.
    copies: tuple[CopyRule, ...] = ()
    #: Every product of the event, as given (a name holding several read as several); the
    #: decision's own category, match and candidates are those of the principal product.
    products: tuple[ProductDecision, ...] = ()
    #: Where the principal product is in ``products``.
    principal: int = 0

    @property
    def legal_basis(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for step in self.steps:
            for basis in step.legal_basis:
                seen.setdefault(basis, None)
        return tuple(seen)

    def explanation(self, language: str, say: Say) -> list[str]:
        """The steps of the reasoning in *language*, the engine's words written by *say*."""
        return [in_language(step.text, language, say) for step in self.steps]

    def as_dict(self, language: str, say: Say) -> dict[str, Any]:
        """The decision in the shape of contract.md's classify response, in *language*.

        *say* writes the engine's words (``vigilance.i18n.say``: the engine knows no catalogue).
        """
        matched = _matched(self.matched_by, self.entry, self.alias, language, say)
        return {
            "category": self.category.value,
            "category_label": say(CATEGORY_LABELS[self.category], language),
            "queues": [q.value for q in self.queues],
            "queue_labels": [say(QUEUE_LABELS[q], language) for q in self.queues],
            "authorities": {q.value: a for q, a in self.authorities.items()},
            "matched": matched,
            "candidates": [
                {
                    "entry": c.id,
                    "label": in_language(c.label, language, say),
                    "category": c.category.value,
                }
                for c in self.candidates
            ],
            "explanation": self.explanation(language, say),
            "legal_basis": list(self.legal_basis),
            "rulebook": {
                "id": self.rulebook.id,
                "effective_from": self.rulebook.effective_from.isoformat(),
                "title": in_language(self.rulebook.title, language, say),
            },
            "deadlines": [
                {
                    "queue": d.queue.value,
                    "kind": d.kind,
                    "rule": d.policy.id,
                    "description": say(d.policy.describe(), language),
                    "amount": d.policy.amount,
                    "unit": d.policy.unit,
                    "from": d.policy.anchor,
                    "without_delay": d.policy.without_delay,
                    "due_at": rfc3339(d.due_at),
                    "legal_basis": list(d.policy.legal_basis),
                }
                for d in self.deadlines
            ],
            "copies": [
                {
                    "queue": c.target.value,
                    "source": c.source.value,
                    "rule": c.id,
                    "explanation": in_language(c.explanation, language, say),
                    "legal_basis": list(c.legal_basis),
                }
                for c in self.copies
            ],
            "follow_up_plans": [
                {
                    "plan": p.id,
                    "kind": p.kind,
                    "queue": p.queue.value,
                    "title": in_language(p.title, language, say),
                    "until": in_language(p.until, language, say),
                    "steps": [
                        {"label": in_language(s.label, language, say), "check": in_language(s.check, language, say)}
                        for s in p.steps
                    ],
                    "legal_basis": list(p.legal_basis),
                }
                for p in self.followups
            ],
            "products": [product.as_dict(language, say) for product in self.products],
        }


def decide(facts: Facts, on: date, rulebooks: Rulebooks | None = None) -> Decision:
    """Decide *facts* under the rulebook in force on *on*."""
    rulebooks = rulebooks or shipped_rulebooks()
    rulebook = rulebooks.in_force(on)
    steps: list[Step] = []
    if rulebook is None:
        rulebook = rulebooks.earliest
        steps.append(Step(message("no_rulebook", on=on.isoformat(), rulebook=rulebook.id)))
    products = read_products(rulebook.catalogue, facts.products)
    if len(products) == 1:
        # One product, as given (the common case, and hot): the facts as they are.
        one = facts if products == facts.products else replace(facts, products=products)
        if one.qualified_as is None and one.product.qualified_as is not None:
            one = replace(one, qualified_as=one.product.qualified_as)
        return _Decider(rulebook, one, steps).decide()
    return _decide_several(rulebook, facts, products, steps)


def _decide_several(rulebook: Rulebook, facts: Facts, products: tuple, steps: list[Step]) -> Decision:
    """Decide each product on its own, then send the report wherever any of them goes.

    The principal product (the first of human origin, else the first) gives the decision its
    category and comes first; each queue's deadlines are those of the first product, principal
    first, that goes there. A person's qualification (``qualified_as``) applies to the products
    the rules could not qualify, or, when they qualified them all, to the principal product;
    a product a person qualified (``ProductFacts.qualified_as``) keeps its category.
    """
    own = [
        _Decider(rulebook, replace(facts, products=(p,), qualified_as=p.qualified_as), []).decide() for p in products
    ]
    if facts.qualified_as is not None:
        targets = [i for i, d in enumerate(own) if d.category == Category.UNCLASSIFIED] or [
            principal_position([d.category for d in own], products)
        ]
        for i in targets:
            own[i] = _Decider(rulebook, replace(facts, products=(products[i],)), []).decide()
    principal = principal_position([d.category for d in own], products)
    order = [principal, *(i for i in range(len(own)) if i != principal)]
    queues: dict[Queue, int] = {}
    authorities: dict[Queue, str] = {}
    for i in order:
        for queue in own[i].queues:
            queues.setdefault(queue, i)
        for queue, authority in own[i].authorities.items():
            authorities.setdefault(queue, authority)
    steps.append(Step(message("several_products", count=len(products))))
    for position, decision in enumerate(own, start=1):
        steps.append(Step(message("product_heading", position=position, name=decision.products[0].name)))
        steps.extend(decision.steps)
    categories = {d.category for d in own}
    for rule in rulebook.combinations:
        if rule.applies(categories):
            steps.append(Step(rule.explanation, rule.legal_basis))
            break
    steps.append(Step(message("routed", queues=tuple(QUEUE_LABELS[q] for q in queues))))
    head = own[principal]
    return Decision(
        category=head.category,
        queues=tuple(queues),
        authorities=authorities,
        matched_by=head.matched_by,
        entry=head.entry,
        alias=head.alias,
        steps=tuple(steps),
        rulebook=rulebook,
        deadlines=tuple(d for i in order for d in own[i].deadlines if queues[d.queue] == i),
        candidates=head.candidates,
        rule_ids=tuple(dict.fromkeys(rule for i in order for rule in own[i].rule_ids)),
        products=tuple(d.products[0] for d in own),
        principal=principal,
        # Each product's plans, once; a copy only to a vigilance that does not get the report itself.
        followups=tuple({plan.id: plan for i in order for plan in own[i].followups}.values()),
        copies=tuple({c.target: c for i in reversed(order) for c in own[i].copies if c.target not in queues}.values()),
    )


class _Decider:
    def __init__(self, rulebook: Rulebook, facts: Facts, steps: list[Step]):
        self.rulebook = rulebook
        self.facts = facts
        self.event_facts = facts.event_facts()
        self.steps = steps
        self.rule_ids: list[str] = []

    def decide(self) -> Decision:
        category, matched_by, entry, alias, candidates = self._qualify()
        queues, authorities = self._route(category)
        deadlines = self._deadlines(category, queues)
        followups, copies = self._after_routing(category, queues)
        product = ProductDecision(
            name=self.facts.product.name,
            category=category,
            queues=queues,
            matched_by=matched_by,
            entry=entry,
            alias=alias,
            candidates=candidates,
            given=self.facts.product,
        )
        return Decision(
            category=category,
            queues=queues,
            authorities=authorities,
            matched_by=matched_by,
            entry=entry,
            alias=alias,
            steps=tuple(self.steps),
            rulebook=self.rulebook,
            deadlines=deadlines,
            candidates=candidates,
            rule_ids=tuple(self.rule_ids),
            followups=followups,
            copies=copies,
            products=(product,),
        )

    def _qualify(self):
        product = self.facts.product
        if self.facts.qualified_as is not None:
            category = self.facts.qualified_as
            self.steps.append(Step(message("qualified_by_person", category=CATEGORY_LABELS[category])))
            return category, "person", None, None, ()
        lookup = self.rulebook.catalogue.lookup(product.name)
        for rule in self._questionnaire_rules():
            if lookup.match and lookup.match.entry.category != rule.category:
                entry = lookup.match.entry
                self.steps.append(
                    Step(message("answers_override_name", label=entry.label, category=CATEGORY_LABELS[entry.category]))
                )
            self.steps.append(Step(rule.explanation, rule.legal_basis))
            self.rule_ids.append(rule.id)
            return rule.category, "questionnaire", None, None, ()
        if product.has_answers:
            self.steps.append(Step(message("questionnaire_inconclusive")))
        if lookup.match:
            entry = lookup.match.entry
            self.steps.append(
                Step(message("catalogue_match", name=product.name, label=entry.label, alias=lookup.match.alias))
            )
            if entry.category == Category.UNCLASSIFIED:
                self.steps.append(Step(message("status_unsettled", note=entry.note or entry.source), (entry.source,)))
            elif entry.id in self.rulebook.requalified:
                self.steps.append(
                    Step(
                        message(
                            "requalified",
                            rulebook=self.rulebook.id,
                            category=CATEGORY_LABELS[entry.category],
                        )
                    )
                )
            else:
                self.steps.append(
                    Step(
                        message(
                            "catalogue_category",
                            category=CATEGORY_LABELS[entry.category],
                            source=entry.source,
                        ),
                        (entry.source,),
                    )
                )
            for watch in self.rulebook.status_watches_for(entry.id):
                # A status that may move is said, with its basis, but decides nothing yet.
                self.steps.append(Step(watch.explanation, watch.legal_basis))
                self.rule_ids.append(watch.id)
            return entry.category, "catalogue", entry, lookup.match.alias, ()
        candidates = tuple(m.entry for m in lookup.conflicting)
        if candidates:
            listed = tuple(
                words("%(label)s (%(category)s)", label=c.label, category=CATEGORY_LABELS[c.category])
                for c in candidates
            )
            self.steps.append(Step(message("ambiguous", name=product.name, candidates=listed)))
        elif product.name.strip():
            self.steps.append(Step(message("no_match", name=product.name)))
        else:
            self.steps.append(Step(message("no_name")))
        self.steps.append(Step(message("needs_person")))
        return Category.UNCLASSIFIED, "none", None, None, candidates

    def _questionnaire_rules(self):
        """Yield the qualification rules the answers satisfy (in order; the first one decides)."""
        if not self.facts.product.has_answers:
            return
        answers = self.facts.questionnaire_facts()
        for predicate in self.rulebook.predicates:
            answers[predicate.name] = True if predicate.condition.holds(answers) else None
        known = {name for name, value in answers.items() if value is not None}
        for rule in self.rulebook.qualification:
            if rule.condition.required <= known and rule.condition.holds(answers):
                yield rule

    def _route(self, category: Category):
        facts = self.event_facts
        queues: dict[Queue, None] = {}
        authorities: dict[Queue, str] = {}
        for rule in self.rulebook.routing_rules_for(category, self.facts.event_kind):
            if rule.condition.holds(facts):
                self.rule_ids.append(rule.id)
                self.steps.append(Step(rule.explanation, rule.legal_basis))
                for queue in rule.queues:
                    queues.setdefault(queue, None)
                    if queue in rule.authorities:
                        authorities.setdefault(queue, rule.authorities[queue])
        if not queues:
            self.steps.append(
                Step(
                    message(
                        "no_route",
                        event_kind=EVENT_KIND_LABELS[self.facts.event_kind],
                        category=CATEGORY_LABELS[category],
                    )
                )
            )
            queues[Queue.QUALIFICATION] = None
        self.steps.append(Step(message("routed", queues=tuple(QUEUE_LABELS[q] for q in queues))))
        return tuple(queues), authorities

    def _after_routing(self, category: Category, queues: tuple[Queue, ...]):
        """The follow-up plans and information copies the routed case calls for."""
        facts = {**self.event_facts, "category": category}
        kind = self.facts.event_kind
        followups = tuple(p for p in self.rulebook.followups if p.applies(category, kind, queues, facts))
        copies: dict[Queue, CopyRule] = {}
        for rule in self.rulebook.copies:
            if rule.target not in copies and rule.applies(category, kind, queues, facts):
                copies[rule.target] = rule
                self.rule_ids.append(rule.id)
                self.steps.append(Step(rule.explanation, rule.legal_basis))
        for plan in followups:
            self.rule_ids.append(plan.id)
        return followups, tuple(copies.values())

    def _deadlines(self, category: Category, queues: tuple[Queue, ...]) -> tuple[Deadline, ...]:
        facts = {**self.event_facts, "category": category}
        calendar = self.rulebook.calendar(self.facts.region)
        anchors = self.facts.anchors()
        chosen: list[Deadline] = []
        decided_groups: set[str] = set()
        for queue in queues:
            for policy in self.rulebook.deadlines_for(queue):
                if policy.group and policy.group in decided_groups:
                    continue
                if policy.condition.holds(facts):
                    if policy.group:
                        decided_groups.add(policy.group)
                    chosen.append(Deadline(policy, policy.due_at(anchors, calendar)))
        return tuple(chosen)


def rfc3339(moment: datetime | None) -> str | None:
    """ISO 8601 text that RFC 3339 readers accept: local mean time offsets in seconds (before
    standard time zones existed) are written in UTC instead."""
    if moment is None:
        return None
    offset = moment.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        moment = moment.astimezone(UTC)
    return moment.isoformat()
