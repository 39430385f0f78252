"""Signing in and out of the pages."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app import single_sign_on
from app.auth import page_user, sign_in, sign_out
from app.db import get_session
from app.i18n import select_locale
from app.pages import kept_forms
from app.pages.security import safe_next
from app.sign_in_throttle import client_address, current_throttle
from vigilance import accounts, passwords
from vigilance.clock import utcnow
from vigilance.errors import Unauthenticated
from vigilance.models import Role
from vigilance.queues import worked_queues
from vigilance.storage.transaction import write_transaction

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if page_user() is not None:
            return redirect(safe_next(request.args.get("next")) or url_for("reports_pages.mine"))
        return _login_page(email="")
    if _password_sign_in() == "off":
        # Single sign-on only (VIGILANCE_PASSWORD_SIGN_IN=off): no password is checked at all.
        return _login_page(email="", error=_("La connexion par mot de passe est désactivée.")), 403
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    throttle = current_throttle()
    client = client_address()
    user = None
    if throttle.admit(email, client):
        with write_transaction(get_session()) as db:  # an older hash is replaced on success
            try:
                user = accounts.authenticate(db, email=email, password=password, now=utcnow())
            except Unauthenticated:
                throttle.failed(client)
        if user is not None and _password_sign_in() == "admins" and user.role != Role.ADMIN:
            # Only administrators keep a password way in (the break-glass): the same answer
            # as a wrong password, so the form tells nobody which accounts are administrators.
            user = None
    else:
        # Throttled: the same work and the same answer as a wrong password.
        passwords.spend_verification_time(password)
    if user is None:
        refusal = accounts.SIGN_IN_REFUSED.render(select_locale())
        # A report form kept through sign-in stays kept (app.pages.kept_forms).
        kept = kept_forms.sign_in_refused(email, refusal)
        return kept or (_login_page(email=email, error=refusal), 401)
    throttle.succeeded(email, client)
    sign_in(user)
    flash(_("Vous êtes connecté."), "info")
    return kept_forms.resume_after_sign_in(user) or redirect(
        # Those who work queues start from them; reporters from the report form.
        safe_next(request.args.get("next"))
        or url_for("triage_pages.my_queues" if worked_queues(user) else "reports_pages.new")
    )


def _password_sign_in() -> str:
    return current_app.config["PASSWORD_SIGN_IN"]


def _login_page(**values):
    return render_template(
        "auth/login.html",
        sso=single_sign_on.enabled(),
        sso_label=current_app.config.get("OIDC_LABEL"),
        password_sign_in=_password_sign_in(),
        next=safe_next(request.args.get("next")),
        **values,
    )


@bp.post("/logout")
def logout():
    id_token = session.get("sso_id_token")  # set by a single sign-on (app/pages/single_sign_on.py)
    sign_out()
    flash(_("Vous êtes déconnecté."), "info")
    if id_token and single_sign_on.enabled():
        # Signed in by the provider: signed out there too (RP-initiated logout), then back here.
        end_session = single_sign_on.end_session_url(id_token, url_for("auth.login"))
        if end_session:
            return redirect(end_session)
    return redirect(url_for("auth.login"))
