"""The home page: the product classifier, and the way to the report form."""

from flask import Blueprint, redirect, render_template, request, session, url_for

from app.auth import page_user
from app.i18n import LANGUAGES
from app.pages.security import safe_next

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("pages/classify.html", user=page_user())


@bp.get("/language/<lang>")
def language(lang: str):
    """The visible FR | EN switch: remembered for the session."""
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("pages.index"))
