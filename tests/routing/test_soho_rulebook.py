"""The SoHO rulebook: from 7 August 2027, Regulation (EU) 2024/1938 decides, on the French routes."""

from datetime import date

import pytest

from routing import Category, EventKind, Facts, ProductFacts, Queue, decide, shipped_rulebooks
from routing.diff import diff_rulebooks
from vigilance.i18n import say

SOHO = "eu-soho-2027-08-07"
REGULATION = "Règlement (UE) 2024/1938"
SOHO_DAY = date(2027, 8, 7)


def facts(name, kind=EventKind.RECIPIENT_ADVERSE_REACTION, serious=True, grade=3):
    return Facts(event_kind=kind, product=ProductFacts(name=name), serious=serious, severity_grade=grade)


def test_the_soho_rulebook_takes_over_on_the_regulations_date_of_application():
    rulebook = shipped_rulebooks().get(SOHO)
    assert rulebook.effective_from == SOHO_DAY and rulebook.extends == "fr-2024-01-02"
    assert decide(facts("CGR"), on=date(2027, 8, 6)).rulebook.id == "fr-2024-01-02"
    assert decide(facts("CGR"), on=SOHO_DAY).rulebook.id == SOHO


@pytest.mark.parametrize(
    ("name", "kind", "queue", "rule"),
    [
        ("CGR", EventKind.RECIPIENT_ADVERSE_REACTION, Queue.HAEMOVIGILANCE, "r-hv-recipient"),
        ("CGR", EventKind.INCIDENT, Queue.HAEMOVIGILANCE, "r-hv-incident"),
        ("greffe de cornée", EventKind.RECIPIENT_ADVERSE_REACTION, Queue.BIOVIGILANCE, "r-bv"),
        ("lait maternel", EventKind.INCIDENT, Queue.BIOVIGILANCE, "r-bv"),
    ],
)
def test_soho_products_keep_their_french_route_and_cite_the_regulation(name, kind, queue, rule):
    decision = decide(facts(name, kind), on=date(2027, 9, 15))
    assert decision.queues == (queue,) and rule in decision.rule_ids
    assert any(basis.startswith(f"{REGULATION}, art. 44(3)") for basis in decision.legal_basis)
    # What French law has not settled is said, never guessed.
    assert any(
        "désignation française" in step or "pas encore désigné" in step for step in decision.explanation("fr", say)
    )
    assert any("designated" in step for step in decision.explanation("en", say))


def test_organs_are_outside_the_regulation_and_keep_biovigilance_on_the_code_alone():
    decision = decide(facts("greffe de rein"), on=date(2027, 9, 15))
    assert decision.category == Category.ORGAN and decision.queues == (Queue.BIOVIGILANCE,)
    assert decision.rule_ids == ("r-bv-organ",)
    assert f"{REGULATION}, art. 2 (organes exclus du champ)" in decision.legal_basis
    assert not any("art. 44" in basis for basis in decision.legal_basis)


def test_a_serious_reaction_also_needs_an_investigation_report_said_to_be_the_services_target():
    decision = decide(facts("greffe de cornée"), on=date(2027, 9, 15))
    by_kind = {d.kind: d.policy for d in decision.deadlines}
    assert by_kind["declaration"].without_delay
    report = by_kind["investigation_report"]
    assert report.note.startswith("Objectif du service") and any("art. 44" in b for b in report.legal_basis)
    mild = decide(facts("greffe de cornée", serious=False, grade=1), on=date(2027, 9, 15))
    assert "investigation_report" not in {d.kind for d in mild.deadlines}
    before = decide(facts("greffe de cornée"), on=date(2027, 8, 6))
    assert "investigation_report" not in {d.kind for d in before.deadlines}


@pytest.mark.parametrize("name", ["collyre de sérum autologue", "transplantation de microbiote fécal"])
def test_a_product_whose_status_may_move_keeps_its_category_and_says_so(name):
    decision = decide(facts(name), on=date(2027, 9, 15))
    assert decision.category == Category.MAGISTRAL_PREPARATION
    assert decision.queues == (Queue.PHARMACOVIGILANCE,)
    assert any("Aucun texte" in step for step in decision.explanation("fr", say))
    assert f"{REGULATION}, art. 13" in " ".join(decision.legal_basis)
    earlier = decide(facts(name), on=date(2027, 8, 6))
    assert not any("Aucun texte" in step for step in earlier.explanation("fr", say))


def test_every_rule_of_the_soho_rulebook_has_a_legal_basis_and_every_new_one_cites_a_text():
    rulebook = shipped_rulebooks().get(SOHO)
    for rule in (*rulebook.qualification, *rulebook.routing, *rulebook.deadlines, *rulebook.status_watches):
        assert rule.legal_basis, rule.id
    changed = diff_rulebooks(shipped_rulebooks().get("fr-2024-01-02"), rulebook)
    assert changed.rules
    for change in changed.rules:
        assert any(REGULATION in basis for basis in change.legal_basis), change.rule_id
