"""Every catalogue entry of every shipped rulebook, with every event kind, is decided under every
shipped rulebook: no crash, and a report that lands somewhere."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Category, EventKind, Facts, ProductFacts, Queue, decide, shipped_rulebooks
from routing.calendar import REGIONS
from vigilance.i18n import say

RULEBOOKS = tuple(shipped_rulebooks())
#: Every entry any shipped rulebook knows, by id (a later rulebook may re-qualify one).
ENTRIES = sorted({entry.id: entry for rb in RULEBOOKS for entry in rb.catalogue.entries.values()}.values(), key=str)
ENTRY_IDS = sorted({entry.id for entry in ENTRIES})


def _last_day(rulebook) -> date:
    """The last day a rulebook is in force (the day before the next one), or a day well after."""
    later = [rb.effective_from for rb in RULEBOOKS if rb.effective_from > rulebook.effective_from]
    return min(later) - timedelta(days=1) if later else rulebook.effective_from + timedelta(days=3650)


def _entry(entry_id):
    return next(entry for entry in ENTRIES if entry.id == entry_id)


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=[rb.id for rb in RULEBOOKS])
@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_every_entry_and_event_kind_is_routed_under_every_rulebook(entry_id, rulebook):
    entry = _entry(entry_id)
    expected = rulebook.catalogue.entries[entry_id].category  # as this rulebook qualifies it
    for day in (rulebook.effective_from, _last_day(rulebook)):
        for kind in EventKind:
            decision = decide(Facts(event_kind=kind, product=ProductFacts(name=entry.label["fr"])), on=day)
            assert decision.rulebook.id == rulebook.id
            assert decision.category == expected, (kind, decision.category)
            assert decision.queues, kind
            assert set(decision.queues) <= set(decision.authorities) | {Queue.QUALIFICATION}
            # A category the rules route for this event never falls back to a person's routing.
            if expected != Category.UNCLASSIFIED and rulebook.routing_rules_for(expected, kind):
                assert decision.queues != (Queue.QUALIFICATION,), kind
            assert decision.legal_basis and decision.explanation("fr", say) and decision.explanation("en", say)


maybe_bool = st.none() | st.booleans()
any_name = st.sampled_from(ENTRIES).flatmap(lambda entry: st.sampled_from(list(entry.names())))
any_day = st.sampled_from(RULEBOOKS).flatmap(
    lambda rb: st.dates(min_value=rb.effective_from, max_value=_last_day(rb)).map(lambda day: (rb, day))
)


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(any_name, min_size=1, max_size=3),
    kind=st.sampled_from(EventKind),
    serious=maybe_bool,
    unexpected=maybe_bool,
    patient_harm=maybe_bool,
    grade=st.none() | st.integers(1, 4),
    region=st.sampled_from(sorted(REGIONS)),
    rulebook_and_day=any_day,
)
def test_any_name_of_any_entry_with_any_facts_lands_in_a_queue(
    names, kind, serious, unexpected, patient_harm, grade, region, rulebook_and_day
):
    rulebook, day = rulebook_and_day
    products = tuple(ProductFacts(name=name) for name in names)
    facts = Facts(
        event_kind=kind,
        product=products[0] if len(products) == 1 else None,
        products=products if len(products) > 1 else (),
        serious=serious,
        unexpected=unexpected,
        patient_harm=patient_harm,
        severity_grade=grade,
        region=region,
    )
    decision = decide(facts, on=day)
    assert decision.rulebook.id == rulebook.id
    assert decision.queues
    for product in decision.products:
        assert product.queues, product.name
        assert set(product.queues) <= set(decision.queues)
    assert {deadline.policy.queue for deadline in decision.deadlines} <= set(decision.queues)
