"""Every page works under the Content-Security-Policy: no violation is reported in a real browser
while a person uses the report form, the classifier, a queue, an item, the dashboard with its
charts, an activity report (its print button) and the admin pages."""

import http.server
import threading
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from routing import EventKind, ProductFacts
from tests.browser.test_triage import PASSWORD, sign_in
from vigilance import intake

#: Records each violation the page reports, and each print asked for (headless Chromium would
#: otherwise open no dialog to tell).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


def watched_page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(WATCH)
    console = []
    page.on("console", lambda message: console.append(message.text))
    return page, console


def assert_no_violation(page, console, where):
    assert page.evaluate("window.__violations") == [], where
    assert not [line for line in console if "Content Security Policy" in line], where


def test_no_page_breaks_the_content_security_policy(browser, live_server, db, make_user):
    reporter = make_user("reporter", email="dr.interne@example.org", password=PASSWORD)
    correspondent = make_user(
        "correspondent", email="chv@example.org", vigilances=["haemovigilance"], password=PASSWORD
    )
    coordinator = make_user("coordinator", email="coordination@example.org", password=PASSWORD)
    admin = make_user("admin", email="admin@example.org", password=PASSWORD)
    now = datetime.now(UTC)
    stored = intake.submit(
        db,
        actor=reporter,
        now=now - timedelta(days=1),
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now - timedelta(days=1, hours=1),
            product=ProductFacts(name="MCP-IA"),
            description="Dyspnée après transfusion.",
            serious=True,
            severity_grade=3,
        ),
    )
    db.commit()
    item_id = stored.items[0].id

    page, console = watched_page(browser)
    # The classifier (its script fetches the API as the person types) and the sign-in page.
    page.goto(live_server + "/")
    page.get_by_label("Produit").fill("Albumine humaine 20 %")
    expect(page.locator("main")).to_contain_text("médicament dérivé du sang")
    assert_no_violation(page, console, "classifier")
    sign_in(page, live_server, reporter)
    # The report form's classifier, then the reporter's list and the report.
    page.get_by_label("Produit", exact=True).fill("CGR")
    expect(page.locator("main")).to_contain_text("hémovigilance")
    assert_no_violation(page, console, "report form")
    for path in ("/reports/mine", "/reports/drafts", f"/reports/{stored.report.id}", "/profile", "/no-such-page"):
        page.goto(live_server + path)
        assert_no_violation(page, console, path)

    page, console = watched_page(browser)
    sign_in(page, live_server, correspondent)
    page.goto(live_server + "/queues")
    page.goto(live_server + "/queues/haemovigilance")
    expect(page.locator("table.queue tbody tr").first).to_contain_text("MCP-IA")
    page.goto(live_server + f"/queue-items/{item_id}")
    page.get_by_role("button", name="Prendre en charge").click()
    expect(page.locator("#item-status")).to_have_text("en cours")
    assert_no_violation(page, console, "queue and item")

    page, console = watched_page(browser)
    sign_in(page, live_server, coordinator)
    page.goto(live_server + "/dashboard")
    assert page.locator("svg.chart").count() == 4
    assert_no_violation(page, console, "dashboard")
    page.goto(live_server + f"/activity/{now.year}/{now.month}")
    page.get_by_role("button", name="Imprimer").click()
    assert page.evaluate("window.__printed") == 1  # the button works without an inline handler
    assert_no_violation(page, console, "activity report")

    page, console = watched_page(browser)
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    for path in ("/admin/accounts", "/admin/outbox"):
        page.goto(live_server + path)
        expect(page.locator("h1")).to_be_visible()
        assert_no_violation(page, console, path)


def test_another_site_cannot_frame_the_one_click_item_actions(browser, live_server, db, make_user):
    """Clickjacking: a page elsewhere loads an item in a frame to trick a signed-in correspondent
    into a click; the browser refuses to show the service in a frame at all."""
    reporter = make_user("reporter")
    correspondent = make_user(
        "correspondent", email="chv@example.org", vigilances=["haemovigilance"], password=PASSWORD
    )
    now = datetime.now(UTC)
    stored = intake.submit(
        db,
        actor=reporter,
        now=now,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now - timedelta(hours=1),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=False,
            severity_grade=1,
        ),
    )
    db.commit()
    page, _console = watched_page(browser)
    sign_in(page, live_server, correspondent)
    item = f"{live_server}/queue-items/{stored.items[0].id}"
    page.goto(item)
    expect(page.get_by_role("button", name="Prendre en charge")).to_be_visible()  # signed in, it is there
    # The attacker's page: another origin of the same site (another port of 127.0.0.1, as
    # another service of the hospital's domain would be), so the session cookie goes with the
    # frame's request; a page of its own, without the service's headers.
    attacker = f"<!doctype html><title>Gagnez !</title><iframe src='{item}' width=800 height=600></iframe>".encode()

    class AttackerPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(attacker)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AttackerPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_timeout(2000)
        (framed,) = [frame for frame in page.frames if frame is not page.main_frame]
        assert framed.locator("button").count() == 0, "the item's actions showed in another site's frame"
    finally:
        server.shutdown()
        server.server_close()
