"""Signing in through an OpenID provider, waiting for approval, and the administrators' page of
first sign-ins (app/single_sign_on.py runs the protocol, vigilance/single_sign_on.py decides)."""

import logging

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from sqlmodel import col, select

from app import single_sign_on as door
from app.auth import page_user, sign_in
from app.db import get_session
from app.i18n import select_locale
from app.pages import kept_forms
from app.pages.admin import admin_required
from app.pages.forms import row_id
from app.pages.security import safe_next
from app.sign_in_throttle import client_address, current_throttle
from routing import Queue
from vigilance import single_sign_on
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput, NotFound, VigilanceError
from vigilance.models import Establishment, Role, SignInRequest
from vigilance.queues import worked_queues
from vigilance.storage.transaction import write_transaction

logger = logging.getLogger(__name__)

bp = Blueprint("sso_pages", __name__)

#: The session's keys: where to go after signing in, the ID token (for signing out at the
#: issuer), and the first sign-in waiting for approval.
NEXT_KEY = "sso_next"
ID_TOKEN_KEY = "sso_id_token"
WAITING_KEY = "sso_waiting"


@bp.app_context_processor
def _single_sign_on_context():
    # The administrators' link to the first sign-ins waiting is shown with single sign-on only.
    return {"sso_enabled": door.enabled()}


def _enabled_or_404() -> None:
    if not door.enabled():
        abort(404)


@bp.get("/login/oidc")
def start():
    _enabled_or_404()
    target = safe_next(request.args.get("next"))
    session.pop(NEXT_KEY, None)
    if target:
        session[NEXT_KEY] = target
    try:
        extra = {"acr_values": acr} if (acr := current_app.config.get("OIDC_ACR_VALUES")) else {}
        return door.client().authorize_redirect(
            door.url_of(url_for("sso_pages.callback")), ui_locales=select_locale(), **extra
        )
    except (requests.RequestException, ValueError, RuntimeError) as error:
        logger.warning("OpenID provider unreachable: %s", error)
        return _refused("unreachable", 502)


@bp.get("/login/oidc/callback")
def callback():
    _enabled_or_404()
    client = door.client()
    throttle = current_throttle()
    address = client_address()
    if not throttle.client_admitted(address):
        return _refused("throttled", 429)
    try:
        token = client.authorize_access_token(leeway=current_app.config["OIDC_CLOCK_LEEWAY_SECONDS"])
    except MismatchingStateError:
        # No attempt of this browser has this state: forged, replayed from elsewhere, or used already.
        throttle.failed(address)
        return _refused("state", 400)
    except OAuthError as error:
        if error.error == "access_denied":
            return _refused("cancelled", 401)
        logger.warning("OpenID provider refused the sign-in: %s %s", error.error, error.description)
        throttle.failed(address)
        return _refused("provider", 401)
    except ExpiredTokenError:
        throttle.failed(address)
        return _refused("expired", 401)
    except ClaimError as error:
        throttle.failed(address)
        logger.warning("ID token refused: %s claim", error.claim)
        return _refused("nonce" if error.claim == "nonce" else "token", 401)
    except JoseError as error:
        throttle.failed(address)
        logger.warning("ID token refused: %s", error)
        return _refused("token", 401)
    except requests.RequestException as error:
        logger.warning("OpenID provider unreachable: %s", error)
        return _refused("unreachable", 502)
    if "id_token" not in token or not token.get("userinfo"):
        return _refused("token", 401)
    claims = dict(token["userinfo"])  # the ID token's claims, checked
    metadata = client.load_server_metadata()
    if metadata.get("userinfo_endpoint"):
        # Pro Santé Connect, like many, gives most claims at the userinfo endpoint only.
        try:
            extra = dict(client.userinfo(token=token))
        except requests.RequestException as error:
            logger.warning("OpenID userinfo unreachable: %s", error)
            extra = {}
        if extra.get("sub") == claims["sub"]:
            claims = {**extra, **claims}
    identity = single_sign_on.identity_from(
        claims, issuer=metadata["issuer"], names=current_app.config["OIDC_CLAIM_NAMES"]
    )
    with write_transaction(get_session()) as db:
        outcome = single_sign_on.resolve(db, identity, current_app.config["OIDC_PROVISIONING_RULES"], now=utcnow())
    if isinstance(outcome, single_sign_on.Refused):
        return _refused(outcome.reason, 403)
    if isinstance(outcome, single_sign_on.Waiting):
        target = session.pop(NEXT_KEY, None)
        session[WAITING_KEY] = outcome.request.id
        if target:
            session[NEXT_KEY] = target
        return redirect(url_for("sso_pages.waiting"))
    user = outcome.user
    target = session.get(NEXT_KEY)
    throttle.succeeded(user.email, address)
    sign_in(user)
    session[ID_TOKEN_KEY] = token["id_token"]
    flash(_("Vous êtes connecté."), "info")
    return kept_forms.resume_after_sign_in(user) or redirect(
        safe_next(target) or url_for("triage_pages.my_queues" if worked_queues(user) else "reports_pages.new")
    )


@bp.get("/login/oidc/waiting")
def waiting():
    _enabled_or_404()
    request_id = session.get(WAITING_KEY)
    found = get_session().get(SignInRequest, request_id) if isinstance(request_id, int) else None
    if found is None:
        return redirect(url_for("auth.login"))
    return render_template("auth/sso_waiting.html", sign_in_request=found)


_REFUSALS = {
    "state": lambda: _(
        "Cette réponse du fournisseur d'identité ne correspond à aucune connexion commencée dans ce "
        "navigateur (lien ancien, déjà utilisé ou falsifié). Vous n'êtes pas connecté."
    ),
    "nonce": lambda: _(
        "Le jeton d'identité reçu n'a pas été émis pour cette connexion (nonce différent). Vous n'êtes pas connecté."
    ),
    "expired": lambda: _("Le jeton d'identité reçu a expiré. Vous n'êtes pas connecté."),
    "token": lambda: _("Le jeton d'identité reçu n'est pas valable. Vous n'êtes pas connecté."),
    "provider": lambda: _("Le fournisseur d'identité a refusé la connexion. Vous n'êtes pas connecté."),
    "cancelled": lambda: _("La connexion a été annulée auprès du fournisseur d'identité."),
    "unreachable": lambda: _("Le fournisseur d'identité ne répond pas. Réessayez dans quelques minutes."),
    "throttled": lambda: _("Trop de tentatives de connexion depuis cette adresse. Réessayez plus tard."),
    "disabled": lambda: _("Ce compte est désactivé. Adressez-vous à un administrateur."),
    "refused": lambda: _("Un administrateur a refusé l'accès de ce compte au service."),
}


def _refused(reason: str, status: int):
    return render_template("auth/sso_refused.html", message=_REFUSALS[reason](), reason=reason), status


# Administrators: first sign-ins waiting for approval.


@bp.get("/admin/sign-in-requests")
@admin_required
def requests_page():
    return _requests_page()


@bp.post("/admin/sign-in-requests/<int:request_id>/approve")
@admin_required
def approve(request_id: int):
    form = request.form
    db = get_session()
    try:
        with write_transaction(db):
            establishment_id = form.get("establishment", type=row_id)
            establishment = db.get(Establishment, establishment_id) if establishment_id else None
            user = single_sign_on.approve(
                db,
                request_id,
                actor=page_user(),
                now=utcnow(),
                email=form.get("email", "").strip(),
                role=form.get("role", ""),
                establishment=establishment,
                vigilances=form.getlist("vigilances"),
                is_coordinator=form.get("coordinator") == "on",
            )
    except VigilanceError as error:
        language = select_locale()
        errors = error.messages(language) if isinstance(error, InvalidInput) else {"email": [error.say(language)]}
        status = 404 if isinstance(error, NotFound) else (400 if isinstance(error, InvalidInput) else 409)
        values = {**form.to_dict(), "vigilances": form.getlist("vigilances")}
        return _requests_page(errors={request_id: errors}, values={request_id: values}), status
    flash(_("Accès accordé à %(email)s.", email=user.email), "info")
    return redirect(url_for("sso_pages.requests_page"))


@bp.post("/admin/sign-in-requests/<int:request_id>/refuse")
@admin_required
def refuse(request_id: int):
    db = get_session()
    try:
        with write_transaction(db):
            refused = single_sign_on.refuse(db, request_id, actor=page_user(), now=utcnow())
    except VigilanceError as error:
        flash(error.say(select_locale()), "error")
        status = 404 if isinstance(error, NotFound) else 409
        return _requests_page(), status
    flash(_("Accès refusé à %(who)s.", who=refused.email or refused.name or refused.subject), "info")
    return redirect(url_for("sso_pages.requests_page"))


def _requests_page(*, errors: dict | None = None, values: dict | None = None):
    db = get_session()
    waiting = single_sign_on.pending(db)
    establishments = db.exec(select(Establishment).order_by(Establishment.name)).all()
    by_finess = {e.finess: e for e in establishments}
    refused = db.exec(
        select(SignInRequest)
        .where(SignInRequest.status == single_sign_on.Status.REFUSED)
        .order_by(col(SignInRequest.decided_at).desc())
        .limit(50)
    ).all()
    return render_template(
        "admin/sign_in_requests.html",
        waiting=waiting,
        refused=refused,
        establishments=establishments,
        by_finess=by_finess,
        roles=[r.value for r in Role],
        queues=[q.value for q in Queue],
        errors=errors or {},
        values=values or {},
    )
