"""Who is calling: a bearer token for the API, a server-side session for pages (vigilance.web_sessions)."""

from datetime import timedelta
from functools import wraps

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import SQLAlchemyError

from app import sign_in_throttle
from app.db import get_session
from app.text_guard import refuse_unstorable_text
from vigilance import accounts, web_sessions
from vigilance.clock import utcnow
from vigilance.errors import Unauthenticated, VigilanceError
from vigilance.i18n import translatable
from vigilance.models import User
from vigilance.storage.transaction import write_transaction


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_user() -> User:
    """The user of the bearer token, or :class:`Unauthenticated`."""
    token = _bearer_token()
    if token is None:
        raise Unauthenticated(translatable("Jeton d'API requis (Authorization: Bearer …)."))
    db = get_session()
    now = utcnow()
    user, use = accounts.user_for_token(db, token=token, now=now)
    if use.establishment is not None:
        # Read with the token: later work finds it in the session's identity map, which holds
        # it only while someone does.
        g.establishment = use.establishment
    if use.is_stale(now):
        with write_transaction(db):
            accounts.note_token_use(db, token_id=use.id, now=now)
    return user


def token_holder() -> User | None:
    """The user of the request's bearer token if it is valid, recording nothing.

    For saying a refusal in their language when the body was refused before the token was
    checked (flask-smorest validates arguments before the view's own decorators run).
    """
    token = _bearer_token()
    if token is None:
        return None
    db = get_session()
    try:
        user, _use = accounts.user_for_token(db, token=token, now=utcnow())
    except (VigilanceError, SQLAlchemyError):
        # An unknown token, or a database that cannot answer (this may be a 500's handler): French.
        return None
    return user


def token_required(view):
    """Run *view* with ``g.user`` set from the bearer token; 401 otherwise."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = api_user()
        refuse_unstorable_text()  # after the token: a stranger learns nothing of the body
        return view(*args, **kwargs)

    return wrapper


#: The cookie's only piece of the account: a random key naming a ``web_sessions`` row.
_SESSION_KEY = "sid"


def page_user() -> User | None:
    """The user signed in on this browser session, or None once it ended, expired or was refused.

    A request without a session key reads nothing. A refused session (signed out elsewhere,
    idle, too old, its account changed) is ended on the server and forgotten by the browser.
    """
    if "user" in g:
        return g.user
    g.user = None
    key = session.get(_SESSION_KEY)
    if not key:
        return None
    db = get_session()
    now = utcnow()
    found = web_sessions.find(db, key=key, now=now, lifetime=_lifetime())
    if found is None or found.refusal is not None:
        if found is not None and not found.ended and not _writing(db):
            with write_transaction(db):
                web_sessions.end(db, session_id=found.session_id, reason=found.refusal, now=now)
        _forget_account()
        return None
    if found.establishment is not None:
        g.establishment = found.establishment
    if found.is_stale(now) and not _writing(db):
        with write_transaction(db):
            web_sessions.touch(db, session_id=found.session_id, now=now)
    g.user = found.user
    g.web_session_id = found.session_id  # which session did it, for whoever records the request
    return found.user


def _lifetime() -> web_sessions.Lifetime:
    return current_app.extensions["vigilance.session_lifetime"]


def _writing(db) -> bool:
    # Called inside a view's own write (rare): the session is judged all the same, and its
    # last request or its end is written at the next request instead.
    return bool(db.info.get("vigilance_writing"))


def _forget_account() -> None:
    # Nothing of the account stays, but the language chosen with the switch is this browser's.
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def sign_in(user: User) -> None:
    """Begin a fresh session for *user* on this browser (nothing of a previous one carries over,
    but the language already chosen), ending the browser's previous one on the server."""
    db = get_session()
    now = utcnow()
    previous = session.get(_SESSION_KEY)
    with write_transaction(db):
        if previous:
            found = web_sessions.find(db, key=previous, now=now, lifetime=_lifetime())
            if found is not None and not found.ended:
                web_sessions.end(db, session_id=found.session_id, reason=web_sessions.EndReason.RENEWED, now=now)
        key = web_sessions.begin(db, user=user, now=now)
    _forget_account()
    session[_SESSION_KEY] = key
    session.permanent = True
    g.user = user


def sign_out() -> None:
    """End this browser's session on the server: a copy of the cookie is refused from now on."""
    key = session.get(_SESSION_KEY)
    if key:
        db = get_session()
        now = utcnow()
        with write_transaction(db):
            found = web_sessions.find(db, key=key, now=now, lifetime=_lifetime())
            if found is not None and not found.ended:
                web_sessions.end(db, session_id=found.session_id, reason=web_sessions.EndReason.SIGNED_OUT, now=now)
    _forget_account()
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
    sign_in_throttle.init_app(app)
    app.session_interface = CookieSessionInterface()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Secure cookies need HTTPS; the local development server has none.
    app.config["SESSION_COOKIE_SECURE"] = app.config["ENV"] == "production"
    lifetime = web_sessions.Lifetime(
        idle=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
        maximum=timedelta(hours=app.config["SESSION_MAX_HOURS"]),
    )
    app.extensions["vigilance.session_lifetime"] = lifetime
    # The browser forgets the cookie when the server would refuse it anyway.
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime.maximum
