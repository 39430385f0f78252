"""Strict, bounded JSON fields: a JSON API takes ``true``, not ``"yes"``, and ``2``, not ``"2"``;
every number, date and text it takes has bounds, texts the length of the column that stores them."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate

from vigilance.clock import utcnow

#: The databases' integers (32 bits): a row id, a version or a count beyond them is refused by
#: field rather than overflowing in the driver.
INTEGER_MAX = 2**31 - 1
#: No date the service is told of (an event, a declaration) comes before this year.
EARLIEST_YEAR = 1900
#: A moment or a day may be ahead of the server's clock by this much (a device's clock, a time zone).
FUTURE_SLACK = timedelta(days=1)

BLANK = "May not be blank."
TOO_EARLY = "Not before 1900."
IN_THE_FUTURE = "Not in the future."


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


def not_blank(text: str) -> str:
    """Refuse a text of spaces only, where text is required."""
    if not text.strip():
        raise ValidationError(BLANK)
    return text


def stored_text(attribute: Any, *, required: bool = False, **kwargs) -> fields.String:
    """A text stored in the column behind *attribute*: at most its length; not blank when *required*."""
    validators: list[Callable] = [validate.Length(max=column_length(attribute))]
    if required:
        validators.insert(0, not_blank)
    return fields.String(required=required, validate=validators, **kwargs)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def not_before_1900_nor_future(value: date | datetime) -> date | datetime:
    """A past moment or day: from 1900, and ahead of the server's clock by a day at most."""
    if value.year < EARLIEST_YEAR:
        raise ValidationError(TOO_EARLY)
    now = utcnow()
    latest = now + FUTURE_SLACK
    # A day is compared as a day; an aware moment as a moment (a naive one cannot be placed).
    if isinstance(value, datetime) and value.tzinfo is not None:
        if value - latest > timedelta(0):  # subtraction: no conversion that overflows near year 9999
            raise ValidationError(IN_THE_FUTURE)
    elif _day(value) > latest.date():
        raise ValidationError(IN_THE_FUTURE)
    return value
