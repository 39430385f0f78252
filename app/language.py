"""Which language an API answer is written in."""

from flask import g, request

from app.auth import token_holder
from vigilance.i18n import DEFAULT_LANGUAGE, LANGUAGES


def response_language() -> str:
    """The client's ``Accept-Language`` if it names one we speak, else the user's choice, else French."""
    asked = request.accept_languages.best_match(LANGUAGES)
    if asked:
        return asked
    user = g.get("user") or token_holder()
    if user is not None and user.language in LANGUAGES:
        return user.language
    return DEFAULT_LANGUAGE
