"""Refuse, at the door, any text that cannot be stored, naming the field it is in.

Two kinds of character cannot be: NUL (U+0000), which PostgreSQL refuses in text, and a lone
UTF-16 surrogate (``"\\ud800"`` in JSON), which is no character at all and cannot be written
as UTF-8. Either was a bare 500 (the driver, or the encoder of the answer, failing midway);
SQLite even stored a NUL, for emails and exports to trip over later. Nobody types one: it comes
from a broken client or a probe, and is refused like any other bad input, before the view
reads or writes anything, on every route (API and pages; body, query and the idempotency key
alike); on the routes that need a bearer token, once the token is checked.
"""

import re
from collections.abc import Collection
from typing import Any

from flask import Flask, request

from vigilance.errors import InvalidInput
from vigilance.i18n import translatable

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: In a raw JSON body: a NUL, written as is or escaped, or an escaped surrogate. A body without
#: any needs no walk (a surrogate pair, an emoji written in escapes, is checked once decoded).
_MAY_HOLD_UNSTORABLE = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]")
_MESSAGE = translatable(
    "Ce texte contient un caractère qui ne peut être enregistré (caractère nul U+0000 ou moitié "
    "de paire UTF-16 isolée) : retirez-le."
)
#: Headers whose value the service stores, with their key in the WSGI environ.
_STORED_HEADERS = tuple((name, "HTTP_" + name.upper().replace("-", "_")) for name in ("Idempotency-Key",))


def unstorable_paths(value: Any, path: str = "") -> list[str]:
    """The field paths (``product.name``, ``items.0``) of *value* holding unstorable text, keys included."""
    if isinstance(value, str):
        return [path or "body"] if UNSTORABLE.search(value) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}" if path else str(key)
            if UNSTORABLE.search(str(key)):
                found.append(inner_path)
            found += unstorable_paths(inner, inner_path)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += unstorable_paths(inner, f"{path}.{index}" if path else str(index))
    return found


def _in_multidict(values) -> list[str]:
    # Only text is searched: schemathesis's in-process calls have put a None in a form (a 500).
    return [
        name
        for name, texts in values.lists()
        if any(UNSTORABLE.search(text) for text in (name, *texts) if isinstance(text, str))
    ]


def refuse_unstorable_text() -> None:
    """Raise :class:`InvalidInput` naming every field of the request that holds unstorable text."""
    environ = request.environ
    # Read from the WSGI environ where it can be: the parsed query string and headers cost
    # about 10 µs of every request that has neither.
    paths = _in_multidict(request.args) if environ.get("QUERY_STRING") else []
    paths += [name for name, key in _STORED_HEADERS if UNSTORABLE.search(environ.get(key, ""))]
    if request.is_json:
        if _MAY_HOLD_UNSTORABLE.search(request.get_data(cache=True)):
            paths += unstorable_paths(request.get_json(silent=True))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        paths += _in_multidict(request.form)
    if paths:
        raise InvalidInput({path: [_MESSAGE] for path in dict.fromkeys(paths)})


def init_app(app: Flask, *, after_token_check: Collection[str]) -> None:
    """Check every request before its view, except on the blueprints *after_token_check*,
    whose views check once the bearer token is (``app.auth.token_required``): a stranger is
    told 401 first there, whatever the body, as with any other input the schema allows."""

    def guard() -> None:
        if request.routing_exception is not None or request.blueprint in after_token_check:
            return  # an unknown route or method is answered 404 or 405 first
        refuse_unstorable_text()

    app.before_request(guard)
