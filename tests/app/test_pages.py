"""The pages: sign-in, the report form, my reports and a report's page, with who may see what."""

import re

import pytest

from tests.page_session import count_reports, csrf_from, form_fields, sign_in


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


def test_pages_need_a_signed_in_user(client, engine):
    for path in ("/reports/new", "/reports/mine", "/reports/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_wrong_passwords_are_throttled_with_the_same_answer(client, reporter):
    for _ in range(5):
        response = sign_in(client, reporter, "wrong password!")
        assert response.status_code == 401
        assert "incorrect" in response.get_data(as_text=True)
    throttled = sign_in(client, reporter)
    assert throttled.status_code == 401 and "incorrect" in throttled.get_data(as_text=True)
    assert "verrouillé" not in throttled.get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(client, reporter):
    response = sign_in(client, reporter)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_without_csrf_token_is_refused(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(client)
    del fields["csrf_token"]
    assert client.post("/reports/new", data=fields).status_code == 400
    assert count_reports(db) == 0


def test_filing_from_the_form_shows_the_confirmation(client, reporter, db):
    sign_in(client, reporter)
    response = client.post("/reports/new", data=form_fields(client), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Signalement enregistré" in html
    assert re.search(r"VIG-\d{4}-\d{6}", html)
    assert "biovigilance" in html and "échéance" in html


def test_errors_are_shown_next_to_their_fields_and_what_was_typed_is_kept(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(
        client,
        occurred_at="2099-01-01T10:00",
        patient_initials="Dupont",
        description="NIR 2 56 03 75 112 345 67",
        serious="",
    )
    response = client.post("/reports/new", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="patient-initials-error"' in html
    assert 'id="serious-error"' in html
    assert "Ce champ est obligatoire." in html  # marshmallow's messages, in French
    assert count_reports(db) == 0
    assert 'value="Dupont"' in html and "Greffe de cornée" in html
    # Domain rules are checked once types are right: the future date and the NIR.
    fields = form_fields(client, occurred_at="2099-01-01T10:00", description="NIR 2 56 03 75 112 345 67")
    html = client.post("/reports/new", data=fields).get_data(as_text=True)
    assert "dans le futur" in html and "numéro de sécurité sociale" in html
    assert count_reports(db) == 0


def test_a_resubmitted_form_files_one_report(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(client)
    first = client.post("/reports/new", data=fields)
    second = client.post("/reports/new", data=fields)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_reports(db) == 1


def test_my_reports_lists_mine_only(client, reporter, make_user, db):
    sign_in(client, reporter)
    client.post("/reports/new", data=form_fields(client, product_name="CGR"))
    html = client.get("/reports/mine").get_data(as_text=True)
    assert "CGR" in html and "hémovigilance" in html
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    other = make_user("reporter")
    sign_in(client, other)
    assert "CGR" not in client.get("/reports/mine").get_data(as_text=True)


def test_report_page_access(client, reporter, make_user, db):
    sign_in(client, reporter)
    location = client.post("/reports/new", data=form_fields(client, product_name="CGR")).headers["Location"]
    path = location.split("?")[0]
    assert client.get(path).status_code == 200
    for user, expected in (
        (make_user("reporter"), 404),
        (make_user("correspondent", vigilances=["haemovigilance"]), 200),
        (make_user("correspondent", vigilances=["pharmacovigilance"]), 404),
        (make_user("coordinator"), 200),
    ):
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
        sign_in(client, user)
        assert client.get(path).status_code == expected, user.role


def test_the_language_switch_turns_the_pages_english(client, reporter):
    sign_in(client, reporter)
    assert "Déclarer un incident" in client.get("/reports/new").get_data(as_text=True)
    client.get("/language/en?next=/reports/new")
    html = client.get("/reports/new").get_data(as_text=True)
    assert "Report an incident" in html and 'lang="en"' in html


def test_signing_out_keeps_the_language_chosen_and_nothing_else(client, reporter):
    sign_in(client, reporter)
    client.get("/language/en?next=/reports/new")
    page = client.get("/reports/new").get_data(as_text=True)

    signed_out = client.post("/logout", data={"csrf_token": csrf_from(page)}, follow_redirects=True)

    html = signed_out.get_data(as_text=True)
    assert "You are signed out." in html and 'lang="en"' in html
    assert client.get("/reports/mine").status_code == 302  # signed out indeed


def test_the_language_switch_never_redirects_off_site(client):
    response = client.get("/language/en?next=//evil.example.org/")
    assert response.headers["Location"] == "/"


#: Pages anyone may open: the classifier, the language switch, signing in and out.
PUBLIC_PAGES = {"pages.index", "pages.language", "auth.login", "auth.logout"}
# Not pages: the addresses of probes and Prometheus (app/operations), tested in test_operations.py.
PUBLIC_PAGES |= {"health.healthz", "health.readyz", "metrics.metrics"}
# Signing in through an OpenID provider (404 without one: tests/oidc/ runs them with one).
PUBLIC_PAGES |= {"sso_pages.start", "sso_pages.callback", "sso_pages.waiting"}
SAMPLE_VALUES = {
    "report_id": 1,
    "draft_id": 1,
    "item_id": 1,
    "attachment_id": 1,
    "request_id": 1,
    "document_id": 1,
    "message_id": 1,
    "user_id": 1,
    "year": 2026,
    "month": 11,
    "queue": "haemovigilance",
    "action": "claim",
    "lang": "fr",
    "rulebook_id": "eu-soho-2027-08-07",
}


def test_every_other_page_sends_an_anonymous_visitor_to_sign_in(app, client, engine):
    """Walks the app's own routes, so that a page added later without ``login_required`` fails here."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_PAGES or rule.endpoint.startswith(("api", "static")) or rule.rule.startswith("/api"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", str(SAMPLE_VALUES[name]), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, path)
            checked += 1
    assert checked >= 20  # the walk found the pages (24 when written)
