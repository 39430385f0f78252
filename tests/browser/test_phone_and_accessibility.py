"""Every page, as each person reaches it, on a phone (390 px wide) and through axe-core.

On a phone no page scrolls sideways as a whole (a wide table or chart scrolls inside its own
box), even with a 300-character word in a report; and axe-core, the accessibility checker,
finds no serious or critical violation on any page.
"""

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from routing import EventKind, ProductFacts
from tests.browser.test_triage import PASSWORD
from vigilance import intake

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
#: A word nothing can break at: a pasted link, a lot number run together.
LONG_WORD = "W" * 300

OVERFLOW = """() => ({
  page: document.documentElement.scrollWidth, screen: window.innerWidth,
  widest: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40)),
})"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        reason = "the accessibility test needs axe-core: make axe (npm ci)"
        if os.environ.get("VIGILANCE_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def people(db, make_user, request):
    # Each person reads the walk's language: their account's, as they chose it in their profile.
    spoken = getattr(request.node, "callspec", None)
    language = spoken.params.get("language", "fr") if spoken else "fr"
    reporter = make_user("reporter", email="dr.interne@example.org", password=PASSWORD, language=language)
    correspondent = make_user(
        "correspondent",
        email="chv@example.org",
        vigilances=["haemovigilance", "qualification"],
        password=PASSWORD,
        language=language,
    )
    coordinator = make_user("coordinator", email="coordination@example.org", password=PASSWORD, language=language)
    admin = make_user("admin", email="admin@example.org", password=PASSWORD, language=language)
    now = datetime.now(UTC)
    filed = []
    for product, serious in (("MCP-IA", True), (f"CGR {LONG_WORD}", False)):
        filed.append(
            intake.submit(
                db,
                actor=reporter,
                now=now - timedelta(days=1),
                draft=intake.Draft(
                    event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                    occurred_at=now - timedelta(days=1, hours=1),
                    product=ProductFacts(name=product),
                    description=f"Dyspnée après transfusion. {LONG_WORD}",
                    serious=serious,
                    severity_grade=3 if serious else 1,
                    lot_number="L" * 60,
                ),
            )
        )
    # Two products through a device: an item per vigilance, each with the other product's name.
    both = (ProductFacts(name="CGR"), ProductFacts(name="réchauffeur de sang"))
    several = intake.submit(
        db,
        actor=reporter,
        now=now - timedelta(hours=3),
        draft=intake.Draft(
            event_kind=EventKind.INCIDENT,
            occurred_at=now - timedelta(hours=4),
            product=both[0],
            products=both,
            description="Poche chauffée à 45 °C par un réchauffeur défaillant.",
            serious=True,
            severity_grade=1,
        ),
    )
    db.commit()
    report, item = filed[0].report.id, filed[0].items[0].id
    several_item = several.items[0].id
    month = f"/activity/{now.year}/{now.month}"
    return [
        (None, ["/", "/login", "/no-such-page"]),
        (
            reporter,
            [
                "/reports/new",
                "/reports/mine",
                "/reports/drafts",
                f"/reports/{report}",
                f"/reports/{several.report.id}",
                "/alerts",
                "/profile",
            ],
        ),
        (
            correspondent,
            [
                "/queues",
                "/queues?q=dyspn%C3%A9e",
                "/queues/haemovigilance",
                "/queues/qualification",
                f"/queue-items/{item}",
                f"/queue-items/{several_item}",
                "/alerts",
            ],
        ),
        (
            coordinator,
            [
                "/queues",
                "/queues/haemovigilance",
                "/dashboard",
                "/activity",
                month,
                f"/queue-items/{item}",
                "/rulebooks",
                "/rulebooks/eu-soho-2027-08-07/redecide",
            ],
        ),
        (admin, ["/admin/accounts", "/admin/outbox", "/admin/imports", "/profile"]),
    ]


def walk(browser, live_server, people, check, language):
    """Each person signs in on a phone and opens each of their pages in *language*; *check* looks at each."""
    for user, paths in people:
        # Bypassing the CSP only lets the test inject axe-core; the pages' own CSP is tested elsewhere.
        context = browser.new_context(locale="fr-FR", viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if user is not None:
            page.goto(live_server + "/login")
            page.get_by_label("Adresse e-mail").fill(user.email)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            # Signed in once the sign-in page is left (signing in starts a new session).
            expect(page).not_to_have_url(re.compile(r"/login"))
        else:
            page.goto(f"{live_server}/language/{language}")
        shown = page.locator("html").get_attribute("lang")
        assert shown == language, f"{user.email if user else 'anonymous'} at {page.url}: {page.content()[:3000]}"
        for path in paths:
            page.goto(live_server + path)
            expect(page.locator("main")).to_be_visible()
            check(page, f"{language} {user.role if user else 'anonymous'} {path}")
        context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, people, language):
    too_wide = []

    def check(page, where):
        seen = page.evaluate(OVERFLOW)
        if seen["page"] > seen["screen"]:
            too_wide.append(f"{where}: {seen['page']} px > {seen['screen']} px, {seen['widest']}")

    walk(browser, live_server, people, check, language)
    assert too_wide == []


def test_the_dashboard_charts_open_on_their_latest_weeks(browser, live_server, people):
    coordinator = people[3][0]
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill(coordinator.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(live_server + "/dashboard")
    box = page.locator(".chart-scroll").first
    expect(box).to_be_visible()
    # The box is narrower than its drawing, and shows the drawing's right end: the latest weeks.
    shown = box.evaluate(
        "b => { const r = b.getBoundingClientRect(), s = b.firstElementChild.getBoundingClientRect();"
        " return {box: r.right, drawing: s.right, wider: s.width > r.width}; }"
    )
    assert shown["wider"]
    assert abs(shown["drawing"] - shown["box"]) < 2
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_page_has_a_serious_accessibility_violation(browser, live_server, people, axe_source, language):
    found = []

    def check(page, where):
        page.evaluate(axe_source)
        found.extend(f"{where}: {violation}" for violation in page.evaluate(RUN_AXE))

    walk(browser, live_server, people, check, language)
    assert found == []


def test_the_pages_name_their_icon(page, live_server):
    page.goto(live_server + "/")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert re.search(r"^/static/favicon\.svg", icon)
    assert page.request.get(live_server + icon).status == 200
