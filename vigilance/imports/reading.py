"""What every import shares: reading a file's text and records, problems by line, the outcome."""

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from vigilance.clock import PARIS
from vigilance.i18n import Message, translatable

#: ``progress(phase, done, total)``: *phase* is ``check`` or ``store``, *done* of *total* records.
Progress = Callable[[str, int, int], None]

#: The most records one file may hold (a national FINESS extract holds about 100,000 lines).
MAX_RECORDS = 500_000


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of one record: *line* is the file's line (from 1), or the
    position of a case in a JSON list (from 1)."""

    line: int
    field: str
    message: Message


@dataclass
class Outcome:
    """What a dry run found, or what an import did."""

    kind: str
    sha256: str
    records: int
    problems: list[Problem]
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stored: bool = False


@dataclass
class Checked:
    """A file read and checked: its records ready to store (each kind's own), and its problems."""

    records: int
    problems: list[Problem]
    ready: list[Any] = field(default_factory=list)
    #: What storing would do: counts of ``created``, ``updated``, ``unchanged``.
    would: dict[str, int] = field(default_factory=dict)
    #: The kind's own context (the establishment the cases belong to...).
    context: dict[str, Any] = field(default_factory=dict)


def text_of(data: bytes) -> str:
    """A file's text: UTF-8 (with or without its byte order mark), else Windows-1252, the
    encoding of the FINESS extracts and of spreadsheets saved as CSV by French office suites."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV text with the line it starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next_line = 1
    for row in reader:
        start, next_line = next_line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        yield start, row


def sniff_delimiter(first_line: str) -> str:
    """``;`` (French spreadsheets) when the header has more of them than commas, else ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def header_records(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str], list[Problem]]:
    """The records of a CSV with a header line, as dicts keyed by the header's (lower-case) names."""
    first = text.split("\n", 1)[0]
    rows = csv_rows(text, sniff_delimiter(first))
    try:
        _, header = next(rows)
    except StopIteration:
        return [], [], [Problem(1, "file", translatable("Le fichier est vide."))]
    names = [name.strip().lower() for name in header]
    records, problems = [], []
    for line, row in rows:
        if len(row) > len(names):
            problems.append(
                Problem(
                    line,
                    "file",
                    translatable(
                        "%(count)s champs, plus que les %(expected)s de l'en-tête.", count=len(row), expected=len(names)
                    ),
                )
            )
            continue
        records.append((line, {name: value.strip() for name, value in zip(names, row, strict=False)}))
        if len(records) > MAX_RECORDS:
            problems.append(
                Problem(line, "file", translatable("Plus de %(count)s enregistrements.", count=MAX_RECORDS))
            )
            break
    return records, names, problems


def json_records(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """The objects of a JSON list (or of ``{"cases": [...]}``), each with its position from 1."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        line = getattr(error, "lineno", 1)
        return [], [Problem(line, "file", translatable("JSON illisible : %(error)s.", error=getattr(error, "msg", "")))]
    if isinstance(value, dict) and isinstance(value.get("cases"), list):
        value = value["cases"]
    if not isinstance(value, list):
        return [], [Problem(1, "file", translatable("Une liste d'objets est attendue."))]
    records, problems = [], []
    for position, item in enumerate(value[: MAX_RECORDS + 1], start=1):
        if not isinstance(item, dict):
            problems.append(Problem(position, "file", translatable("Un objet est attendu.")))
            continue
        records.append((position, {str(k).strip().lower(): v for k, v in item.items()}))
    return records, problems


def moment(text: str, *, end_of_day: bool = False) -> datetime:
    """A moment as spreadsheets write it: ISO 8601 (a time without offset is the time in France),
    or a day alone (``2023-05-17``, ``17/05/2023``): its start, or its last moment if *end_of_day*.

    :raises ValueError: none of these.
    """
    text = text.strip()
    day = _day(text)
    if day is not None:
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=PARIS)
    value = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text)
    return value if value.tzinfo is not None else value.replace(tzinfo=PARIS)


def _day(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


#: Yes and no as people write them, in French or English.
YES = frozenset({"1", "true", "yes", "y", "oui", "o", "vrai", "x"})
NO = frozenset({"0", "false", "no", "n", "non", "faux", ""})


def boolean(value: Any) -> bool | None:
    """True, False, or None when *value* is neither yes nor no."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in YES:
        return True
    if text in NO:
        return False
    return None
