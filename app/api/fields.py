"""Strict, bounded JSON fields: a JSON API takes ``true``, not ``"yes"``, and ``2``, not ``"2"``;
every number and text it takes has bounds, a text the length of the column that stores it.

Dates are bounded by the domain (``vigilance.intake.check_draft``, ``vigilance.triage.declare``),
after the bearer token is checked: the OpenAPI document cannot say "not in the future", so a
stranger's request that the document calls valid must meet 401 first.
"""

from enum import Enum
from typing import Any, ClassVar

from marshmallow import fields, validate

#: The databases' integers (32 bits): a row id, a version or a count beyond them is refused by
#: field rather than overflowing in the driver.
INTEGER_MAX = 2**31 - 1
BLANK = "May not be blank."


class StrictBoolean(fields.Boolean):
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a valid boolean: use true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictInteger(fields.Integer):
    """A JSON integer within the databases' integers, whatever the field's own range."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a valid integer."}
    _WITHIN_DATABASE = validate.Range(min=-INTEGER_MAX, max=INTEGER_MAX)

    def _deserialize(self, value, attr, data, **kwargs):
        # JSON has one number type: 3.0 is the integer 3 (as JSON Schema says), "3" is text.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        value = super()._deserialize(value, attr, data, **kwargs)
        if not -INTEGER_MAX <= value <= INTEGER_MAX:
            for bound in self.validators:  # the field's own range says it best ("from 1 to 4")
                bound(value)
            self._WITHIN_DATABASE(value)
        return value


def enum_string(enum: type[Enum], **kwargs) -> fields.String:
    """An output field holding an enumeration's value, documented with its choices."""
    return fields.String(validate=validate.OneOf([member.value for member in enum]), **kwargs)


def column_length(attribute: Any) -> int:
    """The length of the column behind a model's attribute (``Report.description``): the one
    place a text's bound is written, so that what a schema accepts is what both databases store
    (PostgreSQL refuses a longer text with an error, SQLite stores it whole)."""
    length = attribute.property.columns[0].type.length
    if length is None:
        raise ValueError(f"{attribute} has no length: give its column one")
    return length


#: The characters ``str.strip`` removes (those of ``str.isspace``; none beyond the first plane),
#: written as escapes that Python and JSON Schema (ECMAScript) read alike: their ``\s`` differ
#: (Python's takes U+001C to U+001F, ECMAScript's U+FEFF). A test checks it against ``str.isspace``.
SPACES = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Required text holds something other than spaces (as the domain, stripping, counts them). A
#: pattern rather than a check in code, so that the OpenAPI document says it too (``pattern``,
#: which JSON Schema searches for anywhere in the text, as ``re.match`` finds it from the start).
not_blank = validate.Regexp(f"[\\s\\S]*[^{SPACES}]", error=BLANK)


def stored_text(attribute: Any, *, required: bool = False, **kwargs) -> fields.String:
    """A text stored in the column behind *attribute*: at most its length; not blank when *required*."""
    validators: list[validate.Validator] = [validate.Length(max=column_length(attribute))]
    if required:
        validators.insert(0, not_blank)
    return fields.String(required=required, validate=validators, **kwargs)
