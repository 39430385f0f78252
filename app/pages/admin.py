"""Admins' pages: the accounts (create, disable, enable, set a new password), and the outbox,
with what failed and why, and a way to send again."""

import secrets
from functools import wraps

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import col, select

from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages.forms import row_id
from app.pages.security import login_required
from routing import Queue
from vigilance import accounts, outbox
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput, VigilanceError
from vigilance.models import Establishment, OutboxMessage, Role, User
from vigilance.storage.transaction import write_transaction

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if page_user().role != Role.ADMIN:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/outbox")
@admin_required
def outbox_page():
    state = request.args.get("state")
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(200)
    if state in ("pending", "sent", "failed"):
        query = query.where(OutboxMessage.state == state)
    messages = get_session().exec(query).all()
    return render_template("admin/outbox.html", messages=messages, state=state)


@bp.get("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = get_session().get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry(message_id: int):
    with write_transaction(get_session()) as db:
        retried = outbox.retry(db, message_id=message_id, now=utcnow())
    if retried is None:
        flash(_("Ce message ne peut pas être renvoyé."), "error")
    else:
        flash(_("Message remis en file d'envoi."), "info")
    return redirect(url_for("admin_pages.outbox_page"))


@bp.get("/accounts")
@admin_required
def accounts_page():
    return _accounts(values={"language": "fr"})


@bp.post("/accounts")
@admin_required
def create_account():
    form = request.form
    values = {
        name: form.get(name, "").strip() for name in ("email", "name", "role", "establishment", "language", "rpps")
    }
    values["vigilances"] = form.getlist("vigilances")
    values["coordinator"] = form.get("coordinator") == "on"
    db = get_session()
    password = secrets.token_urlsafe(12)
    try:
        with write_transaction(db):
            establishment_id = form.get("establishment", type=row_id)  # not a row id: none chosen
            establishment = db.get(Establishment, establishment_id) if establishment_id else None
            user = accounts.create_user(
                db,
                email=values["email"],
                role=values["role"],
                establishment=establishment,
                vigilances=values["vigilances"],
                password=password,
                name=values["name"],
                language=values["language"] or "fr",
                is_coordinator=values["coordinator"],
                rpps=values["rpps"] or None,
                actor=page_user(),
            )
    except VigilanceError as error:
        return _refused(error, values)
    # Shown once, on this page and not in a redirect: it is stored nowhere but as a hash.
    return _accounts(values={"language": "fr"}, new_password=(user.email, password))


@bp.post("/accounts/<int:user_id>/active")
@admin_required
def set_account_active(user_id: int):
    db = get_session()
    user = _account(user_id)
    active = request.form.get("active") == "1"
    try:
        with write_transaction(db):
            accounts.set_active(db, user, active, actor=page_user())
    except VigilanceError as error:
        flash(error.say(select_locale()), "error")
        return redirect(url_for("admin_pages.accounts_page"))
    flash(
        _("Compte %(email)s réactivé.", email=user.email)
        if active
        else _("Compte %(email)s désactivé : ses sessions et ses jetons ne servent plus.", email=user.email),
        "info",
    )
    return redirect(url_for("admin_pages.accounts_page"))


@bp.post("/accounts/<int:user_id>/password")
@admin_required
def reset_account_password(user_id: int):
    db = get_session()
    user = _account(user_id)
    password = secrets.token_urlsafe(12)
    with write_transaction(db):
        accounts.reset_password(db, user, password=password, actor=page_user())
    return _accounts(values={"language": "fr"}, new_password=(user.email, password))


def _account(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _refused(error: VigilanceError, values: dict):
    language = select_locale()
    errors = error.messages(language) if isinstance(error, InvalidInput) else {"email": [error.say(language)]}
    status = 400 if isinstance(error, InvalidInput) else 409
    return _accounts(values=values, errors=errors), status


def _accounts(*, values: dict, errors: dict | None = None, new_password: tuple[str, str] | None = None):
    db = get_session()
    rows = db.exec(select(User, Establishment).join(Establishment, isouter=True).order_by(User.email)).all()
    response = make_response(
        render_template(
            "admin/accounts.html",
            rows=rows,
            now=utcnow(),
            values=values,
            errors=errors or {},
            new_password=new_password,
            roles=[r.value for r in Role],
            queues=[q.value for q in Queue],
            establishments=db.exec(select(Establishment).order_by(Establishment.name)).all(),
        )
    )
    # A page showing a password must not stay in the browser's cache (the back button, a shared computer).
    response.headers["Cache-Control"] = "no-store"
    return response
