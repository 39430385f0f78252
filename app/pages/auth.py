"""Signing in and out of the pages."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth import page_user, sign_in, sign_out
from app.db import get_session
from app.i18n import select_locale
from app.pages import kept_forms
from app.pages.security import safe_next
from app.sign_in_throttle import client_address, current_throttle
from vigilance import accounts, passwords
from vigilance.clock import utcnow
from vigilance.errors import Unauthenticated
from vigilance.queues import worked_queues
from vigilance.storage.transaction import write_transaction

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if page_user() is not None:
            return redirect(safe_next(request.args.get("next")) or url_for("reports_pages.mine"))
        return render_template("auth/login.html", email="")
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
    else:
        # Throttled: the same work and the same answer as a wrong password.
        passwords.spend_verification_time(password)
    if user is None:
        refusal = accounts.SIGN_IN_REFUSED.render(select_locale())
        # A report form kept through sign-in stays kept (app.pages.kept_forms).
        kept = kept_forms.sign_in_refused(email, refusal)
        return kept or (render_template("auth/login.html", email=email, error=refusal), 401)
    throttle.succeeded(email, client)
    sign_in(user)
    flash(_("Vous êtes connecté."), "info")
    return kept_forms.resume_after_sign_in(user) or redirect(
        # Those who work queues start from them; reporters from the report form.
        safe_next(request.args.get("next"))
        or url_for("triage_pages.my_queues" if worked_queues(user) else "reports_pages.new")
    )


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
