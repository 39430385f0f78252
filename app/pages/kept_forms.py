"""A report form posted after its session ended is kept through signing in again.

What was typed is already in the browser: the refusal answers a sign-in page that carries the
fields back as hidden fields (nothing is stored for a request nobody is signed in for). The form
also carried a signed marker saying whom it was shown to and which form it is; after a
successful sign-in, the fields are saved as that person's draft of that form (now an
authenticated write) and the form opens from it, as it was left. Anyone else who signs in on the
same computer gets nothing of it: the marker names another account, and the fields are dropped.
"""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.db import get_session
from vigilance import drafts
from vigilance.clock import utcnow
from vigilance.errors import Forbidden, InvalidInput
from vigilance.models import User
from vigilance.storage.transaction import write_transaction

#: Prefix of the kept fields in the sign-in form, apart from its own (email, password).
PREFIX = "kept."
TOKEN_FIELD = "kept_form_token"
OWNER_FIELD = "kept_form_owner"
#: The kept text is health data: no cache, shared or the browser's, keeps these pages.
_NOT_STORED = {"Cache-Control": "no-store"}
#: A marker older than this is not honoured: a form left open for over a week is not resumed.
MARKER_MAX_AGE = 7 * 24 * 3600


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="vigilance.report-form-owner")


def owner_marker(user: User, form_token: str) -> str:
    """The signed marker the report form carries: shown to *user*, form *form_token*."""
    return _signer().dumps({"user": user.id, "form": form_token})


def _kept_fields(form) -> dict[str, str]:
    return {name: form[name] for name in drafts.FIELD_LENGTHS if form.get(name)}


def sign_in_again(form, status: int = 401):
    """The answer to a report form posted with no session: sign in, and what was typed is kept."""
    kept = _kept_fields(form)
    if not kept:
        return redirect(url_for("auth.login", next=url_for("reports_pages.new")))  # nothing to keep
    return (
        render_template(
            "reports/sign_in_again.html",
            kept=kept,
            form_token=form.get("form_token", ""),
            owner=form.get("form_owner", ""),
            email="",
            error=None,
        ),
        status,
        _NOT_STORED,
    )


def _from_sign_in_form() -> tuple[dict[str, str], str, str] | None:
    if TOKEN_FIELD not in request.form:
        return None
    kept = {name[len(PREFIX) :]: value for name, value in request.form.items() if name.startswith(PREFIX)}
    return kept, request.form.get(TOKEN_FIELD, ""), request.form.get(OWNER_FIELD, "")


def sign_in_refused(email: str, error: str):
    """A refused sign-in that carried a kept form: the same page again, the form still kept; else None."""
    carried = _from_sign_in_form()
    if carried is None:
        return None
    kept, form_token, owner = carried
    page = render_template(
        "reports/sign_in_again.html", kept=kept, form_token=form_token, owner=owner, email=email, error=error
    )
    return page, 401, _NOT_STORED


def resume_after_sign_in(user: User):
    """After *user* signed in: the kept form, if it was theirs, saved as their draft and opened; else None."""
    carried = _from_sign_in_form()
    if carried is None:
        return None
    kept, form_token, owner = carried
    try:
        marker = _signer().loads(owner, max_age=MARKER_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(marker, dict) or marker.get("user") != user.id or marker.get("form") != form_token:
        return None  # shown to someone else: not this person's to read
    try:
        with write_transaction(get_session()) as db:
            draft = drafts.save(db, owner=user, form_token=form_token, fields=kept, now=utcnow())
    except (InvalidInput, Forbidden):
        # Not storable as a draft (a NIR typed in the description, or a person of no establishment,
        # who keeps no draft): the form is shown again from the fields carried, with the problem
        # beside its field, and nothing is stored.
        from app.pages.reports import form_again  # the report pages call this module: import late

        return form_again({**kept, "form_token": form_token})
    flash(
        _(
            "Votre session avait expiré : voici le formulaire tel que vous l'aviez laissé. "
            "Vérifiez-le, puis envoyez-le."
        ),
        "info",
    )
    return redirect(url_for("reports_pages.new", draft=draft.id))
