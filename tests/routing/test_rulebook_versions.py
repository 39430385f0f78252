"""A later rulebook takes over from its date; earlier events keep the rules of their day."""

from datetime import date
from pathlib import Path

import pytest

from routing import Category, EventKind, Facts, ProductFacts, decide
from routing.rulebook import DATA_DIR, RulebookError, load_rulebook, load_rulebooks, shipped_rulebooks
from vigilance.i18n import say

SHIPPED = DATA_DIR / "rulebooks" / "fr-2024-01-02.toml"
SOHO_DAY = date(2027, 8, 7)


def write_soho_rulebook(directory: Path) -> None:
    """A fixture law: the SoHO regulation re-qualifies serum eye drops (hypothetically) from 7 Aug 2027."""
    eye_drops = shipped_rulebooks().earliest.catalogue.lookup("collyre de sérum autologue").match.entry.id
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace('id = "fr-2024-01-02"', 'id = "fixture-soho-2027-08-07"', 1)
    text = text.replace("effective_from = 2024-01-02", "effective_from = 2027-08-07", 1)
    text += (
        f'\n[requalify."{eye_drops}"]\n'
        'category = "cell_therapy_preparation"\n'
        'legal_basis = ["Règlement (UE) 2024/1938, art. 13 (avis fictif du SCB, pour les tests)"]\n'
    )
    (directory / "fixture-soho-2027-08-07.toml").write_text(text, encoding="utf-8")
    (directory / "fr-2024-01-02.toml").write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture
def rulebooks(tmp_path):
    write_soho_rulebook(tmp_path)
    return load_rulebooks(tmp_path, DATA_DIR)


def eye_drops_reaction():
    return Facts(
        event_kind=EventKind.RECIPIENT_ADVERSE_REACTION, product=ProductFacts(name="collyre de sérum autologue")
    )


def test_the_day_before_the_new_rulebook_the_old_rules_apply(rulebooks):
    decision = decide(eye_drops_reaction(), on=date(2027, 8, 6), rulebooks=rulebooks)
    assert decision.rulebook.id == "fr-2024-01-02"
    assert decision.category == Category.MAGISTRAL_PREPARATION


def test_from_its_effective_date_the_new_rulebook_decides(rulebooks):
    decision = decide(eye_drops_reaction(), on=SOHO_DAY, rulebooks=rulebooks)
    assert decision.rulebook.id == "fixture-soho-2027-08-07"
    assert decision.category == Category.CELL_THERAPY_PREPARATION
    assert any("fixture-soho-2027-08-07" in step for step in decision.explanation("fr", say))


def test_other_products_are_unchanged_by_the_new_rulebook(rulebooks):
    facts = Facts(event_kind=EventKind.RECIPIENT_ADVERSE_REACTION, product=ProductFacts(name="CGR"))
    assert decide(facts, on=SOHO_DAY, rulebooks=rulebooks).category == Category.LABILE_BLOOD_PRODUCT


def test_before_any_rulebook_the_earliest_applies_and_says_so():
    decision = decide(eye_drops_reaction(), on=date(2010, 1, 1))
    assert decision.rulebook.id == "fr-2024-01-02"
    assert "2010-01-01" in decision.explanation("fr", say)[0]


def test_a_rule_without_legal_basis_is_refused_at_load(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace(
        'legal_basis = ["CSP L.1231-1", "CSP R.1211-29 à R.1211-31"]', "", 1
    )
    broken = tmp_path / "broken.toml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError, match="legal basis"):
        load_rulebook(broken, DATA_DIR)


def test_every_shipped_entry_cites_a_source_and_every_rule_a_legal_basis():
    for rulebook in shipped_rulebooks():
        assert all(entry.source.strip() for entry in rulebook.catalogue.entries.values())
        for rule in (*rulebook.qualification, *rulebook.routing, *rulebook.deadlines):
            assert rule.legal_basis, rule.id


def test_what_users_read_cites_public_texts_only():
    """Sources, legal bases and deadline notes are shown to clinicians and correspondents: they
    cite the law and the authorities, never this project's own notes."""
    for rulebook in shipped_rulebooks():
        shown = [entry.source for entry in rulebook.catalogue.entries.values()]
        shown += [
            entry.note or "" for entry in rulebook.catalogue.entries.values() if entry.category == Category.UNCLASSIFIED
        ]  # the note is shown for these only
        for rules in (rulebook.qualification, rulebook.routing, rulebook.deadlines):
            shown += [basis for rule in rules for basis in rule.legal_basis]
        shown += [policy.note or "" for policy in rulebook.deadlines]
        assert shown and not [text for text in shown if "domain.md" in text], rulebook.id
