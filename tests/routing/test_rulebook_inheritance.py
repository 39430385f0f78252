"""A rulebook that extends another inherits its rules and changes only those it names."""

from datetime import date
from pathlib import Path

import pytest

from routing import Category, EventKind, Facts, ProductFacts, Queue, decide
from routing.rulebook import DATA_DIR, RulebookError, load_rulebook, load_rulebooks

BASE = DATA_DIR / "rulebooks" / "fr-2024-01-02.toml"
LATER = date(2030, 1, 2)

HEADER = """
id = "later"
extends = "fr-2024-01-02"
effective_from = 2030-01-01
title = { fr = "Règles de 2030", en = "Rules of 2030" }
"""


def write(directory: Path, text: str) -> Path:
    (directory / "fr-2024-01-02.toml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    path = directory / "later.toml"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def later_rulebooks(tmp_path: Path, text: str):
    write(tmp_path, text)
    return load_rulebooks(tmp_path, DATA_DIR)


def reaction(name: str, kind=EventKind.RECIPIENT_ADVERSE_REACTION, **facts) -> Facts:
    return Facts(event_kind=kind, product=ProductFacts(name=name), **facts)


def test_an_extending_rulebook_inherits_every_rule_of_its_base(tmp_path):
    rulebooks = later_rulebooks(tmp_path, "")
    base, later = rulebooks.get("fr-2024-01-02"), rulebooks.get("later")
    assert later.extends == "fr-2024-01-02"
    assert [r.id for r in later.routing] == [r.id for r in base.routing]
    assert later.deadlines == base.deadlines and later.qualification == base.qualification
    decision = decide(reaction("CGR"), on=LATER, rulebooks=rulebooks)
    assert decision.rulebook.id == "later" and decision.queues == (Queue.HAEMOVIGILANCE,)


def test_a_rule_of_the_same_id_replaces_the_base_rule_in_its_place(tmp_path):
    rulebooks = later_rulebooks(
        tmp_path,
        """
[[routing]]
id = "r-mv"
categories = ["medical_device"]
queues = ["materiovigilance", "quality_defect"]
explanation = { fr = "Autre voie.", en = "Another route." }
legal_basis = ["Texte de 2030"]
""",
    )
    later = rulebooks.get("later")
    base_ids = [r.id for r in rulebooks.get("fr-2024-01-02").routing]
    assert [r.id for r in later.routing] == base_ids
    decision = decide(reaction("poche de transfert", kind=EventKind.INCIDENT), on=LATER, rulebooks=rulebooks)
    assert decision.queues == (Queue.MATERIOVIGILANCE, Queue.QUALITY_DEFECT)
    assert "Texte de 2030" in decision.legal_basis
    before = decide(reaction("poche de transfert", kind=EventKind.INCIDENT), on=date(2029, 1, 1), rulebooks=rulebooks)
    assert before.queues == (Queue.MATERIOVIGILANCE,)


def test_new_rules_go_at_the_end_or_before_the_rule_they_name(tmp_path):
    rulebooks = later_rulebooks(
        tmp_path,
        """
[[qualification]]
id = "q-first"
before = "q-infectious-vaccine"
when = { origin = "milk" }
category = "tissue"
explanation = { fr = "Premier.", en = "First." }
legal_basis = ["Texte de 2030"]

[[deadline]]
id = "d-last"
queue = "materiovigilance"
kind = "follow_up"
action = { fr = "Suivre", en = "Follow up" }
amount = 30
unit = "calendar_days"
from = "received"
legal_basis = ["Texte de 2030"]
""",
    )
    later = rulebooks.get("later")
    assert later.qualification[0].id == "q-first"
    assert later.deadlines[-1].id == "d-last"


def test_removed_rules_no_longer_apply(tmp_path):
    rulebooks = later_rulebooks(tmp_path, '[remove]\nrouting = ["r-quality-defect-with-harm"]\n')
    assert "r-quality-defect-with-harm" not in [r.id for r in rulebooks.get("later").routing]
    assert "r-quality-defect-with-harm" in [r.id for r in rulebooks.get("fr-2024-01-02").routing]


def test_an_amendment_adds_a_basis_and_a_sentence_and_narrows_categories(tmp_path):
    rulebooks = later_rulebooks(
        tmp_path,
        """
[[amend]]
kind = "routing"
rule = "r-bv"
without_categories = ["organ"]
explanation = { fr = "Phrase ajoutée.", en = "Added sentence." }
legal_basis = ["Texte de 2030"]

[remove]
followup = ["f-living-organ-donor"]  # its cases no longer reach biovigilance: refused if left
""",
    )
    base, later = (
        rulebooks.get(i).routing_rules_for(Category.TISSUE, EventKind.INCIDENT)[0] for i in ("fr-2024-01-02", "later")
    )
    assert later.legal_basis == ("Texte de 2030", *base.legal_basis)
    assert later.explanation["fr"] == base.explanation["fr"] + " Phrase ajoutée."
    assert Category.ORGAN not in later.categories and Category.ORGAN in base.categories
    assert decide(reaction("greffe de rein"), on=LATER, rulebooks=rulebooks).queues == (Queue.QUALIFICATION,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "extends unknown rulebook 'nowhere'"),
        ('[remove]\nrouting = ["r-nowhere"]\n', "cannot remove 'r-nowhere'"),
        ('[remove]\nrules = ["r-mv"]\n', "unknown kinds of rules"),
        (
            '[[amend]]\nkind = "routing"\nrule = "r-nowhere"\nlegal_basis = ["x"]\n',
            "cannot amend routing rule 'r-nowhere'",
        ),
        ('[[amend]]\nkind = "routing"\nrule = "r-mv"\nqueues = ["haemovigilance"]\n', "unknown keys ['queues']"),
        (
            (
                '[[routing]]\nid = "r-new"\nbefore = "r-nowhere"\ncategories = ["organ"]\nqueues = ["biovigilance"]\n'
                'explanation = { fr = "x", en = "x" }\nlegal_basis = ["x"]\n'
            ),
            "to go before 'r-nowhere'",
        ),
        (
            (
                '[remove]\nrouting = ["r-mv"]\n[[routing]]\nid = "r-mv"\ncategories = ["medical_device"]\n'
                'queues = ["materiovigilance"]\nexplanation = { fr = "x", en = "x" }\nlegal_basis = ["x"]\n'
            ),
            "both removed and redefined",
        ),
        (
            (
                '[[routing]]\nid = "r-new"\ncategories = ["organ"]\nqueues = ["biovigilance"]\n'
                'explanation = { fr = "x", en = "x" }\n'
            ),
            "legal basis",
        ),
    ],
)
def test_mistakes_are_refused_at_load_naming_the_file(tmp_path, text, message):
    if "nowhere'" in message and "extends" in message:
        write(tmp_path, "").write_text(HEADER.replace("fr-2024-01-02", "nowhere"), encoding="utf-8")
    else:
        write(tmp_path, text)
    with pytest.raises(RulebookError, match=r"later\.toml") as refused:
        load_rulebooks(tmp_path, DATA_DIR)
    assert message in str(refused.value)


def test_a_cycle_of_extensions_is_refused(tmp_path):
    path = write(tmp_path, "")
    path.write_text(HEADER.replace('extends = "fr-2024-01-02"', 'extends = "later"'), encoding="utf-8")
    with pytest.raises(RulebookError, match="extends itself"):
        load_rulebooks(tmp_path, DATA_DIR)


def test_one_extending_file_loads_alone_with_its_base_beside_it(tmp_path):
    path = write(tmp_path, "")
    assert load_rulebook(path, DATA_DIR).extends == "fr-2024-01-02"


def test_the_diff_names_a_requalified_entry_its_new_queues_and_the_texts_behind_them(tmp_path):
    from routing.diff import diff_rulebooks

    rulebooks = later_rulebooks(
        tmp_path,
        '[requalify."magistral-autologous-serum-eye-drops"]\ncategory = "cell_therapy_preparation"\n'
        'legal_basis = ["Avis du SCB (fictif, pour les tests)"]\n',
    )
    changes = diff_rulebooks(rulebooks.get("fr-2024-01-02"), rulebooks.get("later"))
    assert [e.entry_id for e in changes.entries] == ["magistral-autologous-serum-eye-drops"]
    entry = changes.entries[0]
    assert (entry.category_before, entry.category_after) == (
        Category.MAGISTRAL_PREPARATION,
        Category.CELL_THERAPY_PREPARATION,
    )
    assert (EventKind.RECIPIENT_ADVERSE_REACTION, (Queue.PHARMACOVIGILANCE,), (Queue.BIOVIGILANCE,)) in entry.queues
    assert entry.legal_basis == ("Avis du SCB (fictif, pour les tests)",)
    assert changes.rules == ()
    assert diff_rulebooks(rulebooks.get("later"), rulebooks.get("later")).is_empty
