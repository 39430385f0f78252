"""Signing in and out of the pages."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth import page_user, sign_in, sign_out
from app.db import get_session
from app.i18n import select_locale
from app.pages import kept_forms
from app.pages.security import safe_next
from vigilance import accounts
from vigilance.clock import utcnow
from vigilance.errors import Unauthenticated
from vigilance.storage.transaction import write_transaction

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if page_user() is not None:
            return redirect(safe_next(request.args.get("next")) or url_for("reports_pages.mine"))
        return render_template("auth/login.html", email="")
    email = request.form.get("email", "")
    refused = None
    with write_transaction(get_session()) as db:
        try:
            user = accounts.authenticate(db, email=email, password=request.form.get("password", ""), now=utcnow())
        except Unauthenticated as error:
            refused = error  # committed all the same: the failed attempt counts towards the lock-out
    if refused is not None:
        # A report form kept through sign-in stays kept (app.pages.kept_forms).
        kept = kept_forms.sign_in_refused(email, refused.say(select_locale()))
        return kept or (render_template("auth/login.html", email=email, error=refused.say(select_locale())), 401)
    sign_in(user)
    flash(_("Vous êtes connecté."), "info")
    return kept_forms.resume_after_sign_in(user) or redirect(
        safe_next(request.args.get("next")) or url_for("reports_pages.new")
    )


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
