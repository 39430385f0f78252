"""A form's data checked against its description: marshmallow schemas generated from the form,
then what types cannot say (a donation number's check character, a NIR in a text).

Every field may be left empty (``null``): what is still needed before sending is ``missing``'s to
say, not the validation's. A refusal names each field by its path in the data
(``units.0.donation_number``), and nothing is stored.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from routing.identifiers import read_donation_number
from vigilance.case_file.description import Field, Form, Kind
from vigilance.errors import InvalidInput
from vigilance.i18n import Message, translatable
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir

_INITIALS = re.compile(r"[A-Za-z]{1,4}")
_TEXT_KINDS = (Kind.TEXT, Kind.LONG_TEXT)


class StrictBoolean(fields.Boolean):
    """``true`` or ``false``, never ``"yes"``: the page turns its radio buttons into booleans."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a valid boolean: use true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictNumber(fields.Float):
    """A JSON number (not a text holding one)."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a valid number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        # 72.0 kg is written 72: the data reads as typed.
        return int(value) if float(value).is_integer() else float(value)


def _marshmallow_field(spec: Field, *, prefix: str, only_reporter: bool = False) -> fields.Field:
    description = f"{spec.label.msgid} [{spec.source}]"
    if spec.unit:
        description += f" ({spec.unit})"
    options: dict[str, Any] = {"allow_none": True, "metadata": {"description": description}}
    if spec.kind in _TEXT_KINDS:
        return fields.String(validate=validate.Length(max=spec.max_length), **options)
    if spec.kind == Kind.DATE:
        return fields.Date(**options)
    if spec.kind == Kind.DATETIME:
        return fields.AwareDateTime(**options)
    if spec.kind == Kind.NUMBER:
        return StrictNumber(validate=validate.Range(min=spec.minimum, max=spec.maximum), **options)
    if spec.kind == Kind.CHOICE:
        return fields.String(validate=validate.OneOf(spec.codes), **options)
    if spec.kind == Kind.MULTI_CHOICE:
        return fields.List(
            fields.String(validate=validate.OneOf(spec.codes)),
            validate=validate.Length(max=len(spec.codes)),
            **options,
        )
    if spec.kind == Kind.YES_NO:
        return StrictBoolean(**options)
    row = _schema_class(
        f"{prefix}{_camel(spec.name)}Row",
        tuple(f for f in spec.fields if not only_reporter or f.filled_by == "reporter"),
        only_reporter=only_reporter,
    )
    return fields.List(fields.Nested(row), validate=validate.Length(max=spec.max_rows), **options)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _schema_class(name: str, specs: Iterable[Field], *, only_reporter: bool = False) -> type[Schema]:
    attributes: dict[str, Any] = {
        spec.name: _marshmallow_field(spec, prefix=name, only_reporter=only_reporter) for spec in specs
    }
    attributes["Meta"] = type("Meta", (), {"unknown": RAISE})
    return type(f"{name}Schema", (Schema,), attributes)


_SCHEMAS: dict[str, Schema] = {}


def schema_for(form: Form) -> Schema:
    """The schema of *form*'s data (every field optional, unknown fields refused)."""
    if form.id not in _SCHEMAS:
        _SCHEMAS[form.id] = _schema_class(_camel(form.id), tuple(form.fields()))()
    return _SCHEMAS[form.id]


def reporter_schema_class(name: str, forms: Iterable[Form]) -> type[Schema]:
    """The schema of what a clinician may give when filing, for every form in *forms* (their
    reporter fields; a field of the same name in two forms is given once)."""
    seen: dict[str, Field] = {}
    for form in forms:
        for spec in form.reporter_fields():
            seen.setdefault(spec.name, spec)
    return _schema_class(name, seen.values(), only_reporter=True)


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"units.0.donation_number": [...]}``."""
    if isinstance(messages, list):
        return {prefix or "data": [str(m) for m in messages]}
    found: dict[str, list[str]] = {}
    for key, inner in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key == "_schema":
            path = prefix or "data"
        for inner_path, texts in flatten(inner, path).items():
            found.setdefault(inner_path, []).extend(texts)
    return found


@dataclass(frozen=True)
class Checked:
    """Data accepted: as stored (JSON: dates as ISO texts, empty texts as ``null``), and what
    was accepted but is worth a second look."""

    data: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)


def check(form: Form, data: Mapping[str, Any], *, schema: Schema | None = None) -> Checked:
    """*data* checked against *form* (or against *schema*, a part of it: the clinician's).

    :raises InvalidInput: with every problem, by field path; nothing is to be stored then.
    """
    schema = schema or schema_for(form)
    if not isinstance(data, Mapping):
        raise InvalidInput({"data": [translatable("Un objet est attendu.")]})
    errors: dict[str, list[Message | str]] = {}
    try:
        dumped = schema.dump(schema.load(dict(data)))
    except ValidationError as refused:
        errors.update(flatten(refused.messages))
        # The texts are checked all the same: every problem is said at once.
        dumped = dict(data)
    warnings: list[dict[str, Any]] = []
    # On the data as given (before empty rows are left out): the paths are the caller's.
    for path, spec, value in _texts(form, dumped):
        value = value.strip()
        if not value:
            continue
        if path in errors:
            continue
        if contains_nir(value):
            errors.setdefault(path, []).append(NIR_MESSAGE)
        if spec.donation_number:
            donation = read_donation_number(value)
            if donation.refused:
                from vigilance.intake import donation_number_refusal  # intake stores case files

                errors.setdefault(path, []).append(donation_number_refusal(donation))
            elif donation.unknown_format:
                warnings.append(
                    {
                        "field": path,
                        "code": "donation_number_format_unknown",
                        "message": translatable(
                            "Numéro de don dans un format non reconnu (ni ISBT 128) : enregistré tel quel, "
                            "sans vérification. Vérifiez-le sur l'étiquette."
                        ),
                    }
                )
        if spec.initials and not _INITIALS.fullmatch(value):
            errors.setdefault(path, []).append(translatable("Des initiales : 1 à 4 lettres, jamais un nom."))
    if not errors:
        _check_sequences(form, schema.load(dict(data)), errors)
    if errors:
        raise InvalidInput(errors)
    stored = _tidy(dumped)
    for path, spec, value in _texts(form, stored):
        if spec.initials:
            _put(stored, path, value.upper())
    return Checked(stored, warnings)


def _check_sequences(form: Form, loaded: Mapping[str, Any], errors: dict[str, list[Message | str]]) -> None:
    """A later date or moment before its earlier one is refused on the later's path."""
    for earlier, later in form.sequences:
        group, _dot, first = earlier.rpartition(".")
        second = later.rpartition(".")[2]
        levels = [(f"{group}.{n}.", row) for n, row in enumerate(loaded.get(group) or [])] if group else [("", loaded)]
        for prefix, level in levels:
            a, b = level.get(first), level.get(second)
            if a is None or b is None or isinstance(a, datetime) != isinstance(b, datetime):
                continue
            if b < a:
                errors.setdefault(prefix + second, []).append(
                    translatable(
                        "Cette date précède celle qu'elle doit suivre (%(earlier)s).",
                        earlier=_label_of(form, group, first),
                    )
                )


def _label_of(form: Form, group: str, name: str) -> Message | str:
    specs = form.field(group).fields if group else tuple(form.fields())
    return next((spec.label for spec in specs if spec.name == name), name)


def _tidy(value: Any) -> Any:
    """Texts stripped, an empty text or list as ``null``, a repeated choice once."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list):
        items = [_tidy(v) for v in value]
        if all(isinstance(v, str) for v in items):  # a multiple choice
            items = list(dict.fromkeys(items))
        items = [v for v in items if v not in (None, {})]
        return items or None
    if isinstance(value, dict):
        tidied = {k: _tidy(v) for k, v in value.items()}
        return {k: v for k, v in tidied.items() if v is not None}
    return value


def _texts(form: Form, data: Mapping[str, Any]):
    """Every text of *data*, with its path and its field."""
    for spec in form.fields():
        value = data.get(spec.name)
        if spec.kind in _TEXT_KINDS and isinstance(value, str):
            yield spec.name, spec, value
        elif spec.kind == Kind.GROUP and isinstance(value, list):
            for n, row in enumerate(value):
                for sub in spec.fields:
                    if sub.kind in _TEXT_KINDS and isinstance(row, dict) and isinstance(row.get(sub.name), str):
                        yield f"{spec.name}.{n}.{sub.name}", sub, row[sub.name]


def _put(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    target: Any = data
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    target[parts[-1]] = value


def typed(form: Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored data as Python values: dates as :class:`date`, moments as aware :class:`datetime`."""
    return schema_for(form).load({k: v for k, v in data.items() if k in schema_for(form).fields})


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


__all__ = [
    "Checked",
    "check",
    "date",
    "datetime",
    "flatten",
    "is_empty",
    "reporter_schema_class",
    "schema_for",
    "typed",
]
