"""Single sign-on in a real Chromium, against a real OpenID provider (tests/oidc/provider.mjs):
signing in, a tampered state, another nonce, an expired ID token, waiting for approval and
being approved, and signing out at the provider; the pages on a phone and through axe-core."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from tests.browser.test_phone_and_accessibility import AXE, OVERFLOW, PHONE, RUN_AXE
from vigilance import single_sign_on
from vigilance.clock import utcnow
from vigilance.models import SignInRequest, WebSession

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def _link(db, user, issuer, subject):
    identity = single_sign_on.Identity(
        issuer=issuer, subject=subject, email=user.email, email_verified=True, name="", rpps=None, finess=None
    )
    single_sign_on.link(db, user, identity, actor=None, now=utcnow(), how="test")
    db.commit()


def _at_provider(page, login):
    """Sign in on the provider's pages: a login (any password), then the consent."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _open_sessions(db):
    db.expire_all()
    return db.exec(select(WebSession).where(WebSession.ended_at.is_(None))).all()


def test_signing_in_and_out_through_the_provider(page, live_server, oidc_issuer, db, make_user):
    alice = make_user("correspondent", vigilances=["pharmacovigilance"], email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Se connecter avec Annuaire de test").click()
    expect(page).to_have_url(re.compile("^" + re.escape(oidc_issuer)))
    _at_provider(page, "alice")
    expect(page).to_have_url(re.compile(re.escape(live_server) + "/queues"))
    expect(page.get_by_text("Vous êtes connecté.")).to_be_visible()
    assert [s.user_id for s in _open_sessions(db)] == [alice.id]

    # Signing out ends the session here, then at the provider, which sends the browser back.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile("^" + re.escape(oidc_issuer)))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?|$)"))
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    assert _open_sessions(db) == []
    # Signed out at the provider too: it asks who you are again.
    page.get_by_role("link", name="Se connecter avec Annuaire de test").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_a_tampered_state_is_refused(page, live_server, oidc_issuer, db, make_user):
    """The state the provider sends back is not the one this browser's attempt holds.

    Playwright cannot stop a redirect's later hops (the provider's answer to the consent is a
    chain of redirects ending at the callback), so the state is changed on the way out instead:
    the service's redirect to the provider is fetched, its ``state`` replaced, and the browser
    goes on with the tampered request; the provider faithfully returns the forged state."""
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")

    def tamper(route):
        answer = route.fetch(max_redirects=0)
        location = re.sub(r"([?&]state=)[^&]+", r"\1forged-state", answer.headers["location"])
        route.fulfill(response=answer, headers={**answer.headers, "location": location})

    page.route(live_server + "/login/oidc", tamper)
    page.goto(live_server + "/login/oidc")
    _at_provider(page, "alice")
    expect(page).to_have_url(re.compile(r"/login/oidc/callback\?.*state=forged-state"))
    expect(page.locator("#sso-refusal")).to_contain_text("ne correspond à aucune connexion")
    assert _open_sessions(db) == []
    # The page says so with a 400.
    assert page.goto(page.url).status == 400


@pytest.mark.parametrize("provider_options", [{"wrongNonce": True}])
def test_an_id_token_with_another_nonce_is_refused(page, live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    page.goto(live_server + "/login/oidc")
    _at_provider(page, "alice")
    expect(page.locator("#sso-refusal")).to_contain_text("nonce")
    assert _open_sessions(db) == []


@pytest.mark.parametrize("provider_options", [{"idTokenSeconds": 1, "tokenDelayMs": 2500}])
@pytest.mark.parametrize("app_settings", [{"OIDC_CLOCK_LEEWAY_SECONDS": 0}])
def test_an_expired_id_token_is_refused(page, live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    page.goto(live_server + "/login/oidc")
    _at_provider(page, "alice")
    expect(page.locator("#sso-refusal")).to_contain_text("expiré")
    assert _open_sessions(db) == []


def test_an_unknown_person_waits_then_an_administrator_approves(browser, page, live_server, db, make_user):
    admin = make_user("admin", email="admin@chu-test.example", password=PASSWORD)
    page.goto(live_server + "/login/oidc")
    _at_provider(page, "bob")
    expect(page).to_have_url(live_server + "/login/oidc/waiting")
    expect(page.get_by_role("heading", name="En attente d'approbation")).to_be_visible()
    assert _open_sessions(db) == []

    # The administrator, on a phone, in English.
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    staff = context.new_page()
    staff.set_default_timeout(10_000)
    staff.goto(live_server + "/language/en")
    staff.goto(live_server + "/login")
    staff.get_by_label("Email address").fill(admin.email)
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in", exact=True).click()
    staff.get_by_role("link", name="Access requests").click()
    request = staff.locator(".sign-in-request", has_text="Bob Durand")
    expect(request).to_contain_text("10003456794")  # the RPPS number, from the national identifier
    request.get_by_label("Role").select_option("correspondent")
    request.get_by_label("Haemovigilance").check()
    # The establishment is the one whose FINESS number the provider gave.
    expect(request.get_by_label("Establishment")).to_have_value(re.compile(r"\d+"))
    request.get_by_role("button", name="Approve").click()
    expect(staff.get_by_text("Access granted to bob@chu-test.example.")).to_be_visible()
    context.close()
    assert db.exec(select(SignInRequest)).one().status == "approved"

    page.get_by_role("link", name="Se connecter de nouveau").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + "/queues"))
    bob = db.exec(select(SignInRequest)).one().user_id
    assert bob in [s.user_id for s in _open_sessions(db)]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pages_fit_a_phone_and_pass_axe(browser, live_server, db, make_user, language):
    if not AXE.exists():
        pytest.skip("the accessibility test needs axe-core: make node-tools")
    admin = make_user("admin", email="admin@chu-test.example", password=PASSWORD)
    context = browser.new_context(locale="fr-FR", viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/language/{language}")
    problems = []

    def check(where):
        seen = page.evaluate(OVERFLOW)
        if seen["page"] > seen["screen"]:
            problems.append(f"{where}: {seen['page']} px wide, {seen['widest']}")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        problems.extend(f"{where}: {violation}" for violation in page.evaluate(RUN_AXE))

    page.goto(live_server + "/login")
    check("login")
    page.goto(live_server + "/login/oidc")
    _at_provider(page, "bob")
    expect(page.locator("#sso-waiting")).to_be_visible()
    check("waiting")
    page.goto(live_server + "/login/oidc/callback?code=x&state=forged")
    check("refusal")
    page.context.clear_cookies()
    page.goto(f"{live_server}/language/{language}")
    page.goto(live_server + "/login")
    page.locator("#email").fill(admin.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(live_server + "/admin/sign-in-requests")
    expect(page.locator(".sign-in-request")).to_have_count(1)
    check("admin")
    context.close()
    assert problems == []
