"""Strict JSON fields: a JSON API takes ``true``, not ``"yes"``, and ``2``, not ``"2"``."""

from enum import Enum
from typing import ClassVar

from marshmallow import fields, validate


class StrictBoolean(fields.Boolean):
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a valid boolean: use true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictInteger(fields.Integer):
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a valid integer."}

    def _deserialize(self, value, attr, data, **kwargs):
        # JSON has one number type: 3.0 is the integer 3 (as JSON Schema says), "3" is text.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def enum_string(enum: type[Enum], **kwargs) -> fields.String:
    """An output field holding an enumeration's value, documented with its choices."""
    return fields.String(validate=validate.OneOf([member.value for member in enum]), **kwargs)
