"""The data layout of every form, written out for the readers of case files (PDF, E2B, FHIR
builders): ``docs/case-files.md`` is this module's output, and a test keeps it so."""

from vigilance.case_file.description import Field, Form, Kind
from vigilance.case_file.store import _BY_QUEUE, FORMS

_KIND = {
    Kind.TEXT: "text",
    Kind.LONG_TEXT: "text (long)",
    Kind.DATE: '"YYYY-MM-DD"',
    Kind.DATETIME: "ISO 8601 with offset",
    Kind.NUMBER: "number",
    Kind.CHOICE: "one code",
    Kind.MULTI_CHOICE: "list of codes",
    Kind.YES_NO: "true / false",
    Kind.GROUP: "list of objects",
}


def _row(spec: Field, path: str) -> str:
    kind = _KIND[spec.kind] + (f" ({spec.unit})" if spec.unit else "")
    codes = ", ".join(f"`{c.code}`" for c in spec.choices)
    needed = "yes" + (f" (unless {', '.join(spec.unless)})" if spec.unless else "") if spec.needed else ""
    label = spec.label.msgid.replace("|", "/")
    return f"| `{path}` | {label} | {kind} | {codes} | {spec.filled_by.value} | {needed} | {spec.source} |"


def form_markdown(form: Form) -> list[str]:
    queues = ", ".join(
        f"`{queue}`" + (f" ({', '.join(f'`{k}`' for k in found)})" if isinstance(found, dict) else "")
        for queue, found in _BY_QUEUE.items()
        if found is form or (isinstance(found, dict) and form in found.values())
    )
    lines = [
        f"## `{form.id}`: {form.title.msgid}",
        "",
        f"Authority: {form.authority}. Reference: {form.reference}. Section order: {form.order_source}.",
        f"Items of: {queues}.",
        *(
            [f"Dates in order (refused otherwise): {', '.join(f'`{a}` ≤ `{b}`' for a, b in form.sequences)}."]
            if form.sequences
            else []
        ),
        "",
    ]
    for section in form.sections:
        lines += [
            f"### {section.title.msgid} (`{section.name}`)",
            "",
            "| key | French label | value | codes | filled by | needed | source |",
            "|---|---|---|---|---|---|---|",
        ]
        for spec in section.fields:
            lines.append(_row(spec, spec.name))
            for sub in spec.fields:
                lines.append(_row(sub, f"{spec.name}[].{sub.name}"))
        lines.append("")
    return lines


def markdown() -> str:
    lines = [
        "# Case files: the data layout of each declaration form",
        "",
        "Generated from `vigilance/case_file` (`python -m vigilance.case_file.reference > docs/case-files.md`;",
        "`tests/vigilance/test_case_file.py` fails while this file is out of date). The forms' sources",
        "(READ with its source, or INFERRED) are those of `docs/declaration-forms.md`.",
        "",
        "One case file per queue item (table `case_files`: `queue_item_id` unique, `form_id`, `data` (JSON),",
        "`version`, `updated_by`, `updated_at`). `data` is an object whose keys are the form's fields below;",
        'an empty field is absent (never `""`); a group is a list of objects (keys `group[].key`). Read it',
        "with `vigilance.case_file.case_file_of(session, item)`: a `CaseFile` with `form`, `data`, `version`,",
        "`value(key)` and `rows(group)` (Python values: `date`, aware `datetime`, numbers, booleans, lists",
        "of codes) and `missing()` (per section, what is still needed before sending).",
        "",
    ]
    for form in FORMS.values():
        lines += form_markdown(form)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
