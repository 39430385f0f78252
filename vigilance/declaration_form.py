"""The authority's declaration form of an item, pre-filled from its case file, as a PDF.

One generic template (``documents/declaration.html``) draws any form of
``vigilance.case_file`` from its description: the form's title and reference, each section in
the form's order with its fields' French labels and the case's values, a blank box for what is
still to be written by hand, and the list of what is still missing before sending. Always in
French: it is the authority's form. Pseudonymous: it prints the case file, which holds no name.

Printed, it is also what is sent by email in e-FIT's degraded procedure (the platform down).

Stored as a generated document (``documents.DECLARATION_PDF``), one version per content: the
form is rebuilt with the latest version's stamp (its time and number) and compared byte for
byte, as the E2B message is (``vigilance.exports.e2b``); the same case gives the same version.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, select

from vigilance import documents, i18n, printing
from vigilance.case_file import CaseFile, Field, Form, Kind, case_file_of
from vigilance.case_file.validation import is_empty
from vigilance.item_file import open_item
from vigilance.models import Establishment, GeneratedDocument, QueueItem, Report, User

TEMPLATE = "declaration.html"
MEDIA_TYPE = "application/pdf"
#: The form is the authority's: in French, whoever prints it.
LANGUAGE = "fr"


@dataclass(frozen=True)
class Value:
    """One field as printed: its label, its value written out (``None``: blank, to fill by hand)."""

    name: str
    label: str
    kind: str
    text: str | None
    #: For a blank choice: the options to tick by hand.
    options: tuple[str, ...] = ()
    unit: str = ""
    needed: bool = False
    #: The form's own hint under the label («Préciser si ATU ou RTU le cas échéant»).
    help: str | None = None


@dataclass(frozen=True)
class Table:
    """A repeated group (units, medicines, reactions) as a table: one line per row."""

    name: str
    label: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    needed: bool = False
    #: The columns' hints, as footnotes under the table («Indication : préciser si ATU ou RTU...»).
    helps: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrintedSection:
    name: str
    title: str
    entries: tuple[Value | Table, ...]

    @property
    def blocks(self) -> list[Table | list[Value]]:
        """The entries as they print: consecutive fields in one box of lines, each group a table."""
        blocks: list[Table | list[Value]] = []
        for entry in self.entries:
            if isinstance(entry, Table):
                blocks.append(entry)
            elif blocks and isinstance(blocks[-1], list):
                blocks[-1].append(entry)
            else:
                blocks.append([entry])
        return blocks


@dataclass(frozen=True)
class MissingLine:
    section: str
    what: tuple[str, ...]


@dataclass(frozen=True)
class Declaration:
    """What the form prints, as plain data (the template's only input besides the stamp)."""

    form_id: str
    title: str
    authority: str
    form_reference: str
    address: str | None
    establishment: str
    finess: str | None
    reference: str
    item_id: int
    case_file_version: int
    sections: tuple[PrintedSection, ...]
    missing: tuple[MissingLine, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Stamp:
    """What one stored version says of itself: when it was generated, and its number."""

    generated_at: datetime
    version: int

    @property
    def iso(self) -> str:
        """The stamp as the PDF's creation date: UTC, to the second."""
        return self.generated_at.astimezone(UTC).replace(microsecond=0).isoformat()


def _say(text) -> str:
    return i18n.say(text, LANGUAGE)


def written(spec: Field, value: Any) -> str | None:
    """*value* of *spec* as the form writes it, in French; ``None`` when empty."""
    if is_empty(value):
        return None
    if spec.kind == Kind.DATETIME:
        return printing.numeric_moment(value)
    if spec.kind == Kind.DATE:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return day.strftime("%d/%m/%Y")
    if spec.kind == Kind.CHOICE:
        return _say(spec.choice_label(value))
    if spec.kind == Kind.MULTI_CHOICE:
        return ", ".join(_say(spec.choice_label(code)) for code in value)
    if spec.kind == Kind.YES_NO:
        return "Oui" if value else "Non"
    if spec.kind == Kind.NUMBER:
        # As typed on a form: 1956, 72,5 (no thousands' separator: a year is a number too).
        text = str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
        return f"{text}\u00a0{spec.unit}" if spec.unit else text
    return str(value)


def _entry(spec: Field, values: Mapping[str, Any]) -> Value | Table:
    value = values.get(spec.name)
    if spec.kind == Kind.GROUP:
        return Table(
            spec.name,
            _say(spec.label),
            tuple(_say(sub.label) + (f" ({sub.unit})" if sub.unit else "") for sub in spec.fields),
            tuple(tuple(written(sub, row.get(sub.name)) or "" for sub in spec.fields) for row in value or ()),
            spec.needed,
            tuple(f"{_say(sub.label)}\u00a0: {_say(sub.help)}" for sub in spec.fields if sub.help),
        )
    text = written(spec, value)
    options = tuple(_say(c.label) for c in spec.choices) if text is None else ()
    if text is None and spec.kind == Kind.YES_NO:
        options = ("Oui", "Non")
    return Value(
        spec.name,
        _say(spec.label),
        str(spec.kind),
        text,
        options,
        spec.unit,
        spec.needed,
        _say(spec.help) if spec.help else None,
    )


def _missing(case: CaseFile) -> tuple[MissingLine, ...]:
    lines = []
    for gap in case.missing():
        what = []
        for path, spec in zip(gap.paths, gap.fields, strict=True):
            parts = path.split(".")
            if len(parts) == 3:
                group = case.form.field(parts[0])
                what.append(f"{_say(group.label)}, ligne {int(parts[1]) + 1}\u00a0: {_say(spec.label)}")
            else:
                what.append(_say(spec.label))
        section = _say(gap.section.title)
        # «Évolution» in the section «Évolution»: the section says it.
        lines.append(MissingLine(section, () if what == [section] else tuple(what)))
    return tuple(lines)


def declaration_of(case: CaseFile, *, establishment: Establishment | None, reference: str) -> Declaration:
    """The form of *case* as it prints (no database: what the tests and the bench build too)."""
    form: Form = case.form
    values = case.values
    return Declaration(
        form_id=form.id,
        title=_say(form.title),
        authority=form.authority,
        form_reference=form.reference,
        address=form.address,
        establishment=establishment.name if establishment else "",
        finess=establishment.finess if establishment else None,
        reference=reference,
        item_id=case.item_id,
        case_file_version=case.version,
        sections=tuple(
            PrintedSection(section.name, _say(section.title), tuple(_entry(f, values) for f in section.fields))
            for section in form.sections
        ),
        missing=_missing(case),
        notes=tuple(_say(note) for note in form.notes),
    )


def read_declaration(session: Session, item: QueueItem) -> Declaration:
    """The declaration of *item* (which the caller may open) as its case file stands.

    :raises NotFound: no form is described for the item's vigilance.
    """
    case = case_file_of(session, item)
    report = session.get(Report, item.report_id)
    return declaration_of(
        case, establishment=session.get(Establishment, item.establishment_id), reference=report.reference
    )


def render_html(declaration: Declaration, stamp: Stamp) -> str:
    """The form's HTML before layout (what the tests can read too)."""
    return printing.render_html(TEMPLATE, LANGUAGE, _letterhead(declaration, stamp), _context(declaration, stamp))


def render(declaration: Declaration, stamp: Stamp) -> bytes:
    """The form's PDF: the same bytes for the same declaration and stamp."""
    return printing.render_pdf(TEMPLATE, LANGUAGE, _letterhead(declaration, stamp), _context(declaration, stamp))


def _letterhead(declaration: Declaration, stamp: Stamp) -> printing.Letterhead:
    return printing.Letterhead(
        title=declaration.title,
        establishment=declaration.establishment,
        finess=declaration.finess,
        generated_at=stamp.generated_at,
        reference=declaration.reference,
    )


def _context(declaration: Declaration, stamp: Stamp) -> dict[str, Any]:
    return {"declaration": declaration, "stamp": stamp}


def generate(session: Session, *, item_id: int, actor: User, now: datetime) -> tuple[GeneratedDocument, bool]:
    """The item's declaration form as its case file stands: the latest stored version if it would
    print the same, else a new version (stored and audited).

    :raises NotFound: the item does not exist, *actor* may not open it, or its vigilance has no form.
    :return: the document, and whether it is a new version.
    """
    item = open_item(session, item_id, actor)
    # Locked until commit: two simultaneous generations of one item make one version, not two.
    session.exec(select(QueueItem.id).where(QueueItem.id == item.id).with_for_update()).first()
    declaration = read_declaration(session, item)
    previous = documents.latest(
        session, report_id=item.report_id, queue_item_id=item.id, kind=documents.DECLARATION_PDF
    )
    if previous is not None and render(declaration, Stamp(previous.created_at, previous.version)) == previous.content:
        return previous, False
    version = previous.version + 1 if previous else 1
    return documents.store(
        session,
        report_id=item.report_id,
        queue_item_id=item.id,
        kind=documents.DECLARATION_PDF,
        media_type=MEDIA_TYPE,
        content=render(declaration, Stamp(now, version)),
        actor=actor,
        now=now,
    )
