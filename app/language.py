"""Which language an API answer is written in."""

from flask import request

from routing.vocabulary import LANGUAGES


def response_language() -> str:
    """French unless the client prefers English (``Accept-Language``)."""
    return request.accept_languages.best_match(LANGUAGES, default="fr") or "fr"
