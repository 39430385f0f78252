"""The service's CSV exports as spreadsheet software opens them: columns in the reader's language,
the separator and decimal mark that language's spreadsheets expect, and no cell they would run.

French spreadsheets (Excel and LibreOffice set to French) split lines on ``;`` and read ``0,5``
as a number; English ones split on ``,`` and read ``0.5``. A byte-order mark tells both that the
file is UTF-8, so the accents come out right.

A cell starting with ``=``, ``+``, ``-``, ``@`` (and the others below) is a formula to a
spreadsheet: a product name such as ``=HYPERLINK("http://evil","x")`` would come out live.
defusedcsv puts a ``'`` before such a cell (shown as text, never run); it misses the tab and
the carriage return that OWASP also lists, which get the same quote here.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from defusedcsv import csv as defused_csv

from routing.messages import CATEGORY_LABELS, EVENT_KIND_LABELS, QUEUE_LABELS
from routing.scales import term_label
from routing.vocabulary import Category, EventKind, Queue
from vigilance.clock import PARIS
from vigilance.i18n import Message, format_moment, say, supported, translatable
from vigilance.labels import STATUS_LABELS, UNASSESSED_LABELS, label
from vigilance.notifications import imputability_name
from vigilance.statistics import Case

if TYPE_CHECKING:
    from vigilance.line_list import CaseLine


@dataclass(frozen=True)
class SpreadsheetDialect:
    delimiter: str
    decimal_mark: str


DIALECTS = {"fr": SpreadsheetDialect(";", ","), "en": SpreadsheetDialect(",", ".")}
#: Formula starts that defusedcsv lets through (it handles = + - @ | %).
_ALSO_FORMULA_STARTS = ("\t", "\r")

FIGURE_COLUMNS = (
    translatable("Indicateur"),
    translatable("Système de vigilance"),
    translatable("Clé"),
    translatable("Valeur"),
)
ACTIVITY_COLUMNS = (
    translatable("Rubrique"),
    translatable("Système de vigilance"),
    translatable("Clé"),
    translatable("Valeur"),
)
SERIOUS_CASE_COLUMNS = (
    translatable("Référence"),
    translatable("Système de vigilance"),
    translatable("Reçu le"),
    translatable("Catégorie"),
    translatable("Nature de l'événement"),
    translatable("Produit"),
    translatable("Grade"),
    translatable("Imputabilité"),
    translatable("Statut"),
)

#: A queue's line list (vigilance.line_list), one row per item.
LINE_LIST_COLUMNS = (
    translatable("Référence"),
    translatable("Reçu le"),
    translatable("Survenu le"),
    translatable("Système de vigilance"),
    translatable("Catégorie"),
    translatable("Produit(s)"),
    translatable("Gravité"),
    translatable("Grade de sévérité"),
    translatable("Statut"),
    translatable("Attribué à"),
    translatable("Échéance"),
    translatable("État du délai"),
    translatable("Déclaré à"),
    translatable("Déclaré le"),
)


def csv_text(columns: Sequence[Message], rows: Iterable[Sequence[Any]], language: str) -> str:
    """A CSV file for *language*'s spreadsheets (``fr`` or ``en``): byte-order mark, header, rows."""
    language = supported(language)
    dialect = DIALECTS[language]
    buffer = io.StringIO()
    writer = defused_csv.writer(buffer, delimiter=dialect.delimiter)
    writer.writerow([say(column, language) for column in columns])
    writer.writerows([_cell(value, dialect) for value in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def _cell(value: Any, dialect: SpreadsheetDialect) -> Any:
    if isinstance(value, float):
        return str(value).replace(".", dialect.decimal_mark)
    if isinstance(value, str) and value.startswith(_ALSO_FORMULA_STARTS):
        return "'" + value
    return value


def serious_case_rows(cases: Iterable[Case], language: str) -> list[tuple[str, ...]]:
    """The serious cases as the activity report lists them, in *language*'s words."""
    return [
        (
            case.reference,
            _enum_label(QUEUE_LABELS, Queue, case.queue, language),
            case.received_at.astimezone(PARIS).date().isoformat(),
            _enum_label(CATEGORY_LABELS, Category, case.category, language),
            _enum_label(EVENT_KIND_LABELS, EventKind, case.event_kind, language),
            case.product,
            label(UNASSESSED_LABELS, case.severity, language),
            imputability_name(case.imputability, case.queue, language),
            label(STATUS_LABELS, case.status, language),
        )
        for case in cases
    ]


#: A line list's deadline that is still open but past due.
_OVERDUE = translatable("en retard")
_SERIOUS = {True: translatable("grave"), False: translatable("non grave")}


def moment_cell(moment: datetime | None) -> str:
    """A moment as French spreadsheets read a date and time: 05/12/2026 14:05, in Paris time."""
    return format_moment(moment, "fr", "dd/MM/yyyy HH:mm") if moment else ""


def line_list_rows(lines: "Iterable[CaseLine]", language: str) -> list[tuple]:
    """A queue's line list (``vigilance.line_list``) in *language*'s words, one row per item."""
    language = supported(language)
    rows = []
    for line in lines:
        if line.deadline_state == "overdue":
            state = say(_OVERDUE, language)
        else:
            state = label(STATUS_LABELS, line.deadline_state, language) if line.deadline_state else ""
        rows.append(
            (
                line.reference,
                moment_cell(line.received_at),
                moment_cell(line.occurred_at),
                _enum_label(QUEUE_LABELS, Queue, line.queue, language),
                _enum_label(CATEGORY_LABELS, Category, line.category, language),
                " + ".join(line.products),
                say(_SERIOUS[line.serious], language),
                line.severity_grade if line.severity_grade is not None else "",
                label(STATUS_LABELS, line.status, language),
                line.assignee or "",
                moment_cell(line.deadline_due_at),
                state,
                " ; ".join(say(term_label(d.authority), language) for d in line.declarations),
                " ; ".join(moment_cell(d.declared_at) for d in line.declarations),
            )
        )
    return rows


def _enum_label(table, enum, value: str, language: str) -> str:
    try:
        return say(table[enum(value)], language)
    except (ValueError, KeyError):
        return value
