"""The service served on a local port, signing in through a real OpenID provider
(tests/oidc/provider.py) started for each test with that port in its client's redirect URIs."""

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, running_provider


@pytest.fixture
def provider_options():
    """The provider's options (tests/oidc/provider.mjs); a test parametrizes it to change them."""
    return {}


@pytest.fixture
def app_settings():
    """Settings of the service beyond the ones below; a test parametrizes it to change them."""
    return {}


class _Later:
    """The WSGI app a server listens for before the app is made (its port goes into the app's
    settings and the provider's)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def listening():
    served = _Later()
    server = make_server("127.0.0.1", 0, served, threaded=True)
    yield server, served, f"http://127.0.0.1:{server.server_port}"
    server.server_close()


@pytest.fixture
def oidc_issuer(listening, provider_options):
    _server, _served, base = listening
    with running_provider(
        redirect_uris=[f"{base}/login/oidc/callback"], post_logout_uris=[f"{base}/login"], **provider_options
    ) as issuer:
        yield issuer


@pytest.fixture
def app(database_url, tmp_path, listening, oidc_issuer, app_settings):
    _server, served, base = listening
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SCHEDULER": "off",
            "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
            "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
            "BASE_URL": base,
            "OIDC_ISSUER": oidc_issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email profile vigilance",
            "OIDC_LABEL": "Annuaire de test",
            "OIDC_RPPS_CLAIM": "SubjectNameID",
            "OIDC_ESTABLISHMENT_CLAIM": "finess",
            **app_settings,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    served.app = app
    yield app
    app.extensions["vigilance.db"].dispose()


@pytest.fixture
def live_server(app, engine, listening):
    server, _served, base = listening
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(timeout=10)
