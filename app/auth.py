"""Who is calling: a bearer token for the API, a signed session for pages."""

from datetime import timedelta
from functools import wraps

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_session
from app.text_guard import refuse_unstorable_text
from vigilance import accounts
from vigilance.clock import utcnow
from vigilance.errors import Unauthenticated, VigilanceError
from vigilance.i18n import translatable
from vigilance.models import Establishment, User
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


def page_user() -> User | None:
    """The user signed in on this browser session, if still active."""
    if "user" in g:
        return g.user
    user_id = session.get("user_id")
    user = None
    if user_id:
        db = get_session()
        user = db.get(User, user_id)
        if user is not None and user.establishment_id is not None:
            g.establishment = db.get(Establishment, user.establishment_id)
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
