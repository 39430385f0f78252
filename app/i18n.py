"""Languages: French first, English on request; times shown in the service's zone."""

from flask import Flask, g, request, session
from flask_babel import Babel

from vigilance.i18n import CATALOGUES, DEFAULT_LANGUAGE, LANGUAGES


def select_locale() -> str:
    """The visible switch wins, then the account's language, then the browser's, then French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    # The catalogues the domain and the emails read too (vigilance.i18n): one set for everything.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CATALOGUES)
    Babel(app, locale_selector=select_locale)
