"""An authority's declaration form described as data: its sections, their fields, who fills them.

A form is read, not coded: the page draws it, the API documents it, the validation schema is
generated from it (``vigilance.case_file.validation``) and ``missing`` reads it to say what is
still needed before it can be sent. Each vigilance's form is one module of this package holding
one :class:`Form`, in the authority's own order and French wording.

Where the wording, the order or a value list comes from: ``docs/declaration-forms.md``, which
marks each field **READ** (read in a named source) or **INFERRED** (reconstructed). Every
field here carries that mark (``source``), so that nobody mistakes an inferred list for the
authority's; the page and the API show it too.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from vigilance.i18n import Message


class Kind(StrEnum):
    """What a field holds, as JSON carries it in the case file's data."""

    #: One line of free text (a string).
    TEXT = "text"
    #: Several lines of free text (a string).
    LONG_TEXT = "long_text"
    #: A day: ``"YYYY-MM-DD"``.
    DATE = "date"
    #: A moment with its offset: ISO 8601 (``"2026-11-20T14:30:00+01:00"``).
    DATETIME = "datetime"
    #: A number in the field's ``unit``.
    NUMBER = "number"
    #: One code from ``choices``.
    CHOICE = "choice"
    #: Several codes from ``choices`` (a list).
    MULTI_CHOICE = "multi_choice"
    #: ``true`` or ``false``.
    YES_NO = "yes_no"
    #: A list of rows, each an object of the group's ``fields`` (units transfused, medicines...).
    GROUP = "group"


class Filler(StrEnum):
    """Who fills a field in: the clinician when filing (the correspondent may correct it), or the
    correspondent alone, on the item."""

    REPORTER = "reporter"
    CORRESPONDENT = "correspondent"


#: The marks of ``docs/declaration-forms.md``.
READ = "READ"
INFERRED = "INFERRED"


@dataclass(frozen=True)
class Choice:
    #: Stored in the data; never translated.
    code: str
    label: Message


@dataclass(frozen=True)
class Field:
    #: The key in the data (unique in its form, or in its group), and in error paths.
    name: str
    #: The form's own wording (French msgid; English in the catalogues).
    label: Message
    kind: Kind
    #: READ or INFERRED, and where from (``"READ S17"``, ``"INFERRED"``).
    source: str
    filled_by: Filler = Filler.CORRESPONDENT
    #: Needed before the form can be sent (for a group: at least one row).
    needed: bool = False
    #: Not needed when any of these fields of the same level is filled (``birth year`` or ``age``).
    unless: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    #: A number's unit, as the form prints it (``kg``, ``m``, ``ans``).
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    #: The longest text accepted.
    max_length: int = 500
    #: A text that is a donation number: checked with ``routing.identifiers``.
    donation_number: bool = False
    #: A text of 1 to 4 letters (initials; never a name).
    initials: bool = False
    #: A group's fields.
    fields: tuple["Field", ...] = ()
    #: A group's largest number of rows.
    max_rows: int = 30
    help: Message | None = None

    def __post_init__(self):
        if (self.kind in (Kind.CHOICE, Kind.MULTI_CHOICE)) != bool(self.choices):
            raise ValueError(f"{self.name}: choices go with a choice, and only with one")
        if (self.kind == Kind.GROUP) != bool(self.fields):
            raise ValueError(f"{self.name}: fields go with a group, and only with one")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(choice.code for choice in self.choices)

    def choice_label(self, code: str) -> Message | str:
        return next((c.label for c in self.choices if c.code == code), code)


@dataclass(frozen=True)
class Section:
    #: Stable key of the section (``missing`` is keyed by it).
    name: str
    title: Message
    fields: tuple[Field, ...]
    source: str = INFERRED


@dataclass(frozen=True)
class Form:
    #: The form's id, stored with each case file (``feir``, ``cerfa_10011``).
    id: str
    title: Message
    #: The authority and the form's official reference, as read.
    authority: str
    reference: str
    sections: tuple[Section, ...]
    #: Whether the section order is the form's (READ) or a proposal (INFERRED).
    order_source: str = INFERRED
    notes: tuple[Message, ...] = field(default_factory=tuple)
    #: Where the authority takes the form by email when its platform is down (e-FIT's degraded
    #: procedure), as read in a source; ``None`` until read (never guessed).
    address: str | None = None
    #: Pairs of dates or moments (``earlier``, ``later``) where the later may not come first: top-level
    #: fields, or a group's (``"medicines.started_on"``, ``"medicines.ended_on"``: in each row).
    sequences: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        names = [f.name for f in self.fields()]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.id}: a field name is used twice")

    def fields(self) -> Iterator[Field]:
        """Every top-level field, in the form's order."""
        for section in self.sections:
            yield from section.fields

    def field(self, name: str) -> Field:
        return next(f for f in self.fields() if f.name == name)

    def reporter_fields(self) -> Iterator[Field]:
        """What the clinician may give when filing: the top-level reporter fields, and the groups
        that have reporter fields (with only those)."""
        for f in self.fields():
            if f.kind == Kind.GROUP:
                if any(sub.filled_by == Filler.REPORTER for sub in f.fields):
                    yield f
            elif f.filled_by == Filler.REPORTER:
                yield f


def choices(*pairs: tuple[str, Message]) -> tuple[Choice, ...]:
    return tuple(Choice(code, label) for code, label in pairs)
