"""Single sign-on's settings: checked at start, and the login page as they say."""

import pytest

from app import create_app
from app.config import ConfigError, load_config

BASE = {"ENV": "testing", "SECRET_KEY": "k"}
OIDC = {**BASE, "OIDC_ISSUER": "https://idp.chu-test.example/realms/chu/", "OIDC_CLIENT_ID": "vigilance"}


def test_unset_issuer_means_no_single_sign_on(tmp_path):
    config = load_config(tmp_path, BASE)
    assert config["OIDC_ISSUER"] is None
    assert config["PASSWORD_SIGN_IN"] == "on"


def test_the_issuer_and_the_claims(tmp_path):
    config = load_config(tmp_path, {**OIDC, "OIDC_RPPS_CLAIM": "SubjectNameID", "OIDC_LINK_BY_EMAIL": "Trusted"})
    assert config["OIDC_ISSUER"] == "https://idp.chu-test.example/realms/chu"
    assert config["OIDC_CLAIM_NAMES"].rpps == "SubjectNameID"
    assert config["OIDC_PROVISIONING_RULES"].link_by_email == "trusted"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({**BASE, "PASSWORD_SIGN_IN": "off"}, "only with VIGILANCE_OIDC_ISSUER"),
        ({**OIDC, "PASSWORD_SIGN_IN": "maybe"}, "VIGILANCE_PASSWORD_SIGN_IN"),
        ({**OIDC, "OIDC_CLIENT_ID": None}, "VIGILANCE_OIDC_CLIENT_ID"),
        ({**OIDC, "OIDC_ISSUER": "idp.chu-test.example"}, "VIGILANCE_OIDC_ISSUER"),
        ({**OIDC, "OIDC_SCOPES": "email profile"}, "include openid"),
        ({**OIDC, "OIDC_PROVISIONING": "automatic"}, "VIGILANCE_OIDC_PROVISIONING"),
        ({**OIDC, "OIDC_PROVISIONING": "rules"}, "needs VIGILANCE_OIDC_RULES"),
        ({**OIDC, "OIDC_RULES": "[{]"}, "VIGILANCE_OIDC_RULES: not JSON"),
        ({**OIDC, "OIDC_LINK_BY_EMAIL": "on"}, "VIGILANCE_OIDC_LINK_BY_EMAIL"),
        ({**OIDC, "OIDC_CLOCK_LEEWAY_SECONDS": "3600"}, "VIGILANCE_OIDC_CLOCK_LEEWAY_SECONDS"),
    ],
)
def test_unusable_settings_are_refused_by_name(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, settings)


def test_production_wants_https(tmp_path, monkeypatch):
    from app.config import _check_single_sign_on

    config = {**OIDC, "ENV": "production", "OIDC_ISSUER": "http://idp.chu-test.example"}
    config = {**load_config(tmp_path, BASE), **config}
    with pytest.raises(ConfigError, match="https:// address in production"):
        _check_single_sign_on(config)


def test_the_environment_names_them(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGILANCE_OIDC_ISSUER", "https://idp.chu-test.example")
    monkeypatch.setenv("VIGILANCE_OIDC_CLIENT_ID", "vigilance")
    assert load_config(tmp_path, BASE)["OIDC_CLIENT_ID"] == "vigilance"


def test_without_a_provider_the_login_page_has_no_button_and_the_routes_are_not_found(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'id="sso-sign-in"' not in page and 'type="password"' in page
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_with_a_provider_the_button_shows_before_any_request_to_it(tmp_path, database_url):
    # The provider is asked nothing until someone signs in: the service starts while it is down.
    from tests.oidc.provider import free_port

    issuer = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app = create_app({**OIDC, "OIDC_ISSUER": issuer, "DATABASE_URL": database_url, "OIDC_LABEL": "Pro Santé Connect"})
    app.instance_path = str(tmp_path)
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Se connecter avec Pro Santé Connect" in page and 'type="password"' in page
    answer = app.test_client().get("/login/oidc")
    assert answer.status_code == 502
    assert "ne répond pas" in answer.get_data(as_text=True)
    app.extensions["vigilance.db"].dispose()
