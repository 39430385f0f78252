"""For any input, the decision is total, deterministic and never raises."""

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Category, EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, Queue, decide
from routing.calendar import REGIONS
from vigilance.i18n import say

maybe_bool = st.none() | st.booleans()

features = st.builds(
    Features,
    recombinant_nucleic_acid=maybe_bool,
    infectious_disease_vaccine=maybe_bool,
    substantially_manipulated=maybe_bool,
    same_essential_function=maybe_bool,
    intended_action=st.none() | st.sampled_from(IntendedAction),
    incorporates_medical_device=maybe_bool,
    industrially_manufactured=maybe_bool,
    magistral_preparation=maybe_bool,
    ce_marked_device=maybe_bool,
)
names = st.text(max_size=80) | st.sampled_from(
    ["CGR", "Kymriah", "albumine 20 %", "Facteur VIII", "greffe de cornée", "Produit inconnu", ""]
)
moments = st.none() | st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
facts = st.builds(
    Facts,
    event_kind=st.sampled_from(EventKind),
    product=st.builds(
        ProductFacts,
        name=names,
        autologous=maybe_bool,
        origin=st.none() | st.sampled_from(Origin),
        features=features,
    ),
    serious=maybe_bool,
    severity_grade=st.none() | st.integers(1, 4),
    reaction_type=st.none() | st.sampled_from(["abo_incompatibility", "bacterial_infection", "trali"]),
    patient_harm=maybe_bool,
    occurred_at=moments,
    detected_at=moments,
    received_at=moments,
    region=st.sampled_from(sorted(REGIONS)),
)


@settings(max_examples=400, deadline=None)
@given(facts=facts, on=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)))
def test_decision_is_total_and_deterministic(facts, on):
    first = decide(facts, on=on)
    assert isinstance(first.category, Category)
    assert first.queues and all(isinstance(q, Queue) for q in first.queues)
    assert first.explanation("fr", say) and first.explanation("en", say)
    assert (first.category == Category.UNCLASSIFIED) <= (first.queues == (Queue.QUALIFICATION,))
    assert decide(facts, on=on).as_dict("en", say) == first.as_dict("en", say)
    for deadline in first.deadlines:
        if deadline.due_at is not None and facts.received_at is not None:
            assert deadline.due_at.tzinfo is not None
