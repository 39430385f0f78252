"""What a form still needs before it can be sent, section by section."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vigilance.case_file.description import Field, Form, Kind, Section
from vigilance.case_file.validation import is_empty


@dataclass(frozen=True)
class Missing:
    """One section's fields still needed: their paths in the data (``units.0.product_code``) and
    their fields (for their labels)."""

    section: Section
    paths: tuple[str, ...]
    fields: tuple[Field, ...]


def _needed(spec: Field, level: Mapping[str, Any]) -> bool:
    return spec.needed and not any(not is_empty(level.get(other)) for other in spec.unless)


def missing(form: Form, data: Mapping[str, Any]) -> list[Missing]:
    """Per section of *form*, in its order, the needed fields that *data* leaves empty; only the
    sections that lack something. A needed group lacks at least one row; each of its rows lacks
    its needed fields."""
    found: list[Missing] = []
    for section in form.sections:
        paths: list[str] = []
        specs: list[Field] = []
        for spec in section.fields:
            value = data.get(spec.name)
            if spec.kind == Kind.GROUP and not is_empty(value):
                for n, row in enumerate(value):
                    for sub in spec.fields:
                        if _needed(sub, row) and is_empty(row.get(sub.name)):
                            paths.append(f"{spec.name}.{n}.{sub.name}")
                            specs.append(sub)
            elif _needed(spec, data) and is_empty(value):
                paths.append(spec.name)
                specs.append(spec)
        if paths:
            found.append(Missing(section, tuple(paths), tuple(specs)))
    return found
