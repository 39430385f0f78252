"""Languages: French first, English on request; times shown in the service's zone."""

from flask import Flask, g, request, session
from flask_babel import Babel

from app import PROJECT_ROOT

LANGUAGES = ("fr", "en")


def select_locale() -> str:
    """The visible switch wins, then the account's language, then the browser's, then French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    return request.accept_languages.best_match(LANGUAGES, default="fr") or "fr"


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    Babel(app, locale_selector=select_locale)
