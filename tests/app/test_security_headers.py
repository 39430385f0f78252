"""Security headers on every answer: pages, API, errors, static files; HSTS in production only;
nothing that holds case data may be kept in a browser's or a proxy's cache."""

import re

import pytest

from app import PROJECT_ROOT, create_app
from app.charts import Series, bar_chart
from tests.page_session import sign_in
from vigilance import passwords

#: What a browser enforces for every answer of the service.
EVERY_ANSWER = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
CLASSIFY = {"event_kind": "recipient_adverse_reaction", "product": {"name": "CGR"}}


def assert_protected(response, *, stored_nowhere=True):
    for name, value in EVERY_ANSWER.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["Content-Security-Policy"].split("; ")
    }
    # No inline script or style, no framing by anyone (the one-click item actions), no plugin.
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    if stored_nowhere:
        assert response.headers.get("Cache-Control") == "no-store", response.status_code


@pytest.fixture
def failing_app(app):
    """The service with two routes that fail as a bug would: a page and an API route."""

    def broken():
        raise RuntimeError("a bug")

    app.config["PROPAGATE_UNEXPECTED"] = False  # answer as in production, not raise into the test
    app.add_url_rule("/broken-page", "broken_page", broken)
    app.add_url_rule("/api/v1/broken", "broken_api", broken)
    return app


def test_pages_and_their_errors_carry_every_header(client, make_user):
    assert_protected(client.get("/login"))
    sign_in(client, make_user("reporter"))
    for path in ("/", "/reports/new", "/reports/mine", "/profile"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_protected(response)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert_protected(missing)
    refused = client.get("/dashboard")
    assert refused.status_code == 403
    assert_protected(refused)


def test_api_answers_and_their_errors_carry_every_header(client, make_user, token_for):
    assert_protected(client.post("/api/v1/classify", json=CLASSIFY))
    headers = token_for(make_user("reporter"))
    listed = client.get("/api/v1/reports", headers=headers)
    assert listed.status_code == 200
    assert_protected(listed)
    assert_protected(client.get("/api/v1/no-such-route"))
    too_big = client.post("/api/v1/classify", data='{"x": "' + "a" * 300_000 + '"}', content_type="application/json")
    assert too_big.status_code == 413
    assert_protected(too_big)
    assert_protected(client.get("/api/v1/reports"))  # 401, no token
    assert_protected(client.get("/api/v1/openapi.json"))
    assert_protected(client.get("/healthz"))


def test_a_bug_answers_500_with_every_header(failing_app):
    client = failing_app.test_client()
    for path in ("/broken-page", "/api/v1/broken"):
        response = client.get(path)
        assert response.status_code == 500, path
        assert_protected(response)


def test_static_files_keep_their_cache_but_not_sniffing(client):
    with client.get("/static/classify.js") as script:
        assert script.status_code == 200
        assert_protected(script, stored_nowhere=False)
        assert "no-store" not in script.headers.get("Cache-Control", "")


def test_hsts_in_production_only(client, database_url, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = create_app(
        {
            "ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "Wq3-pLz8_vR2kN7tY5mC1xB9dF4hJ6gS0aE",
            "SCHEDULER": "off",
            "PASSWORD_HASH": passwords.STRONG_METHOD,
        }
    )
    try:
        for path in ("/login", "/healthz", "/static/site.css"):
            with production.test_client().get(path) as response:
                hsts = response.headers.get("Strict-Transport-Security", "")
            assert hsts.startswith("max-age=31536000"), path
    finally:
        production.extensions["vigilance.db"].dispose()


def test_no_page_template_or_chart_carries_inline_script_or_style():
    """What the policy would block, caught before a browser does (emails are not pages: they keep
    the inline styles mail readers need)."""
    inline = re.compile(r"<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:", re.I)
    templates = [p for p in (PROJECT_ROOT / "templates").rglob("*.html") if "emails" not in p.parts]
    assert len(templates) > 10
    for path in templates:
        assert not inline.search(path.read_text()), path
    chart = bar_chart(["16/11", "23/11"], [Series("a", (1, 2)), Series("b", (3, 0))], title="t", stacked=False)
    assert "<svg" in chart and not inline.search(str(chart))
