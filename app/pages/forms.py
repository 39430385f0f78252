"""A submitted form (or a query string) as the JSON payload its API schema validates.

A page validates with the API's schema rather than parsing by hand, so both doors accept and
refuse the same input. HTML sends every field as text, and an untouched field as an empty
text: an empty field is one not given, a number field's text becomes a number when it is one
(else the schema refuses it by name), a multiple choice becomes a list.
"""

import re
from typing import Any

from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict

from app.api.fields import INTEGER_MAX
from app.errors import flatten_messages

#: A number written in decimal digits, of no more digits than an integer the databases hold.
#: ``str.isdigit`` is not the test: it says yes to "²", which ``int`` refuses.
_WHOLE_NUMBER = re.compile(r"-?\d{1,10}")
_YES = frozenset({"true", "yes", "on", "1"})
_NO = frozenset({"false", "no", "off", "0"})


def payload_from_form(schema: Schema, form: MultiDict, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields of *form* that *schema* knows, typed as JSON would carry them.

    :param names: the form's name of a schema field, where the page names it otherwise
        (``{"received_from": "from"}``).
    """
    names = names or {}
    payload: dict[str, Any] = {}
    for attribute, field in schema.fields.items():
        key = field.data_key or attribute
        form_key = names.get(key, key)
        if isinstance(field, fields.List):
            values = [_typed(field.inner, value) for value in form.getlist(form_key) if value != ""]
            if values:
                payload[key] = values
            continue
        value = form.get(form_key, "")
        if value != "":
            payload[key] = _typed(field, value)
    return payload


def whole_number(text: str) -> int | str:
    """*text* as the number it writes, or as it is, for the schema to refuse by its field's name."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text.strip()) else text


def row_id(text: str) -> int:
    """A query argument naming a row (``?before=``); :class:`ValueError` for anything a row id cannot be."""
    number = whole_number(text)
    if not isinstance(number, int) or not 1 <= number <= INTEGER_MAX:
        raise ValueError(text)
    return number


def _typed(field: fields.Field, text: str) -> Any:
    if isinstance(field, fields.Integer):
        return whole_number(text)
    if isinstance(field, fields.Boolean) and text.lower() in _YES | _NO:
        return text.lower() in _YES
    return text


def form_errors(messages: Any, names: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A schema's errors keyed by the form's names; a choice of a multiple choice is its field's."""
    names = names or {}
    errors: dict[str, list[str]] = {}
    for path, texts in flatten_messages(messages).items():
        field = path.split(".")[0]
        errors.setdefault(names.get(field, field), []).extend(texts)
    return errors
