"""The emails that call people to act, end to end: filed or asked in a real browser, delivered by a
real ``vigilance worker`` to a real SMTP server (aiosmtpd) within a minute, and the link in them
opened in the browser, through the sign-in page when the session is gone."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from routing import EventKind, ProductFacts
from tests.worker.test_worker_processes import start_worker, stop, wait_until
from vigilance import intake

PASSWORD = "correct horse battery"
A_MINUTE = 60


@pytest.fixture
def worker(app, live_server, database_url, smtp_server):
    """The worker delivering the outbox to the test's SMTP server, with links to the live server."""
    app.config["BASE_URL"] = live_server
    process = start_worker(database_url, smtp_server.url, VIGILANCE_BASE_URL=live_server)
    yield process
    stop(process)


@pytest.fixture
def clinician(engine, make_user):
    return make_user("reporter", email="dr.interne@example.org", password=PASSWORD)


@pytest.fixture
def correspondent(engine, make_user):
    return make_user("correspondent", email="chv-st@example.org", vigilances=["haemovigilance"], password=PASSWORD)


def new_page(browser, **options):
    page = browser.new_context(locale="fr-FR", **options).new_page()
    page.set_default_timeout(10_000)
    return page


def fill_sign_in(page, user):
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def mail_to(smtp_server, address):
    """The messages the SMTP server received for *address*, oldest first."""
    return [message for rcpt, message in smtp_server.inbox.messages if rcpt == [address]]


def link_in(message, live_server, path_pattern):
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(rf"{re.escape(live_server)}{path_pattern}", text)
    assert found, text
    return found.group(0)


def wait_for_mail(smtp_server, address, since, matching=""):
    def arrived():
        return [m for m in mail_to(smtp_server, address) if matching in str(m["Subject"])]

    assert wait_until(arrived, timeout=A_MINUTE), f"no mail for {address}: {smtp_server.inbox.messages}"
    assert time.monotonic() - since < A_MINUTE
    return arrived()[0]


def test_a_serious_report_filed_in_the_browser_reaches_the_correspondent_whose_link_opens_the_item(
    browser, live_server, worker, smtp_server, clinician, correspondent
):
    reporter_page = new_page(browser, viewport={"width": 390, "height": 844})
    reporter_page.goto(live_server + "/login")
    fill_sign_in(reporter_page, clinician)
    expect(reporter_page.get_by_role("heading", name="Déclarer un incident")).to_be_visible()
    reporter_page.get_by_label("Produit", exact=True).fill("Concentré de plaquettes d'aphérèse")
    reporter_page.get_by_label("Grave", exact=True).check()
    reporter_page.get_by_label("Grade estimé (1 à 4)").select_option("3")
    reporter_page.get_by_label("Initiales").fill("JD")
    reporter_page.get_by_label("Description").fill("Choc avec hyperthermie à 40 °C pendant la transfusion.")
    reporter_page.get_by_role("button", name="Envoyer le signalement").click()
    filed_at = time.monotonic()
    expect(reporter_page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    reference = reporter_page.locator(".confirmation .reference").inner_text()

    alert = wait_for_mail(smtp_server, correspondent.email, filed_at)
    assert str(alert["Subject"]).startswith(f"[{reference}]")
    link = link_in(alert, live_server, r"/queue-items/\d+")

    # The correspondent is not signed in: the link goes by the sign-in page and on to the item.
    chv = new_page(browser)
    chv.goto(link)
    expect(chv.get_by_label("Adresse e-mail")).to_be_visible()
    fill_sign_in(chv, correspondent)
    expect(chv).to_have_url(link)
    expect(chv.locator("main")).to_contain_text(reference)
    expect(chv.locator("main")).to_contain_text("Concentré de plaquettes d'aphérèse")
    expect(chv.get_by_role("button", name="Prendre en charge")).to_be_visible()

    # Signed in now: the same link, opened in a new tab as a mail client does, goes straight to the item.
    second_tab = chv.context.new_page()
    second_tab.goto(link)
    expect(second_tab).to_have_url(link)
    expect(second_tab.get_by_label("Adresse e-mail")).to_have_count(0)
    expect(second_tab.locator("main")).to_contain_text(reference)


@pytest.fixture
def serious_report(engine, db, clinician):
    now = datetime.now(UTC)
    report = intake.submit(
        db,
        actor=clinician,
        now=now - timedelta(minutes=5),
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now - timedelta(hours=2),
            product=ProductFacts(name="MCP-IA"),
            description="Dyspnée et hypertension pendant la transfusion.",
            serious=True,
            severity_grade=3,
        ),
    )
    db.commit()
    return report


def test_a_question_reaches_the_reporter_who_answers_from_the_emails_link(
    browser, live_server, worker, smtp_server, clinician, correspondent, serious_report
):
    chv = new_page(browser)
    chv.goto(live_server + "/login")
    fill_sign_in(chv, correspondent)
    expect(chv).to_have_url(re.compile(r"/queues"))
    chv.get_by_role("link", name="Mes files").click()
    chv.locator("table.queue tbody tr").filter(has_text="MCP-IA").get_by_role("link").first.click()
    chv.get_by_role("button", name="Prendre en charge").click()
    expect(chv.locator("#item-holder")).to_have_text(correspondent.email)
    chv.get_by_label("Poser une question au déclarant").fill("Quel volume a été transfusé, et sur quelle durée ?")
    chv.get_by_role("button", name="Envoyer la question").click()
    asked_at = time.monotonic()
    expect(chv.locator("#item-status")).to_have_text("en attente d'information")

    question = wait_for_mail(smtp_server, clinician.email, asked_at)
    link = link_in(question, live_server, r"/reports/\d+/questions")

    # The reporter opens the link in a browser without a session: sign in, and back to the report.
    clinician_page = new_page(browser, viewport={"width": 390, "height": 844})
    clinician_page.goto(link)
    expect(clinician_page.get_by_label("Adresse e-mail")).to_be_visible()
    fill_sign_in(clinician_page, clinician)
    # The email's address keeps its aim through the sign-in: the report, at its questions.
    expect(clinician_page).to_have_url(re.compile(re.escape(link.removesuffix("/questions")) + "#questions$"))
    questions = clinician_page.locator("#questions")
    expect(questions).to_contain_text("Quel volume a été transfusé")
    clinician_page.get_by_label("Votre réponse").fill("Deux MCP en 40 minutes.")
    clinician_page.get_by_role("button", name="Répondre").click()
    expect(clinician_page.locator("#questions")).to_contain_text("Deux MCP en 40 minutes.")

    chv.reload()
    expect(chv.locator(".questions .answer")).to_have_text("Deux MCP en 40 minutes.")
    expect(chv.locator("#item-status")).to_have_text("en cours")
