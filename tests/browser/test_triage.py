"""A correspondent works a new serious report while the reporter answers their question."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from routing import EventKind, ProductFacts
from vigilance import intake

PASSWORD = "correct horse battery"


@pytest.fixture
def cast(engine, make_user, db):
    reporter = make_user("reporter", email="dr.interne@example.org", password=PASSWORD)
    correspondent = make_user(
        "correspondent", email="chv-st@example.org", vigilances=["haemovigilance"], password=PASSWORD
    )
    now = datetime.now(UTC)
    for serious, product in ((False, "CGR"), (True, "MCP-IA"), (False, "PFC")):
        intake.submit(
            db,
            actor=reporter,
            now=now - timedelta(minutes=5),
            draft=intake.Draft(
                event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                occurred_at=now - timedelta(hours=2),
                product=ProductFacts(name=product),
                description=f"Réaction après {product}.",
                serious=serious,
                severity_grade=3 if serious else 1,
            ),
        )
    db.commit()
    return reporter, correspondent


def sign_in(page, live_server, user):
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # Reporters land on the report form, those who work queues on their queues.
    if user.role == "reporter":
        expect(page.get_by_role("heading", name="Déclarer un incident")).to_be_visible()
    else:
        expect(page).to_have_url(re.compile(r"/queues"))


def test_triage_of_a_serious_report_with_a_question_to_the_reporter(browser, live_server, cast):
    reporter, correspondent = cast
    chv = browser.new_context(locale="fr-FR").new_page()
    clinician = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    for page in (chv, clinician):
        page.set_default_timeout(10_000)
    sign_in(chv, live_server, correspondent)
    chv.get_by_role("link", name="Mes files").click()
    first_row = chv.locator("table.queue tbody tr").first
    expect(first_row).to_contain_text("MCP-IA")
    expect(first_row).to_contain_text("Grave")
    expect(first_row).to_contain_text("heures ouvrables")
    first_row.get_by_role("link").click()

    chv.get_by_role("button", name="Prendre en charge").click()
    expect(chv.locator("#item-holder")).to_have_text(correspondent.email)
    expect(chv.locator("#item-status")).to_have_text("en cours")

    chv.get_by_label("Grade (1 à 4)").select_option("3")
    chv.get_by_label("Imputabilité (échelle de l'ANSM, 2020)").select_option("2")
    chv.get_by_label("Type", exact=True).select_option("taco")
    chv.get_by_role("button", name="Enregistrer l'évaluation").click()
    expect(chv.locator(".flash")).to_contain_text("Évaluation enregistrée")

    chv.get_by_label("Poser une question au déclarant").fill("Quel volume a été transfusé, et sur quelle durée ?")
    chv.get_by_role("button", name="Envoyer la question").click()
    expect(chv.locator("#item-status")).to_have_text("en attente d'information")

    sign_in(clinician, live_server, reporter)
    clinician.get_by_role("link", name="Mes signalements").first.click()
    clinician.get_by_role("row").filter(has_text="MCP-IA").get_by_role("link").click()
    expect(clinician.locator("#questions")).to_contain_text("Quel volume a été transfusé")
    clinician.get_by_label("Votre réponse").fill("Deux MCP en 40 minutes.")
    clinician.get_by_role("button", name="Répondre").click()
    expect(clinician.locator("#questions")).to_contain_text("Deux MCP en 40 minutes.")

    chv.reload()
    expect(chv.locator(".questions .answer")).to_have_text("Deux MCP en 40 minutes.")
    expect(chv.locator("#item-status")).to_have_text("en cours")
    chv.get_by_label("Numéro (e-FIT, ABM, CRPV…)").fill("EFIT-2026-004217")
    chv.get_by_role("button", name="Enregistrer la déclaration").click()
    expect(chv.locator("#item-status")).to_have_text("déclaré")
    expect(chv.locator(".deadline-state").first).to_have_text("respecté")
