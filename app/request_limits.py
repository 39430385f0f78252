"""Refuse, before any parsing work, a request body that is too large, too deep or holds too long a number.

Three bodies were bare 500s, each a couple of kilobytes: JSON nested 1,000 levels deep (the
standard library's decoder recurses, and fails with ``RecursionError``), an integer of 5,000
digits (Python refuses to convert one of more than 4,300 digits, ``ValueError``), on every JSON
route, the unauthenticated classifier included. No input of the service nests more than a few
levels or holds a number of more than ten digits (a row id), so both are refused by field
(``body``) with 422 before the body is decoded. The check looks at the raw bytes and, for an
ordinary body, costs two counts and one regular expression search in C: the slow path (strings
set aside, brackets counted) runs only for a body with many brackets or a long run of digits,
which may still be inside a string (a barcode in a description) and is then accepted.

Bodies larger than ``VIGILANCE_JSON_MAX_BYTES`` (forms included) are refused by werkzeug with
413 as they are read; the answer is the contract's JSON error on the API, and a page in the
reader's language elsewhere.
"""

import re
from itertools import accumulate

from flask import Flask, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import json_error, wants_json
from app.i18n import select_locale
from app.language import response_language
from vigilance.errors import InvalidInput
from vigilance.i18n import translatable

#: Deepest nesting of arrays and objects accepted: the service's deepest input is four levels
#: (a report's products, a product's features); the slack is for clients' own wrapping.
MAX_DEPTH = 32
#: Longest number accepted, in digits: a row id has at most ten, a year four.
MAX_DIGITS = 20

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LONG_DIGITS = re.compile(rb"\d{%d,}" % (MAX_DIGITS + 1))
#: Every digit as "0", every other byte as a space: a long run of digits is then a plain
#: substring search (about 1 µs for 2 KB, a fraction of what the regular expression above takes).
_DIGITS_AS_ZEROS = bytes(ord("0") if b in b"0123456789" else ord(" ") for b in range(256))
_LONG_ZEROS = b"0" * (MAX_DIGITS + 1)
#: A JSON string, escapes included (a string left unclosed is the decoder's to refuse); written
#: as an unrolled loop, which runs through a string's ordinary bytes in one step.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
#: The change of depth at each bracket byte.
_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))

_TOO_DEEP = translatable(
    "Le corps JSON est imbriqué trop profondément (%(max)s niveaux au plus).",
    max=MAX_DEPTH,
)
_TOO_LONG_NUMBER = translatable("Un nombre du corps JSON a trop de chiffres (%(max)s au plus).", max=MAX_DIGITS)


def body_problems(body: bytes) -> list:
    """What makes *body* (raw JSON) too costly to decode: too deep, or a number too long."""
    may_be_deep = body.count(b"[") + body.count(b"{") > MAX_DEPTH
    may_hold_long_number = _LONG_ZEROS in body.translate(_DIGITS_AS_ZEROS)
    if not (may_be_deep or may_hold_long_number):
        return []
    outside_strings = _STRING.sub(b'""', body)
    problems = []
    if may_be_deep:
        brackets = outside_strings.translate(None, _NOT_BRACKETS)
        if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
            problems.append(_TOO_DEEP)
    if may_hold_long_number and _LONG_DIGITS.search(outside_strings):
        problems.append(_TOO_LONG_NUMBER)
    return problems


def refuse_costly_json() -> None:
    """Raise :class:`InvalidInput` (``body``) when the request's JSON body is too deep or holds too long a number."""
    # The request itself, not its proxy: each look through ``request`` costs about 2 µs, and
    # this runs before every request's view (POST /api/v1/classify's throughput is tracked).
    current = request._get_current_object()
    if current.method not in _BODY_METHODS or current.routing_exception is not None or not current.is_json:
        return  # an unknown route or method is answered 404 or 405 first
    body = current.get_data(cache=True)
    environ = current.environ
    if "HTTP_TRANSFER_ENCODING" in environ or not environ.get("CONTENT_LENGTH"):
        # Sent in chunks (no length known ahead), a body is cut at the limit by werkzeug, not refused.
        limit = current.max_content_length
        if limit is not None and len(body) >= limit:
            raise RequestEntityTooLarge()
    problems = body_problems(body)
    if problems:
        raise InvalidInput({"body": problems})


def _too_large(_error: RequestEntityTooLarge):
    said = translatable("Requête trop volumineuse : %(max)s octets au plus.", max=str(request.max_content_length))
    if wants_json():
        message = said.render(response_language())
        return json_error(413, message, {"body": [message]})
    return render_template("errors/error.html", error=_TooLarge(said.render(select_locale()))), 413


class _TooLarge:
    code = 413
    name = "Payload Too Large"

    def __init__(self, description: str):
        self.description = description


def init_app(app: Flask) -> None:
    """Check bodies before anything else reads them (register before the other request hooks)."""
    app.before_request(refuse_costly_json)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
