"""Refuse, at the door, any text that holds a NUL character, naming the field it is in.

PostgreSQL cannot store U+0000 in text: the driver fails mid-transaction, which was a bare 500.
SQLite keeps it, and emails and CSV exports trip over it later. Nobody types one; it comes from
a broken client or a probe, and is refused like any other bad input, before anything is read or
written, on every route (API and pages, body, query and the idempotency key alike).
"""

from typing import Any

from flask import Flask, request

from vigilance.errors import InvalidInput

NUL = "\x00"
_MESSAGE = {
    "fr": "Ce texte contient un caractère nul (U+0000), qui ne peut être enregistré : retirez-le.",
    "en": "This text holds a NUL character (U+0000), which cannot be stored: remove it.",
}
#: Headers whose value the service stores.
_STORED_HEADERS = ("Idempotency-Key",)


def paths_with_nul(value: Any, path: str = "") -> list[str]:
    """The field paths (``product.name``, ``items.0``) of *value* where a NUL is, keys included."""
    if isinstance(value, str):
        return [path or "body"] if NUL in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                found.append(inner_path)
            found += paths_with_nul(inner, inner_path)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths_with_nul(inner, f"{path}.{index}" if path else str(index))
    return found


def _refuse_nul_characters() -> None:
    if request.routing_exception is not None:
        return  # an unknown route or method is answered 404 or 405 first
    paths = [name for name, values in request.args.lists() if NUL in name or any(NUL in v for v in values)]
    paths += [name for name in _STORED_HEADERS if NUL in request.headers.get(name, "")]
    if request.is_json:
        raw = request.get_data(cache=True)
        # JSON writes a NUL as an escape; a body without one needs no walk.
        if b"\\u0000" in raw or b"\x00" in raw:
            paths += paths_with_nul(request.get_json(silent=True))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        paths += [name for name, values in request.form.lists() if NUL in name or any(NUL in v for v in values)]
    if paths:
        raise InvalidInput({path: [_MESSAGE] for path in dict.fromkeys(paths)})


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
