"""Each correction of the 2024 rulebook against the texts (issue 15), and the two vigilances it
lacked: assisted reproduction vigilance (gametes, germinal tissues, embryos; ABM) and
réactovigilance (in vitro diagnostic devices; ANSM). The legal basis of each is in the rulebook."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from routing import Category, EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, Queue, decide
from routing.pharmacovigilance_centres import centre_for, department_of
from routing.rulebook import shipped_rulebooks
from vigilance.i18n import say

TODAY = date(2026, 11, 21)
PARIS = ZoneInfo("Europe/Paris")
RAR = EventKind.RECIPIENT_ADVERSE_REACTION
RECEIVED = datetime(2026, 11, 19, 10, 0, tzinfo=PARIS)  # a Thursday


def decide_name(name, event_kind=RAR, **facts):
    return decide(Facts(event_kind=event_kind, product=ProductFacts(name=name), **facts), on=TODAY)


def decide_answers(event_kind=RAR, origin=None, **answers):
    product = ProductFacts(origin=origin, features=Features(**answers))
    return decide(Facts(event_kind=event_kind, product=product), on=TODAY)


def deadlines(decision, queue):
    return [d for d in decision.deadlines if d.queue == queue]


def basis(decision) -> str:
    return " | ".join(decision.legal_basis)


# --- Blood-derived medicines are made from human blood (CSP L.5121-1 18°, L.1221-8) ----------


@pytest.mark.parametrize(
    "name",
    [
        "Thymoglobuline",
        "immunoglobulines de lapin",
        "immunoglobulines anti-thymocytes",
        "ATG",
        "Grafalon",
        "immunoglobuline équine",
        "sérum antivenimeux",
        "Viperfav",
        "Favirab",
    ],
)
def test_animal_immunoglobulins_and_antisera_are_ordinary_medicines(name):
    decision = decide_name(name)
    assert decision.category == Category.MEDICINE, decision.explanation("fr", say)
    assert decision.queues == (Queue.PHARMACOVIGILANCE,)


def test_human_immunoglobulins_stay_blood_derived_medicines():
    assert decide_name("immunoglobulines humaines intraveineuses").category == Category.BLOOD_DERIVED_MEDICINE


# --- PRP is not on the limitative list of labile blood products (ANSM, 10 January 2018) -------


@pytest.mark.parametrize(
    "name",
    [
        "PRP",
        "plasma riche en plaquettes",
        "plasma enrichi en plaquettes",
        "concentré plaquettaire autologue",
        "concentré de plaquettes autologue",
        "CPA autologue",
        "PRF",
        "L-PRP",
        "injection de PRP au genou",
        "platelet-rich plasma",
        "gel plaquettaire autologue",
    ],
)
@pytest.mark.parametrize("event_kind", list(EventKind))
def test_prp_under_every_usual_name_is_never_haemovigilance(name, event_kind):
    decision = decide_name(name, event_kind)
    assert decision.category != Category.LABILE_BLOOD_PRODUCT, name
    assert Queue.HAEMOVIGILANCE not in decision.queues
    assert decision.entry is not None and decision.entry.id == "undecided-platelet-rich-plasma"


# --- A CE-marked device with a human blood derivative as ancillary substance (MDR art. 1(8)) ---


def test_a_device_incorporating_a_human_blood_derivative_is_a_device_by_name():
    decision = decide_name("Floseal", EventKind.INCIDENT)
    assert decision.category == Category.MEDICAL_DEVICE
    assert decision.queues == (Queue.MATERIOVIGILANCE,)


def test_a_device_incorporating_a_human_blood_derivative_is_a_device_by_the_answers():
    decision = decide_answers(
        EventKind.INCIDENT,
        origin=Origin.PLASMA,
        ce_marked_device=True,
        industrially_manufactured=True,
        intended_action=IntendedAction.OTHER,
    )
    assert decision.category == Category.MEDICAL_DEVICE
    assert "2017/745, art. 1(8)" in basis(decision)


# --- Every family of the ANSM list by its bare usual name --------------------------------------


@pytest.mark.parametrize(
    "name",
    ["globules rouges", "red cells", "plaquettes", "plasma", "granulocytes", "granuleux", "sang total", "whole blood"],
)
def test_every_labile_blood_product_family_is_known_by_its_bare_usual_name(name):
    decision = decide_name(name)
    assert decision.category == Category.LABILE_BLOOD_PRODUCT
    assert decision.queues == (Queue.HAEMOVIGILANCE,)


@pytest.mark.parametrize("name", ["plasma SD", "plasma riche en plaquettes", "Octaplas"])
def test_bare_plasma_does_not_swallow_the_longer_names_of_other_products(name):
    assert decide_name(name).category != Category.LABILE_BLOOD_PRODUCT


# --- Haemovigilance deadlines --------------------------------------------------------------------


def test_only_a_serious_incident_gets_the_incident_declaration_deadline():
    serious = decide_name("CGR", EventKind.INCIDENT, serious=True, received_at=RECEIVED, detected_at=RECEIVED)
    minor = decide_name("CGR", EventKind.INCIDENT, serious=False, received_at=RECEIVED, detected_at=RECEIVED)
    assert [d.policy.id for d in deadlines(serious, Queue.HAEMOVIGILANCE)] == ["d-hv-incident"]
    assert minor.queues == (Queue.HAEMOVIGILANCE,)
    assert deadlines(minor, Queue.HAEMOVIGILANCE) == []


def test_signalled_recipient_reactions_are_due_without_delay_and_at_the_latest_in_48_working_hours():
    decision = decide_name("CGR", severity_grade=2, received_at=RECEIVED)
    [deadline] = deadlines(decision, Queue.HAEMOVIGILANCE)
    assert deadline.policy.without_delay and deadline.policy.at_the_latest
    assert deadline.due_at == datetime(2026, 11, 21, 10, 0, tzinfo=PARIS)  # Saturday counts: "ouvrables"
    assert "sans délai et au plus tard dans les 48 heures ouvrables" in say(deadline.policy.describe(), "fr")
    assert "at the latest within 48 working hours" in say(deadline.policy.describe(), "en")
    assert "objectif du service" not in say(deadline.policy.describe(), "fr")


def test_a_labile_blood_product_defect_that_harmed_a_patient_is_also_a_recipient_reaction():
    harmed = decide_name(
        "CGR", EventKind.QUALITY_DEFECT, serious=True, patient_harm=True, severity_grade=2, received_at=RECEIVED
    )
    ids = {d.policy.id for d in deadlines(harmed, Queue.HAEMOVIGILANCE)}
    assert ids == {"d-hv-incident", "d-hv-quality-defect-reaction-signalee"}
    assert "r-hv-quality-defect-with-harm" in harmed.rule_ids
    unharmed = decide_name("CGR", EventKind.QUALITY_DEFECT, serious=True, patient_harm=False, received_at=RECEIVED)
    assert {d.policy.id for d in deadlines(unharmed, Queue.HAEMOVIGILANCE)} == {"d-hv-incident"}


def test_a_mild_reaction_to_a_defective_labile_blood_product_gets_the_15_working_day_deadline():
    harmed = decide_name("CGR", EventKind.QUALITY_DEFECT, serious=False, patient_harm=True, severity_grade=1)
    assert [d.policy.id for d in deadlines(harmed, Queue.HAEMOVIGILANCE)] == ["d-hv-quality-defect-reaction"]


# --- Legal bases corrected ------------------------------------------------------------------------


def test_the_quality_defect_rule_does_not_rest_on_the_manufacturers_article():
    decision = decide_name("Sérum autologue en collyre", EventKind.QUALITY_DEFECT, received_at=RECEIVED)
    [deadline] = deadlines(decision, Queue.QUALITY_DEFECT)
    assert not any("R.5124-55" in b for b in deadline.policy.legal_basis)
    assert deadline.policy.service_target
    route_basis = [b for b in decision.legal_basis if "R.5124-55" in b]
    assert route_basis and all("non de l'établissement de santé" in b for b in route_basis)


def test_materiovigilance_rests_on_l5212_2_and_leaves_article_87_delays_to_manufacturers():
    decision = decide_name("Floseal", EventKind.INCIDENT, serious=True, received_at=RECEIVED, detected_at=RECEIVED)
    [deadline] = deadlines(decision, Queue.MATERIOVIGILANCE)
    assert deadline.policy.legal_basis == (
        "CSP L.5212-2 (signalement à l'ANSM des incidents graves par les professionnels de santé et utilisateurs professionnels)",
    )
    assert deadline.policy.service_target and not deadline.policy.without_delay
    assert "aucun délai dans le texte" in say(deadline.policy.describe(), "fr")
    assert "fabricant" in deadline.policy.note
    assert any("art. 87 (obligations et délais du fabricant)" in b for b in decision.legal_basis)


def test_the_combined_atmp_rule_cites_the_principal_mode_of_action_paragraph():
    decision = decide_answers(origin=Origin.CELLS, substantially_manipulated=True, incorporates_medical_device=True)
    assert decision.category == Category.ATMP_COMBINED
    cited = basis(decision)
    assert "art. 2(2)" in cited and "art. 2(3)" not in cited


# --- Pharmacovigilance goes to the regional centre -------------------------------------------------


def test_pharmacovigilance_is_declared_to_the_regional_centre_not_to_ansm():
    decision = decide_name("Kymriah")
    assert decision.authorities[Queue.PHARMACOVIGILANCE] == "CRPV"
    assert "centre régional de pharmacovigilance" in basis(decision)


@pytest.mark.parametrize(
    ("finess", "city"),
    [("350000139", "Rennes"), ("2A0000014", "Marseille"), ("670780055", "Strasbourg"), ("310781406", "Toulouse")],
)
def test_the_regional_centre_is_found_from_the_establishments_finess(finess, city):
    assert centre_for(finess).city == city


def test_a_territory_the_data_do_not_cover_names_no_centre():
    assert department_of("970421038") == "97"
    assert centre_for("970421038") is None
    assert centre_for("750000119") is None  # Île-de-France: centres share the region by hospital


# --- Biovigilance: unexpected reactions, even non-serious; gametes and embryos excluded -----------


def test_an_unexpected_non_serious_biovigilance_reaction_gets_the_declaration_deadline():
    unexpected = decide_name("Greffe de cornée", serious=False, unexpected=True, received_at=RECEIVED)
    expected = decide_name("Greffe de cornée", serious=False, unexpected=False, received_at=RECEIVED)
    assert [d.policy.id for d in deadlines(unexpected, Queue.BIOVIGILANCE)] == ["d-bv-serious"]
    assert [d.policy.id for d in deadlines(expected, Queue.BIOVIGILANCE)] == ["d-bv-assessment"]


@pytest.mark.parametrize(
    "name", ["ovocytes", "paillettes de sperme", "embryon congelé", "tissu ovarien", "transfert d'embryon", "FIV"]
)
@pytest.mark.parametrize("event_kind", list(EventKind))
def test_gametes_germinal_tissues_and_embryos_are_never_biovigilance(name, event_kind):
    decision = decide_name(name, event_kind)
    assert decision.category == Category.GAMETES_EMBRYOS
    assert decision.queues == (Queue.AMP_VIGILANCE,)
    assert decision.authorities == {Queue.AMP_VIGILANCE: "ABM"}
    assert "R.1211-29 (II" in basis(decision) and "R.2142-47" in basis(decision)


# --- The two new vigilances' deadlines ------------------------------------------------------------


def test_a_serious_amp_incident_is_declared_without_delay_and_others_are_assessed():
    serious = decide_name("Paillettes de sperme", EventKind.INCIDENT, serious=True, received_at=RECEIVED)
    unexpected = decide_name("Ponction ovocytaire", serious=False, unexpected=True, received_at=RECEIVED)
    other = decide_name("Ponction ovocytaire", serious=False, received_at=RECEIVED)
    assert [d.policy.id for d in deadlines(serious, Queue.AMP_VIGILANCE)] == ["d-amp-serious"]
    assert [d.policy.id for d in deadlines(unexpected, Queue.AMP_VIGILANCE)] == ["d-amp-serious"]
    assert [d.policy.id for d in deadlines(other, Queue.AMP_VIGILANCE)] == ["d-amp-assessment"]
    assert deadlines(serious, Queue.AMP_VIGILANCE)[0].policy.without_delay


@pytest.mark.parametrize(
    "name",
    [
        "lecteur de glycémie",
        "bandelettes de glycémie",
        "réactif de groupage sanguin",
        "carte de contrôle ultime",
        "automate de biologie",
        "TROD",
    ],
)
def test_in_vitro_diagnostic_devices_go_to_reactovigilance_at_ansm(name):
    decision = decide_name(name, EventKind.INCIDENT, received_at=RECEIVED, detected_at=RECEIVED)
    assert decision.category == Category.IN_VITRO_DIAGNOSTIC
    assert decision.queues == (Queue.REACTOVIGILANCE,)
    assert decision.authorities == {Queue.REACTOVIGILANCE: "ANSM"}
    [deadline] = deadlines(decision, Queue.REACTOVIGILANCE)
    assert deadline.policy.without_delay and "R.5222-15" in " ".join(deadline.policy.legal_basis)
    assert "2017/746, art. 82" in basis(decision)


# --- Reached by name only: the questionnaire cannot express them ---------------------------------


@pytest.mark.parametrize("rulebook", list(shipped_rulebooks()), ids=lambda r: r.id)
def test_no_questionnaire_answer_decides_gametes_or_in_vitro_diagnostics(rulebook):
    """The questionnaire's vocabulary (contract.md) has no answer for assisted reproduction nor
    for an in vitro diagnostic device: a route from the existing answers would be a guess."""
    categories = {rule.category for rule in rulebook.qualification}
    assert Category.GAMETES_EMBRYOS not in categories and Category.IN_VITRO_DIAGNOSTIC not in categories
    # Cells or tissue answered with "another" intended action are not taken for gametes or
    # embryos: a person qualifies them (the qualification queue), as for any product not known.
    for origin in (Origin.CELLS, Origin.TISSUE):
        other = decide_answers(origin=origin, intended_action=IntendedAction.OTHER)
        assert (other.category, other.queues) == (Category.UNCLASSIFIED, (Queue.QUALIFICATION,))
    # ... and by name they are reached, under every rulebook.
    on = rulebook.effective_from
    ovocytes = decide(Facts(event_kind=RAR, product=ProductFacts(name="ovocytes")), on=on)
    reagent = decide(
        Facts(event_kind=EventKind.INCIDENT, product=ProductFacts(name="réactif de groupage sanguin")), on=on
    )
    assert ovocytes.queues == (Queue.AMP_VIGILANCE,) and reagent.queues == (Queue.REACTOVIGILANCE,)
