"""Follow-up plans and information copies as rulebook data: which cases open them, their dates,
and the load-time checks that refuse a plan or copy the rules could never apply."""

from datetime import UTC, date, datetime

import pytest

from routing import EventKind, Facts, ProductFacts, Queue, decide
from routing.followups import FollowupStep
from routing.rulebook import DATA_DIR, RulebookError, load_rulebook, shipped_rulebooks
from vigilance.i18n import say

SHIPPED = DATA_DIR / "rulebooks" / "fr-2024-01-02.toml"
RECEIVED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def decided(name: str, kind: EventKind):
    facts = Facts(event_kind=kind, product=ProductFacts(name=name), serious=True, received_at=RECEIVED)
    return decide(facts, on=date(2025, 3, 10))


@pytest.mark.parametrize(
    ("name", "kind", "plans"),
    [
        ("CGR phénotypé", EventKind.RECIPIENT_ADVERSE_REACTION, ["f-hv-recipient-investigation"]),
        ("Kymriah", EventKind.RECIPIENT_ADVERSE_REACTION, ["f-gene-therapy-long-term"]),
        ("Yescarta", EventKind.RECIPIENT_ADVERSE_REACTION, ["f-gene-therapy-long-term"]),
        ("rein", EventKind.DONOR_ADVERSE_REACTION, ["f-living-organ-donor"]),
        # No plan: an incident in the transfusion chain, a medicine, a device.
        ("CGR phénotypé", EventKind.INCIDENT, []),
        ("paracétamol", EventKind.RECIPIENT_ADVERSE_REACTION, []),
        ("rein", EventKind.RECIPIENT_ADVERSE_REACTION, []),
    ],
)
def test_which_cases_open_which_plan(name, kind, plans):
    assert [p.id for p in decided(name, kind).followups] == plans


def test_every_plan_has_its_legal_basis_and_says_what_to_check_in_both_languages():
    rulebook = shipped_rulebooks().earliest
    assert rulebook.followups
    for plan in rulebook.followups:
        assert plan.legal_basis
        for step in plan.steps:
            assert step.check["fr"] and step.check["en"]


def test_gene_therapy_is_followed_yearly_for_fifteen_years():
    (plan,) = decided("Kymriah", EventKind.RECIPIENT_ADVERSE_REACTION).followups
    start = datetime(2025, 2, 28, 10, 0, tzinfo=UTC)
    dates = [step.due_at(start) for step in plan.steps]
    assert len(dates) == 15
    assert dates[0] == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert dates[-1] == datetime(2040, 2, 28, 10, 0, tzinfo=UTC)
    assert plan.steps[-1].label == {"fr": "A+15", "en": "Y+15"}
    assert any("1394/2007, art. 14" in basis for basis in plan.legal_basis)


def test_the_transfusion_investigation_is_checked_at_d7_and_d30():
    (plan,) = decided("CGR", EventKind.RECIPIENT_ADVERSE_REACTION).followups
    assert [(s.after, s.unit) for s in plan.steps] == [(7, "days"), (30, "days")]
    assert plan.ends_with_item


def test_a_month_step_falls_on_the_last_day_of_a_shorter_month():
    step = FollowupStep(number=1, after=1, unit="months", check={"fr": "x", "en": "x"})
    assert step.due_at(datetime(2025, 1, 31, 8, tzinfo=UTC)) == datetime(2025, 2, 28, 8, tzinfo=UTC)


def test_a_donor_event_of_an_atmp_gives_pharmacovigilance_an_information_copy():
    decision = decided("Kymriah", EventKind.DONOR_ADVERSE_REACTION)
    assert decision.queues == (Queue.BIOVIGILANCE,)
    assert [(c.source, c.target) for c in decision.copies] == [(Queue.BIOVIGILANCE, Queue.PHARMACOVIGILANCE)]
    assert any("R.1211-37" in basis for basis in decision.legal_basis)
    answer = decision.as_dict("fr", say)
    assert answer["copies"][0]["queue"] == "pharmacovigilance"
    assert "R.1211-37" in answer["copies"][0]["legal_basis"][0]


def test_no_copy_to_a_queue_the_report_goes_to_anyway():
    decision = decided("Kymriah", EventKind.RECIPIENT_ADVERSE_REACTION)
    assert decision.copies == ()


def _rulebook_with(tmp_path, extra: str):
    path = tmp_path / "fr-2024-01-02.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_rulebook(path, DATA_DIR)


_PLAN = """
[[followup]]
id = "f-test"
kind = "test"
queue = "{queue}"
categories = ["labile_blood_product"]
event_kinds = ["recipient_adverse_reaction"]
title = {{ fr = "t", en = "t" }}
until = {{ fr = "u", en = "u" }}
explanation = {{ fr = "e", en = "e" }}
{basis}
{steps}
"""
_STEP = '[[followup.step]]\nafter = {after}\nunit = "{unit}"\ncheck = {{ fr = "c", en = "c" }}\n'


@pytest.mark.parametrize(
    ("queue", "basis", "steps", "problem"),
    [
        ("haemovigilance", "", _STEP.format(after=7, unit="days"), "legal basis"),
        ("haemovigilance", 'legal_basis = ["x"]', "", "at least one step"),
        ("haemovigilance", 'legal_basis = ["x"]', _STEP.format(after=7, unit="weeks"), "unit"),
        (
            "haemovigilance",
            'legal_basis = ["x"]',
            _STEP.format(after=30, unit="days") + _STEP.format(after=7, unit="days"),
            "in order",
        ),
        ("biovigilance", 'legal_basis = ["x"]', _STEP.format(after=7, unit="days"), "no routing rule"),
    ],
)
def test_a_plan_the_rules_cannot_apply_is_refused_at_load_time(tmp_path, queue, basis, steps, problem):
    with pytest.raises(RulebookError, match=problem):
        _rulebook_with(tmp_path, _PLAN.format(queue=queue, basis=basis, steps=steps))


def test_a_copy_to_its_own_queue_is_refused_at_load_time(tmp_path):
    copy = (
        '\n[[copy]]\nid = "c-test"\nfrom = "haemovigilance"\nto = "haemovigilance"\n'
        'categories = ["labile_blood_product"]\nexplanation = { fr = "e", en = "e" }\nlegal_basis = ["x"]\n'
    )
    with pytest.raises(RulebookError, match="another queue"):
        _rulebook_with(tmp_path, copy)


def test_a_copy_without_legal_basis_is_refused_at_load_time(tmp_path):
    copy = (
        '\n[[copy]]\nid = "c-test"\nfrom = "haemovigilance"\nto = "pharmacovigilance"\n'
        'categories = ["labile_blood_product"]\nexplanation = { fr = "e", en = "e" }\n'
    )
    with pytest.raises(RulebookError, match="legal basis"):
        _rulebook_with(tmp_path, copy)


def test_copies_the_text_leaves_to_the_correspondent_are_offered_never_sent_by_the_decision():
    decision = decided("CGR", EventKind.RECIPIENT_ADVERSE_REACTION)
    assert decision.copies == ()
    offered = {
        rule.target
        for rule in shipped_rulebooks().earliest.copies
        if rule.offered(decision.category, EventKind.RECIPIENT_ADVERSE_REACTION, Queue.HAEMOVIGILANCE)
    }
    assert offered == {Queue.PHARMACOVIGILANCE, Queue.MATERIOVIGILANCE, Queue.BIOVIGILANCE}
    mds = decided("albumine", EventKind.RECIPIENT_ADVERSE_REACTION)
    (to_hv,) = [
        rule
        for rule in shipped_rulebooks().earliest.copies
        if rule.offered(mds.category, EventKind.RECIPIENT_ADVERSE_REACTION, Queue.PHARMACOVIGILANCE)
    ]
    assert to_hv.target == Queue.HAEMOVIGILANCE and "R.5121-197" in to_hv.legal_basis[0]
