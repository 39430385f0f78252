"""The shipped rulebook's decisions at each regulatory boundary that domain.md names."""

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from routing import Category, EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, Queue, decide
from vigilance.i18n import say

TODAY = date(2026, 11, 21)
PARIS = ZoneInfo("Europe/Paris")
RAR = EventKind.RECIPIENT_ADVERSE_REACTION


def decide_name(name, event_kind=RAR, **facts):
    return decide(Facts(event_kind=event_kind, product=ProductFacts(name=name), **facts), on=TODAY)


def decide_answers(event_kind=RAR, name="", origin=None, **answers):
    product = ProductFacts(name=name, origin=origin, features=Features(**answers))
    return decide(Facts(event_kind=event_kind, product=product), on=TODAY)


@pytest.mark.parametrize("name", ["Albumine humaine 20 %", "Vialebex", "albumin 5%"])
def test_albumin_is_a_blood_derived_medicine_not_a_labile_blood_product(name):
    decision = decide_name(name)
    assert decision.category == Category.BLOOD_DERIVED_MEDICINE
    assert decision.queues == (Queue.PHARMACOVIGILANCE,)


@pytest.mark.parametrize("name", ["Plasma SD", "PFC-SD", "Octaplas LG", "plasma viro-atténué par solvant-détergent"])
def test_industrially_treated_plasma_is_a_medicine_not_a_labile_blood_product(name):
    decision = decide_name(name)
    assert decision.category == Category.BLOOD_DERIVED_MEDICINE
    assert Queue.HAEMOVIGILANCE not in decision.queues


@pytest.mark.parametrize("name", ["PFC", "Plasma frais congelé", "PFC-IA", "PFC-Se", "plasma lyophilisé"])
def test_transfusion_plasmas_are_labile_blood_products(name):
    assert decide_name(name).category == Category.LABILE_BLOOD_PRODUCT


def test_mrna_vaccine_against_an_infectious_disease_is_not_gene_therapy():
    decision = decide_answers(recombinant_nucleic_acid=True, infectious_disease_vaccine=True)
    assert decision.category == Category.MEDICINE
    assert decision.queues == (Queue.PHARMACOVIGILANCE,)
    assert decide_name("Comirnaty").category == Category.MEDICINE


def test_recombinant_nucleic_acid_without_vaccine_is_gene_therapy():
    decision = decide_answers(recombinant_nucleic_acid=True)
    assert decision.category == Category.ATMP_GENE_THERAPY
    assert decision.matched_by == "questionnaire"


def test_cells_used_for_a_different_essential_function_are_engineered():
    decision = decide_answers(
        origin=Origin.CELLS,
        substantially_manipulated=False,
        same_essential_function=False,
        intended_action=IntendedAction.REGENERATE_REPAIR_REPLACE,
    )
    assert decision.category == Category.ATMP_TISSUE_ENGINEERED
    assert decision.queues == (Queue.PHARMACOVIGILANCE,)


def test_minimally_manipulated_cells_for_the_same_function_are_a_cell_therapy_preparation():
    decision = decide_answers(origin=Origin.CELLS, substantially_manipulated=False, same_essential_function=True)
    assert decision.category == Category.CELL_THERAPY_PREPARATION
    assert decision.queues == (Queue.BIOVIGILANCE,)


def test_engineered_cells_with_a_device_are_a_combined_atmp_also_seen_by_materiovigilance():
    answers = dict(origin=Origin.CELLS, substantially_manipulated=True, incorporates_medical_device=True)
    reaction = decide_answers(**answers)
    assert reaction.category == Category.ATMP_COMBINED
    assert reaction.queues == (Queue.PHARMACOVIGILANCE,)
    incident = decide_answers(EventKind.INCIDENT, **answers)
    assert set(incident.queues) == {Queue.PHARMACOVIGILANCE, Queue.MATERIOVIGILANCE}


def test_engineered_cells_without_their_intended_action_are_not_guessed():
    decision = decide_answers(origin=Origin.CELLS, substantially_manipulated=True)
    assert decision.category == Category.UNCLASSIFIED
    assert decision.queues == (Queue.QUALIFICATION,)


def test_answers_take_precedence_over_the_name_and_say_so():
    decision = decide_answers(
        name="Kymriah", origin=Origin.CELLS, substantially_manipulated=False, same_essential_function=True
    )
    assert decision.category == Category.CELL_THERAPY_PREPARATION
    assert any("Kymriah" in step for step in decision.explanation("fr", say))


def test_a_name_the_answers_cannot_decide_falls_back_to_the_catalogue():
    decision = decide_answers(name="Kymriah", origin=Origin.CELLS)
    assert decision.category == Category.ATMP_GENE_THERAPY
    assert decision.matched_by == "catalogue"


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Holoclar", Category.ATMP_TISSUE_ENGINEERED),
        ("Spherox", Category.ATMP_TISSUE_ENGINEERED),
        ("MACI", Category.ATMP_COMBINED),
        ("Alofisel", Category.ATMP_SOMATIC_CELL_THERAPY),
        ("Glybera", Category.ATMP_GENE_THERAPY),
        ("Carvykti", Category.ATMP_GENE_THERAPY),
        ("Advate", Category.MEDICINE),
        ("Facteur VIII recombinant", Category.MEDICINE),
        ("Facteur VIII plasmatique", Category.BLOOD_DERIVED_MEDICINE),
    ],
)
def test_catalogue_classes(name, category):
    assert decide_name(name).category == category


def test_plain_factor_viii_is_ambiguous_and_goes_to_a_person():
    decision = decide_name("Facteur VIII")
    assert decision.category == Category.UNCLASSIFIED
    assert {c.category for c in decision.candidates} == {Category.BLOOD_DERIVED_MEDICINE, Category.MEDICINE}


def test_serum_eye_drops_quality_defect_goes_to_quality_defects_only_without_harm():
    decision = decide_name("Collyre de sérum autologue", EventKind.QUALITY_DEFECT)
    assert decision.category == Category.MAGISTRAL_PREPARATION
    assert decision.queues == (Queue.QUALITY_DEFECT,)
    harmed = decide_name("Collyre de sérum autologue", EventKind.QUALITY_DEFECT, patient_harm=True)
    assert set(harmed.queues) == {Queue.QUALITY_DEFECT, Queue.PHARMACOVIGILANCE}


def test_tissues_cells_organs_and_milk_go_to_biovigilance_and_the_abm():
    for name in ("Greffe de cornée", "CSH allogéniques", "Greffe rénale", "Lait maternel du lactarium"):
        decision = decide_name(name)
        assert decision.queues == (Queue.BIOVIGILANCE,), name
        assert decision.authorities[Queue.BIOVIGILANCE] == "ABM"


def test_an_event_no_rule_routes_goes_to_a_person_with_its_category():
    decision = decide_name("Advate", EventKind.DONOR_ADVERSE_REACTION)
    assert decision.category == Category.MEDICINE
    assert decision.queues == (Queue.QUALIFICATION,)


def test_unknown_product_goes_to_qualification_with_a_reason():
    decision = decide_name("Produit inconnu Z-17")
    assert decision.category == Category.UNCLASSIFIED
    assert decision.queues == (Queue.QUALIFICATION,)
    assert decision.matched_by == "none"
    assert any("Produit inconnu Z-17" in step for step in decision.explanation("fr", say))
    assert any("matches no catalogue entry" in step for step in decision.explanation("en", say))


def test_every_decision_cites_its_legal_basis_and_rulebook():
    decision = decide_name("CGR")
    assert any("R.1221-49-2" in basis for basis in decision.legal_basis)
    assert decision.rulebook.id == "fr-2024-01-02"


# Deadlines ---------------------------------------------------------------------------------------


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def deadline_of(decision, queue):
    (deadline,) = [d for d in decision.deadlines if d.queue == queue and d.kind == "declaration"]
    return deadline


@pytest.mark.parametrize(
    "facts",
    [
        {"severity_grade": 2},
        {"serious": True},
        {"severity_grade": 1, "reaction_type": "bacterial_infection"},
        {"severity_grade": 1, "reaction_type": "abo_incompatibility"},
    ],
)
def test_signalled_recipient_reactions_are_due_within_48_working_hours(facts):
    # Received Saturday 21 November 11:00: Saturday counts, Sunday does not.
    decision = decide_name("CGR", received_at=paris(2026, 11, 21, 11, 0), **facts)
    deadline = deadline_of(decision, Queue.HAEMOVIGILANCE)
    assert deadline.policy.unit == "working_hours"
    assert deadline.due_at == paris(2026, 11, 24, 11, 0)


def test_other_recipient_reactions_are_due_within_15_working_days():
    decision = decide_name("CGR", received_at=paris(2026, 11, 21, 11, 0), severity_grade=1, serious=False)
    assert deadline_of(decision, Queue.HAEMOVIGILANCE).due_at == paris(2026, 12, 10, 0, 0)


def test_since_2024_only_donor_reactions_of_grade_3_or_4_are_declared():
    grade_2 = decide_name("Don de sang total", EventKind.DONOR_ADVERSE_REACTION, severity_grade=2)
    assert not [d for d in grade_2.deadlines if d.kind == "declaration"]
    grade_3 = decide_name("Don de sang total", EventKind.DONOR_ADVERSE_REACTION, severity_grade=3)
    assert deadline_of(grade_3, Queue.HAEMOVIGILANCE).policy.amount == 15


def test_deadlines_follow_the_establishment_calendar():
    received = paris(2026, 12, 24, 10, 0)
    metropole = decide_name("CGR", received_at=received, severity_grade=3)
    alsace = decide_name("CGR", received_at=received, severity_grade=3, region="alsace")
    assert deadline_of(metropole, Queue.HAEMOVIGILANCE).due_at == paris(2026, 12, 28, 10, 0)
    assert deadline_of(alsace, Queue.HAEMOVIGILANCE).due_at == paris(2026, 12, 29, 10, 0)


def test_without_delay_is_a_flag_with_a_service_target():
    decision = decide_name("Kymriah", received_at=paris(2026, 11, 21, 11, 0), serious=True)
    deadline = deadline_of(decision, Queue.PHARMACOVIGILANCE)
    assert deadline.policy.without_delay
    assert deadline.due_at == paris(2026, 11, 22, 11, 0)
    assert "sans délai" in say(deadline.policy.describe(), "fr")


def test_deadlines_without_known_moments_are_described_not_dated():
    decision = decide_name("CGR", severity_grade=2)
    deadline = deadline_of(decision, Queue.HAEMOVIGILANCE)
    assert deadline.due_at is None
    assert "48" in say(deadline.policy.describe(), "en")


@pytest.mark.parametrize(
    ("amount", "french", "english"),
    [
        (1, "1 jour ouvrable à compter", "within 1 working day from"),
        (3, "3 jours ouvrables à compter", "within 3 working days from"),
    ],
)
def test_a_deadline_says_its_amount_in_the_form_its_number_takes(amount, french, english):
    """The qualification rule counts one working day: "1 jour ouvrable", not "1 jours ouvrables"."""
    (qualification,) = decide_name("Produit inconnu Z-17").deadlines
    assert (qualification.policy.amount, qualification.policy.unit) == (1, "working_days")
    policy = replace(qualification.policy, amount=amount)
    assert french in say(policy.describe(), "fr")
    assert english in say(policy.describe(), "en")
    assert say(policy.describe(), "fr").startswith("Qualifier le produit et orienter le signalement : ")


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("Plaquettes", "psl-platelets"),
        ("anti-D", "mds-ig-anti-d"),
        ("Concentré de plaquettes d'aphérèse", "psl-platelets-apheresis"),
        ("Facteur VIII Advate", "med-fviii-recombinant"),  # a brand settles a shared name
    ],
)
def test_names_clinicians_type_find_their_entry(name, entry):
    assert decide_name(name).entry.id == entry


def test_a_known_product_of_unsettled_status_goes_to_a_person_and_says_why():
    decision = decide_name("Plasma riche en plaquettes (PRP)")
    assert decision.entry.id == "undecided-platelet-rich-plasma"
    assert decision.category == Category.UNCLASSIFIED
    assert decision.queues == (Queue.QUALIFICATION,)
    assert any("pas tranché" in step for step in decision.explanation("fr", say))


def test_imputability_levels_read_with_their_meaning_on_each_queues_scale():
    from routing.scales import imputability_label

    assert say(imputability_label("haemovigilance", "2"), "fr") == "2 (probable)"
    assert say(imputability_label("haemovigilance", "NE"), "en") == "NE (not assessable)"
    assert say(imputability_label("biovigilance", "0"), "fr") == "0 (exclue)"
    assert say(imputability_label("pharmacovigilance", "unlikely"), "fr") == "improbable"
    assert say(imputability_label("materiovigilance", "not_related"), "en") == "not related"
    assert say(imputability_label("quality_defect", "2"), "fr") == "2"  # no scale there: said as stored
