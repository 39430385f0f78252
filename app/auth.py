"""Who is calling: a bearer token for the API, a signed session for pages."""

from datetime import timedelta
from functools import wraps

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface

from app.db import get_session, read_only
from app.text_guard import refuse_unstorable_text
from vigilance import accounts
from vigilance.clock import utcnow
from vigilance.errors import Unauthenticated
from vigilance.models import Establishment, User


def api_user() -> User:
    """The user of the bearer token, or :class:`Unauthenticated`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            {
                "fr": "Jeton d'API requis (Authorization: Bearer …).",
                "en": "API token required (Authorization: Bearer …).",
            }
        )
    db = read_only(get_session())
    now = utcnow()
    user, use = accounts.user_for_token(db, token=token.strip(), now=now)
    if use.establishment is not None:
        # Read with the token: later work finds it in the session's identity map, which holds
        # it only while someone does.
        g.establishment = use.establishment
    if db.get_bind().dialect.name == "sqlite" or use.is_stale(now):
        # End the read at once on SQLite, where the request's writes must begin their own
        # transaction (IMMEDIATE). On PostgreSQL the request goes on in this transaction: one
        # connection check-out, one BEGIN and one COMMIT fewer per request.
        db.commit()
    if use.is_stale(now):
        accounts.note_token_use(db, token_id=use.id, now=now)
        db.commit()
    return user


def token_required(view):
    """Run *view* with ``g.user`` set from the bearer token; 401 otherwise."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = api_user()
        refuse_unstorable_text()  # after the token: a stranger learns nothing of the body
        return view(*args, **kwargs)

    return wrapper


def page_user() -> User | None:
    """The user signed in on this browser session, if still active."""
    if "user" in g:
        return g.user
    user_id = session.get("user_id")
    user = None
    if user_id:
        db = read_only(get_session())
        user = db.get(User, user_id)
        if user is not None and user.establishment_id is not None:
            g.establishment = db.get(Establishment, user.establishment_id)
        # End the read at once: on SQLite a transaction holds the write lock while it lasts.
        db.commit()
    if user is not None and (not user.is_active or session.get("auth_epoch") != _epoch(user)):
        user = None
    g.user = user
    return user


def _epoch(user: User) -> str:
    # Changing the password ends every other session of that user.
    return (user.password_hash or "")[-16:]


def sign_in(user: User) -> None:
    # A fresh session (nothing of a previous one carries over), in the language already chosen.
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session["user_id"] = user.id
    session["auth_epoch"] = _epoch(user)
    session.permanent = True
    g.user = user


def sign_out() -> None:
    # Nothing of the account stays, but the language chosen with the switch is this browser's.
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    g.pop("user", None)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened for free when the request sends no cookie at all.

    Flask builds the cookie's signing serializer (a key derivation included) before looking for
    the cookie: about 45 µs of every API call, which sends no cookie, out of about 240 µs that
    ``POST /api/v1/classify`` spent beyond a bare Flask endpoint (bench/README.md).
    """

    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app) -> None:
    app.session_interface = CookieSessionInterface()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Secure cookies need HTTPS; the local development server has none.
    app.config["SESSION_COOKIE_SECURE"] = app.config["ENV"] == "production"
    # About a working shift: a shared ward computer should not stay signed in for days.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=10)
