"""Nothing typed in the report form is lost, in a real browser: an expired session, an expired form
token, Back and submit again, and the draft saved as one types."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.page_session import count_reports
from vigilance.models import ReportDraft

PASSWORD = "correct horse battery"
PRODUCT = "Concentré de globules rouges"
DESCRIPTION = "Frissons, hyperthermie à 39,2 °C et hypotension 20 minutes après le début de la transfusion."


@pytest.fixture
def clinician(engine, make_user):
    return make_user("reporter", email="dr.interne@example.org", password=PASSWORD)


def sign_in(page, user):
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def open_form(page, live_server, user):
    page.goto(live_server + "/login")
    sign_in(page, user)
    expect(page.get_by_role("heading", name="Déclarer un incident")).to_be_visible()


def type_report(page):
    page.get_by_label("Produit", exact=True).fill(PRODUCT)
    page.get_by_label("Grave", exact=True).check()
    page.get_by_label("Grade estimé (1 à 4)").select_option("2")
    page.get_by_label("Initiales").fill("JD")
    page.get_by_label("Numéro de lot").fill("LOT-2026-118")
    page.get_by_label("Description").fill(DESCRIPTION)


def expect_form_as_typed(page, lot="LOT-2026-118"):
    expect(page.get_by_label("Produit", exact=True)).to_have_value(PRODUCT)
    expect(page.get_by_label("Grave", exact=True)).to_be_checked()
    expect(page.get_by_label("Grade estimé (1 à 4)")).to_have_value("2")
    expect(page.get_by_label("Initiales")).to_have_value("JD")
    expect(page.get_by_label("Numéro de lot")).to_have_value(lot)
    expect(page.get_by_label("Description")).to_have_value(DESCRIPTION)


def submit(page):
    page.get_by_role("button", name="Envoyer le signalement").click()


def drafts_count(db):
    db.rollback()
    return db.scalar(select(func.count()).select_from(ReportDraft))


def test_the_session_expires_and_signing_in_again_files_the_report_with_nothing_lost(
    app, page, live_server, clinician, db
):
    app.config["DRAFT_SAVE_DELAY_MS"] = 600_000  # what comes back is what the page carried, not a draft
    open_form(page, live_server, clinician)
    type_report(page)
    page.context.clear_cookies()  # the session ends while the form is open
    submit(page)
    expect(page.get_by_role("heading", name="Votre session a expiré")).to_be_visible()
    assert count_reports(db) == 0
    sign_in(page, clinician)
    expect(
        page.get_by_role("status").filter(has_text="voici le formulaire tel que vous l'aviez laissé")
    ).to_be_visible()
    expect_form_as_typed(page)
    submit(page)
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    expect(page.locator("main")).to_contain_text(PRODUCT)
    assert count_reports(db) == 1
    assert drafts_count(db) == 0


def test_the_form_token_expires_and_sending_keeps_everything(app, page, live_server, clinician, db):
    app.config["DRAFT_SAVE_DELAY_MS"] = 600_000  # no save renews the token meanwhile
    open_form(page, live_server, clinician)
    # Once signed in: a busy machine may take more than a second between the sign-in page and its sending.
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    type_report(page)
    page.wait_for_timeout(2_100)
    submit(page)
    expect(page.locator("#form-notice")).to_contain_text("Rien de ce que vous avez saisi n'est perdu")
    expect_form_as_typed(page)
    assert count_reports(db) == 0
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    submit(page)
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    assert count_reports(db) == 1


def test_back_and_submit_again_files_exactly_one_report(app, page, live_server, clinician, db):
    app.config["DRAFT_SAVE_DELAY_MS"] = 600_000
    open_form(page, live_server, clinician)
    type_report(page)
    submit(page)
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    reference = page.locator(".confirmation .reference").inner_text()
    page.go_back()
    expect(page.get_by_label("Produit", exact=True)).to_have_value(PRODUCT)
    submit(page)
    expect(page.get_by_role("status").filter(has_text="Aucun second signalement")).to_be_visible()
    expect(page.locator(".confirmation .reference")).to_have_text(reference)
    assert count_reports(db) == 1


def test_the_draft_saved_while_typing_is_listed_resumed_and_gone_once_filed(app, page, live_server, clinician, db):
    app.config["DRAFT_SAVE_DELAY_MS"] = 300
    open_form(page, live_server, clinician)
    type_report(page)
    # Saved a moment after typing stops...
    expect(page.locator("#draft-status")).to_have_text("Brouillon enregistré.")
    # ... and when the page is left, with what was typed last.
    page.get_by_label("Numéro de lot").fill("LOT-2026-119")
    page.goto(live_server + "/reports/mine")
    for _attempt in range(50):
        db.rollback()
        if db.scalar(select(ReportDraft.fields)).get("lot_number") == "LOT-2026-119":
            break
        page.wait_for_timeout(100)
    page.reload()
    page.get_by_role("link", name="1 brouillon").click()
    row = page.get_by_role("row").filter(has_text=PRODUCT)
    expect(row).to_contain_text("Frissons, hyperthermie")
    row.get_by_role("link", name="Reprendre").click()
    expect_form_as_typed(page, lot="LOT-2026-119")
    submit(page)
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    assert count_reports(db) == 1
    page.goto(live_server + "/reports/drafts")
    expect(page.locator("main")).to_contain_text("Aucun brouillon.")
    assert drafts_count(db) == 0
