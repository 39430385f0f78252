"""A clinician files reports in a real browser, on a phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect

PASSWORD = "correct horse battery"


@pytest.fixture
def clinician(engine, make_user):
    return make_user("reporter", email="dr.interne@example.org", password=PASSWORD)


def sign_in(page, live_server, user):
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Déclarer un incident")).to_be_visible()


def test_a_clinician_files_a_report_and_finds_it_in_my_reports(page, live_server, clinician):
    sign_in(page, live_server, clinician)
    page.get_by_label("Produit", exact=True).fill("Concentré de plaquettes d'aphérèse")
    hint = page.locator("#classification")
    expect(hint).to_contain_text("produit sanguin labile")
    expect(hint).to_contain_text("hémovigilance")
    expect(page.locator("#qualification-questions")).to_be_hidden()
    page.get_by_label("Grave", exact=True).check()
    page.get_by_label("Grade estimé (1 à 4)").select_option("2")
    page.get_by_label("Initiales").fill("JD")
    page.get_by_label("Description").fill("Frissons et hyperthermie 20 minutes après le début de la transfusion.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    reference = page.locator(".confirmation .reference").inner_text()
    assert re.fullmatch(r"VIG-\d{4}-\d{6}", reference)
    expect(page.locator("main")).to_contain_text("hémovigilance")
    page.get_by_role("link", name="Mes signalements").first.click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Concentré de plaquettes d'aphérèse")
    expect(row).to_contain_text("Reçu")


def test_an_unknown_product_is_qualified_through_the_questionnaire(page, live_server, clinician):
    sign_in(page, live_server, clinician)
    page.get_by_label("Produit", exact=True).fill("Préparation cellulaire du protocole X")
    questions = page.locator("#qualification-questions")
    expect(page.locator("#classification")).to_have_attribute("data-category", "unclassified")
    expect(questions).to_be_visible()
    questions.get_by_label("Origine de la substance").select_option("cells")
    questions.get_by_label("Cellules ou tissus substantiellement manipulés (culture, expansion…) ?").select_option(
        "yes"
    )
    questions.get_by_label("Action recherchée").select_option("regenerate_repair_replace")
    expect(page.locator("#classification")).to_have_attribute("data-category", "atmp_tissue_engineered")
    page.get_by_label("Non grave").check()
    page.get_by_label("Description").fill("Douleur et inflammation au site d'implantation à J2.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    expect(page.locator("main")).to_contain_text("pharmacovigilance")


def test_a_refused_form_keeps_what_was_typed_and_points_at_the_field(page, live_server, clinician):
    sign_in(page, live_server, clinician)
    page.get_by_label("Produit", exact=True).fill("CGR")
    page.get_by_label("Initiales").fill("Dupont")
    page.get_by_label("Description").fill("Réaction fébrile.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#serious-error")).to_contain_text("obligatoire")
    expect(page.get_by_label("Description")).to_have_value("Réaction fébrile.")
    expect(page.get_by_label("Produit", exact=True)).to_have_value("CGR")
