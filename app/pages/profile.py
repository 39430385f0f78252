"""A person's own settings: language, which summaries and alerts they receive by email, their password."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from app.auth import page_user, sign_in
from app.db import get_session
from app.i18n import select_locale
from app.pages.security import login_required
from app.sign_in_throttle import client_address, current_throttle
from vigilance import accounts, alerts
from vigilance.access import acts_as_coordinator
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput
from vigilance.i18n import translatable
from vigilance.models import Role
from vigilance.storage.transaction import write_transaction

bp = Blueprint("profile_pages", __name__)


def offered_choices(user) -> list[str]:
    """The summaries that exist for this person's role: digests for correspondents, the rest for coordinators."""
    choices = []
    if user.role == Role.CORRESPONDENT:
        choices += ["daily_digest", "digest_when_empty"]
    if acts_as_coordinator(user):
        choices += ["weekly_summary", "monthly_report"]
    return choices


def offered_alerts(user) -> list[str]:
    """The optional alerts this person may receive: short deadlines in their queues, deaths for coordinators."""
    offered = []
    if user.role == Role.CORRESPONDENT:
        offered.append(alerts.AlertKind.URGENT_DEADLINE.value)
    if acts_as_coordinator(user):
        offered.append(alerts.AlertKind.DEATH.value)
    return offered


def _render(user, errors: dict, status: int = 200, rpps_typed: str | None = None):
    return render_template(
        "profile.html",
        user=user,
        rpps=rpps_typed if rpps_typed is not None else accounts.rpps_of(get_session(), user) or "",
        offered=offered_choices(user),
        offered_alerts=offered_alerts(user),
        alert_emails=alerts.email_choices(get_session(), user),
        errors=errors,
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = page_user()
    offered = offered_choices(user)
    if request.method == "POST":
        try:
            with write_transaction(get_session()) as db:
                accounts.update_profile(
                    db,
                    user,
                    language=request.form.get("language", user.language),
                    # An older form without the field leaves the number as it is.
                    **({"rpps": request.form["rpps"]} if "rpps" in request.form else {}),
                    **{name: request.form.get(name) == "on" for name in offered},
                )
                alerts.choose_emails(
                    db, user, {kind: request.form.get(f"alert_email_{kind}") == "on" for kind in offered_alerts(user)}
                )
        except InvalidInput as error:
            messages = error.messages(select_locale())
            if "rpps" in messages:
                # Beside the field, with what was typed, so that it can be corrected.
                return _render(user, messages, 400, rpps_typed=request.form.get("rpps", ""))
            language = select_locale()
            details = " ".join(" ".join(m) for m in error.messages(language).values())
            flash(f"{error.say(language)} {details}", "error")
            return redirect(url_for("profile_pages.profile"))
        # The pages follow the language chosen here, as emails do.
        session["lang"] = user.language
        refresh()
        flash(_("Vos préférences sont enregistrées."), "info")
        return redirect(url_for("profile_pages.profile"))
    return _render(user, {})


@bp.post("/profile/password")
@login_required
def change_password():
    user = page_user()
    refused = None
    throttle = current_throttle()
    if not throttle.admit(user.email, client_address()):
        # Someone at a session left open must not try passwords until one takes the account over.
        refused = InvalidInput({"current_password": [translatable("Trop d'essais : réessayez dans quelques minutes.")]})
    else:
        with write_transaction(get_session()) as db:
            try:
                accounts.change_password(
                    db,
                    user,
                    current=request.form.get("current_password", ""),
                    new=request.form.get("password", ""),
                    confirmation=request.form.get("password_confirmation", ""),
                    now=utcnow(),
                )
            except InvalidInput as error:
                refused = error
    if refused is not None:
        return _render(user, refused.messages(select_locale()), 400)
    throttle.succeeded(user.email, client_address())
    # This browser stays signed in; every other session of the account ends.
    sign_in(user)
    flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."), "info")
    return redirect(url_for("profile_pages.profile"))
