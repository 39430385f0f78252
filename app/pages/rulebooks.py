"""The rulebooks, for coordinators: what changes from one to another, and re-deciding their
establishment's open reports under one, previewed first, then approved."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages.security import login_required
from routing.diff import diff_rulebooks
from routing.messages import CATEGORY_LABELS, QUEUE_LABELS
from routing.rulebook import shipped_rulebooks
from routing.vocabulary import Category, Queue
from routing.wording import in_language
from vigilance import audit, redecision
from vigilance.access import acts_as_coordinator
from vigilance.clock import utcnow
from vigilance.errors import Conflict
from vigilance.i18n import say
from vigilance.storage.transaction import write_transaction

bp = Blueprint("rulebook_pages", __name__)


def _coordinator():
    """The signed-in coordinator, with the establishment they coordinate; 403 for anyone else."""
    user = page_user()
    if not acts_as_coordinator(user) or user.establishment_id is None:
        abort(403)
    return user


def _rulebook_or_404(rulebook_id: str):
    try:
        return shipped_rulebooks().get(rulebook_id)
    except KeyError:
        abort(404)


@bp.get("/rulebooks")
@login_required
def index():
    """The rulebooks shipped, and what changes from one (``old``) to another (``new``)."""
    _coordinator()
    rulebooks = list(shipped_rulebooks())
    ids = [r.id for r in rulebooks]
    old_id = request.args.get("old") or ids[max(len(ids) - 2, 0)]
    new_id = request.args.get("new") or ids[-1]
    errors = {}
    for field, chosen in (("old", old_id), ("new", new_id)):
        if chosen not in ids:
            errors[field] = [_("Référentiel inconnu : choisissez-en un dans la liste.")]
    changes = None if errors else diff_rulebooks(shipped_rulebooks().get(old_id), shipped_rulebooks().get(new_id))
    lang = select_locale()
    return render_template(
        "rulebooks/index.html",
        rulebooks=[(r, in_language(r.title, lang, say)) for r in rulebooks],
        old_id=old_id,
        new_id=new_id,
        changes=changes,
        errors=errors,
        text=lambda value: in_language(value, lang, say) if isinstance(value, dict) and "fr" in value else value,
        lang=lang,
    ), (400 if errors else 200)


@bp.get("/rulebooks/<rulebook_id>/redecide")
@login_required
def preview(rulebook_id: str):
    """The establishment's open reports whose decision would differ under the rulebook: a preview."""
    user = _coordinator()
    rulebook = _rulebook_or_404(rulebook_id)
    return _preview_page(user, rulebook)


def _preview_page(user, rulebook, *, status: int = 200, errors: dict | None = None):
    db = get_session()
    found = redecision.preview(db, rulebook_id=rulebook.id, establishment_id=user.establishment_id)
    # Read as a list: one event naming the rulebook and the reports shown.
    with write_transaction(db):
        audit.record(
            db,
            actor=user,
            action="read",
            now=utcnow(),
            target=f"page:rulebook:{rulebook.id}"[:64],
            after={"redecide_preview": [r.reference for r in found]},
        )
    lang = select_locale()
    return render_template(
        "rulebooks/redecide.html",
        rulebook=rulebook,
        title=in_language(rulebook.title, lang, say),
        found=found,
        # An empty preview says why: a rulebook not yet in force decides no open report.
        governed=redecision.open_reports_governed(db, rulebook_id=rulebook.id, establishment_id=user.establishment_id),
        fingerprint=redecision.fingerprint(found),
        errors=errors or {},
        outcome=lambda o: _outcome(o, lang),
        differences={
            "category": _("catégorie"),
            "queues": _("files"),
            "rulebook": _("référentiel"),
            "rules": _("règles appliquées"),
            "deadlines": _("délais ajoutés"),
        },
        lang=lang,
    ), status


def _outcome(outcome: redecision.Outcome, lang: str) -> str:
    """A decision in the reader's words: category, queues, and the rulebook that decided."""
    category = say(CATEGORY_LABELS[Category(outcome.category)], lang)
    queues = ", ".join(say(QUEUE_LABELS[Queue(q)], lang) for q in outcome.queues)
    return f"{category} — {queues} ({outcome.rulebook_id})"


@bp.post("/rulebooks/<rulebook_id>/redecide")
@login_required
def approve(rulebook_id: str):
    """Re-decide what the preview showed, once approved; a list changed since is shown again."""
    user = _coordinator()
    rulebook = _rulebook_or_404(rulebook_id)
    if request.form.get("approve") != "1":
        errors = {"approve": [_("Cochez la case pour approuver la re-décision.")]}
        return _preview_page(user, rulebook, status=422, errors=errors)
    try:
        with write_transaction(get_session()) as db:
            batch = redecision.apply(
                db,
                rulebook_id=rulebook.id,
                actor=user,
                now=utcnow(),
                establishment_id=user.establishment_id,
                expected=request.form.get("expected", ""),
                base_url=current_app.config["BASE_URL"],
            )
    except Conflict as refusal:
        flash(refusal.say(select_locale()), "error")
        return _preview_page(user, rulebook, status=409)
    if batch.redecisions:
        done = ngettext(
            "%(num)d signalement re-décidé selon %(id)s.",
            "%(num)d signalements re-décidés selon %(id)s.",
            len(batch.redecisions),
            id=rulebook.id,
        )
        flash(done, "info")
    else:
        flash(_("Aucun signalement à re-décider."), "info")
    return redirect(url_for("rulebook_pages.preview", rulebook_id=rulebook.id))
