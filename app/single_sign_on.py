"""The door of single sign-on: OpenID Connect through Authlib's Flask client.

Authlib reads the issuer's discovery document (``/.well-known/openid-configuration``), sends the
browser to the authorization endpoint with a ``state``, a ``nonce`` and a PKCE challenge (S256),
all three kept in the signed session cookie until the browser comes back; then it exchanges the
code (with the PKCE verifier and the client's secret) and checks the ID token: its signature with
the issuer's keys (JWKS, fetched again when a new key appears), its issuer, its audience (this
client), its expiry and the nonce. Those checks are Authlib's, none is written here. What
follows, which account the person signs in to, is vigilance/single_sign_on.py.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import current_app

#: The name of the client in Authlib's registry (its settings would be SSO_* in the config: none are).
CLIENT_NAME = "sso"


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def issuer_origin(config: Mapping[str, Any]) -> str | None:
    """``https://host[:port]`` of the issuer, or None without single sign-on."""
    issuer = config.get("OIDC_ISSUER")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"


def client():
    """The OpenID client of this app, made at its first use (the issuer is asked nothing before
    someone signs in: the service starts while the provider is down)."""
    app = current_app._get_current_object()
    registered = app.extensions.get("vigilance.oidc_client")
    if registered is None:
        config = app.config
        oauth = OAuth(app)
        registered = oauth.register(
            CLIENT_NAME,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
            client_kwargs={"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
        )
        app.extensions["vigilance.oidc_client"] = registered
    return registered


def url_of(path: str) -> str:
    """*path* at the address people reach the service (``BASE_URL``): the redirect URIs
    registered with the provider must not depend on the Host header a request came with."""
    return current_app.config["BASE_URL"] + path


def end_session_url(id_token: str, back_to: str) -> str | None:
    """Where to send the browser to sign out at the issuer too (OpenID Connect RP-Initiated
    Logout): its ``end_session_endpoint`` with the ID token as hint, then back to *back_to*
    (a path here, which must be registered with the provider as a post-logout redirect URI);
    None when the issuer has no such endpoint or cannot be reached."""
    try:
        result = client().create_logout_url(
            post_logout_redirect_uri=url_of(back_to),
            id_token_hint=id_token,
            client_id=current_app.config["OIDC_CLIENT_ID"],
        )
    except (RuntimeError, ValueError, OSError) as error:  # requests' errors are OSErrors
        current_app.logger.warning("No sign-out at the OpenID provider: %s", error)
        return None
    return result["url"]
