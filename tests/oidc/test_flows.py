"""Single sign-on against a real OpenID provider, driven over HTTP with requests (the browser
tests of tests/oidc/test_browser.py run the same flows in Chromium)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlmodel import select

from tests.oidc.provider import sign_in_at_provider
from vigilance import accounts, single_sign_on
from vigilance.clock import utcnow
from vigilance.models import AuditEvent, SignInRequest, User, UserIdentity, WebSession


def _link(db, user, issuer, subject):
    identity = single_sign_on.Identity(
        issuer=issuer, subject=subject, email=user.email, email_verified=True, name="", rpps=None, finess=None
    )
    single_sign_on.link(db, user, identity, actor=None, now=utcnow(), how="test")
    db.commit()


def _signed_in_sessions(db):
    db.expire_all()
    return db.exec(select(WebSession).where(WebSession.ended_at.is_(None))).all()


def test_a_linked_account_signs_in_and_it_is_audited(live_server, oidc_issuer, db, make_user):
    alice = make_user("correspondent", vigilances=["pharmacovigilance"], email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    http = requests.Session()
    answer = sign_in_at_provider(http, f"{live_server}/login/oidc", "alice")
    assert answer.status_code == 200
    assert urlsplit(answer.url).path.startswith("/queues")
    assert [s.user_id for s in _signed_in_sessions(db)] == [alice.id]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in.oidc")).one()
    assert event.actor_id == alice.id
    assert event.after == {"issuer": oidc_issuer, "subject": "alice", "how": "identity"}


@pytest.mark.parametrize("app_settings", [{"OIDC_ACR_VALUES": "eidas1"}])
def test_the_authorization_request_has_pkce_state_and_nonce(live_server):
    answer = requests.get(f"{live_server}/login/oidc", allow_redirects=False)
    assert answer.status_code == 302
    asked = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert asked["response_type"] == ["code"]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["code_challenge"][0] and asked["state"][0] and asked["nonce"][0]
    assert asked["redirect_uri"] == [f"{live_server}/login/oidc/callback"]
    assert asked["acr_values"] == ["eidas1"]


def _callback_url(http, live_server, login):
    """Sign in at the provider, but stop before the browser goes back: the callback's URL."""
    answer = http.get(f"{live_server}/login/oidc")
    for data in ({"prompt": "login", "login": login, "password": "any"}, {"prompt": "consent"}):
        action = re.search(r'<form[^>]*action="([^"]+)"', answer.text).group(1)
        answer = http.post(requests.compat.urljoin(answer.url, action), data=data, allow_redirects=False)
        while answer.is_redirect and not answer.headers["Location"].startswith(live_server):
            answer = http.get(requests.compat.urljoin(answer.url, answer.headers["Location"]), allow_redirects=False)
        if answer.is_redirect:
            return answer.headers["Location"]
    raise AssertionError("the provider never sent the browser back")


def test_a_tampered_state_is_refused_and_nothing_is_signed_in(live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    http = requests.Session()
    callback = _callback_url(http, live_server, "alice")
    tampered = re.sub(r"state=[^&]+", "state=forged-state", callback)
    answer = http.get(tampered)
    assert answer.status_code == 400
    assert "ne correspond à aucune connexion" in answer.text
    assert _signed_in_sessions(db) == []
    # The genuine answer still works once (the forged one consumed nothing).
    assert http.get(callback).status_code == 200
    assert len(_signed_in_sessions(db)) == 1


def test_a_callback_replayed_in_another_browser_is_refused(live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    callback = _callback_url(requests.Session(), live_server, "alice")
    other = requests.Session()
    other.get(f"{live_server}/login/oidc", allow_redirects=False)  # a login attempt of its own
    answer = other.get(callback)
    assert answer.status_code == 400
    assert _signed_in_sessions(db) == []


@pytest.mark.parametrize("provider_options", [{"wrongNonce": True}])
def test_an_id_token_with_another_nonce_is_refused(live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    answer = sign_in_at_provider(requests.Session(), f"{live_server}/login/oidc", "alice")
    assert answer.status_code == 401
    assert "nonce" in answer.text
    assert _signed_in_sessions(db) == []


@pytest.mark.parametrize("provider_options", [{"idTokenSeconds": 1, "tokenDelayMs": 2500}])
@pytest.mark.parametrize("app_settings", [{"OIDC_CLOCK_LEEWAY_SECONDS": 0}])
def test_an_expired_id_token_is_refused(live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    answer = sign_in_at_provider(requests.Session(), f"{live_server}/login/oidc", "alice")
    assert answer.status_code == 401
    assert "expiré" in answer.text
    assert _signed_in_sessions(db) == []


def test_an_unknown_person_waits_for_an_administrator(live_server, oidc_issuer, db, make_user, establishment):
    admin = make_user("admin", password="correct horse battery")
    http = requests.Session()
    answer = sign_in_at_provider(http, f"{live_server}/login/oidc", "bob")
    assert answer.status_code == 200
    assert urlsplit(answer.url).path == "/login/oidc/waiting"
    assert "En attente d'approbation" in answer.text
    assert _signed_in_sessions(db) == []
    waiting = db.exec(select(SignInRequest)).one()
    assert (waiting.email, waiting.rpps, waiting.finess, waiting.status) == (
        "bob@chu-test.example",
        "10003456794",
        "750000010",
        "pending",
    )
    # Again: the same request, not a second one.
    sign_in_at_provider(http, f"{live_server}/login/oidc", "bob")
    assert len(db.exec(select(SignInRequest)).all()) == 1

    staff = requests.Session()
    login = staff.get(f"{live_server}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    staff.post(
        f"{live_server}/login",
        data={"csrf_token": token, "email": admin.email, "password": "correct horse battery"},
    )
    page = staff.get(f"{live_server}/admin/sign-in-requests")
    assert page.status_code == 200 and "bob@chu-test.example" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = staff.post(
        f"{live_server}/admin/sign-in-requests/{waiting.id}/approve",
        data={
            "csrf_token": token,
            "email": "bob@chu-test.example",
            "role": "correspondent",
            "establishment": str(establishment.id),
            "vigilances": ["haemovigilance"],
        },
    )
    assert answer.status_code == 200 and "Accès accordé" in answer.text
    db.expire_all()
    bob = db.exec(select(User).where(User.email == "bob@chu-test.example")).one()
    assert (bob.role, bob.vigilances, bob.password_hash) == ("correspondent", ["haemovigilance"], None)
    assert accounts.rpps_of(db, bob) == "10003456794"
    assert db.exec(select(UserIdentity).where(UserIdentity.user_id == bob.id)).one().subject == "bob"
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert {"sign_in_request.create", "account.create", "identity.link", "sign_in_request.approve"} <= set(actions)

    answer = sign_in_at_provider(http, f"{live_server}/login/oidc", "bob")
    assert urlsplit(answer.url).path.startswith("/queues")
    assert bob.id in [s.user_id for s in _signed_in_sessions(db)]


def test_a_refused_person_is_told_so(live_server, db, make_user):
    admin = make_user("admin")
    http = requests.Session()
    sign_in_at_provider(http, f"{live_server}/login/oidc", "bob")
    waiting = db.exec(select(SignInRequest)).one()
    single_sign_on.refuse(db, waiting.id, actor=admin, now=utcnow())
    db.commit()
    answer = sign_in_at_provider(http, f"{live_server}/login/oidc", "bob")
    assert answer.status_code == 403
    assert "refusé" in answer.text


RULES = '[{"claim": "groups", "value": "pharmacie", "role": "correspondent", "vigilances": ["pharmacovigilance"]}]'


@pytest.mark.parametrize("app_settings", [{"OIDC_PROVISIONING": "rules", "OIDC_RULES": RULES}])
def test_rules_make_the_account_from_the_claims(live_server, oidc_issuer, db, establishment):
    answer = sign_in_at_provider(requests.Session(), f"{live_server}/login/oidc", "alice")
    assert urlsplit(answer.url).path.startswith("/queues")
    alice = db.exec(select(User).where(User.email == "alice@chu-test.example")).one()
    assert (alice.role, alice.vigilances, alice.establishment_id, alice.name) == (
        "correspondent",
        ["pharmacovigilance"],
        establishment.id,
        "Alice Martin",
    )
    assert accounts.rpps_of(db, alice) == "10003456786"
    # Bob's groups match no rule: he waits for an administrator.
    answer = sign_in_at_provider(requests.Session(), f"{live_server}/login/oidc", "bob")
    assert urlsplit(answer.url).path == "/login/oidc/waiting"


@pytest.mark.parametrize("app_settings", [{"OIDC_LINK_BY_EMAIL": "verified"}])
def test_a_verified_address_links_the_existing_account_when_allowed(live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    answer = sign_in_at_provider(requests.Session(), f"{live_server}/login/oidc", "alice")
    assert urlsplit(answer.url).path == "/reports/new"
    assert db.exec(select(UserIdentity)).one().user_id == alice.id


def test_without_the_setting_an_address_links_nothing(live_server, db, make_user):
    make_user("reporter", email="alice@chu-test.example")
    answer = sign_in_at_provider(requests.Session(), f"{live_server}/login/oidc", "alice")
    assert urlsplit(answer.url).path == "/login/oidc/waiting"
    assert db.exec(select(UserIdentity)).all() == []


def test_signing_out_signs_out_at_the_issuer(live_server, oidc_issuer, db, make_user):
    alice = make_user("reporter", email="alice@chu-test.example")
    _link(db, alice, oidc_issuer, "alice")
    http = requests.Session()
    page = sign_in_at_provider(http, f"{live_server}/login/oidc", "alice")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = http.post(f"{live_server}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 302
    end = urlsplit(answer.headers["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{oidc_issuer}/session/end"
    asked = parse_qs(end.query)
    assert asked["post_logout_redirect_uri"] == [f"{live_server}/login"]
    assert asked["id_token_hint"][0].count(".") == 2
    assert _signed_in_sessions(db) == []
    assert "form-action 'self' " + oidc_issuer in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("app_settings", [{"PASSWORD_SIGN_IN": "off"}])
def test_password_sign_in_off(live_server, oidc_issuer, db, make_user):
    admin = make_user("admin")
    _link(db, admin, oidc_issuer, "alice")
    http = requests.Session()
    page = http.get(f"{live_server}/login")
    assert 'type="password"' not in page.text and 'id="sso-sign-in"' in page.text
    # The form is gone, and a POST is refused all the same (with a valid CSRF token, taken from
    # a page of a session signed in by the provider), even with the right password.
    page = sign_in_at_provider(http, f"{live_server}/login/oidc", "alice")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = http.post(
        f"{live_server}/login", data={"csrf_token": token, "email": admin.email, "password": "correct horse battery"}
    )
    assert answer.status_code == 403
    assert "mot de passe est désactivée" in answer.text


@pytest.mark.parametrize("app_settings", [{"PASSWORD_SIGN_IN": "admins"}])
def test_break_glass_lets_administrators_only_sign_in_with_a_password(live_server, make_user):
    admin = make_user("admin")
    reporter = make_user("reporter")
    for user, status in ((reporter, 401), (admin, 200)):
        http = requests.Session()
        page = http.get(f"{live_server}/login")
        assert 'id="break-glass"' in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = http.post(
            f"{live_server}/login",
            data={"csrf_token": token, "email": user.email, "password": "correct horse battery"},
        )
        assert answer.status_code == status, user.role


def test_cancelling_at_the_provider_signs_nobody_in(live_server, db):
    http = requests.Session()
    page = http.get(f"{live_server}/login/oidc")
    cancel = re.search(r'<a href="([^"]+)">\[ Cancel \]</a>', page.text).group(1)
    answer = http.get(requests.compat.urljoin(page.url, cancel))
    assert answer.status_code == 401
    assert "annulée" in answer.text
    assert _signed_in_sessions(db) == []
