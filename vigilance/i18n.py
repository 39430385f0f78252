"""Text the domain says to people, marked for translation without Flask.

The domain does not know who will read what it says: a page's reader, an API client or the
recipient of an email. So it says it with a :class:`Message` (a French message id, found by
``pybabel extract`` through :func:`translatable` and :func:`translatable_plural`, and its
parameters), and whoever knows the reader renders it in their language from the same Babel
catalogues the pages use (``translations/<language>/LC_MESSAGES/messages.mo``).

The rulebook engine, which imports no catalogue, marks its own words the same way with a
:class:`routing.wording.Wording`: :func:`say` renders one like a :class:`Message`, picking the
reader's language from the rulebook's bilingual data it carries (``{"fr": ..., "en": ...}`` from TOML).

Dates, months and numbers are written with Babel's formats for the language, in Europe/Paris.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from routing.wording import Wording
from vigilance.clock import PARIS

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
CATALOGUES = Path(__file__).resolve().parent.parent / "translations"


def colon(language: str | None) -> str:
    """A colon as *language* writes it: French sets it off with a non-breaking space, English does not."""
    return "\u00a0:" if supported(language) == "fr" else ":"


def semicolon(language: str | None) -> str:
    """A semicolon as *language* writes it (see :func:`colon`)."""
    return "\u00a0;" if supported(language) == "fr" else ";"


def supported(language: str | None) -> str:
    """*language* if the service speaks it, else French."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalogue of *language* (read once per process)."""
    return Translations.load(str(CATALOGUES), [supported(language)], domain="messages")


def gettext(msgid: str, language: str) -> str:
    return translations(language).gettext(msgid)


def ngettext(singular: str, plural: str, count: int, language: str) -> str:
    """The form of *count* by the language's plural rule (French: 0 and 1 take the singular)."""
    return translations(language).ngettext(singular, plural, count)


@dataclass(frozen=True)
class Message:
    """A text in no language yet: rendered in the reader's one by :meth:`render`."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: int | Decimal | None = None

    def render(self, language: str | None) -> str:
        return _write(self, supported(language))

    def __str__(self) -> str:
        return self.render(DEFAULT_LANGUAGE)


def _write(text: "Message | Wording", language: str) -> str:
    """A message or an engine's wording in *language* (one the service speaks), parameters included."""
    catalogue = translations(language)
    if text.plural is None:
        written = catalogue.gettext(text.msgid)
    else:
        written = catalogue.ngettext(text.msgid, text.plural, _plural_count(text.count or 0, language))
    # Written for speed (the classify answer renders a dozen of these): plain texts skip render().
    params = {key: value if type(value) is str else render(value, language) for key, value in text.params.items()}
    if text.plural is not None and "num" not in params:
        params["num"] = format_number(text.count or 0, language)
    return written % params if params else written


def _plural_count(count: int | Decimal, language: str) -> int:
    """*count* itself, or for a decimal amount 1 or 2 by CLDR's rule for decimals ("1,9 jour", "1.9 days").

    Both languages have two forms, the first for CLDR's "one": gettext's formula only takes whole numbers.
    """
    if isinstance(count, int):
        return count
    return 1 if Locale.parse(language).plural_form(count) == "one" else 2


def translatable(msgid: str, **params: Any) -> Message:
    """Mark *msgid* (French, ``%(name)s`` for its parameters) as text to say in the reader's language."""
    return Message(msgid, params)


def translatable_plural(singular: str, plural: str, count: int | Decimal, **params: Any) -> Message:
    """Like :func:`translatable`, choosing the form for *count* (``%(num)s`` in the text)."""
    return Message(singular, params, plural=plural, count=count)


def render(value: Any, language: str | None) -> Any:
    """A parameter in *language*: a :class:`Message` or an engine's :class:`~routing.wording.Wording`
    rendered, the rulebook's bilingual text picked, a tuple of texts written as a list; else as it is."""
    if isinstance(value, Message | Wording):
        return _write(value, supported(language))
    if isinstance(value, tuple):
        return ", ".join(str(render(item, language)) for item in value)
    if isinstance(value, dict | Mapping):  # dict first: an ABC's check is slow, and the TOML texts are dicts
        return value.get(supported(language)) or value[DEFAULT_LANGUAGE]
    return value


def format_number(number: float | Decimal, language: str | None) -> str:
    """1234.5 as "1 234,5" in French and "1,234.5" in English; a Decimal keeps its decimals ("1,0")."""
    places = -number.as_tuple().exponent if isinstance(number, Decimal) else 0
    pattern = "#,##0." + "0" * places if places > 0 else None
    return format_decimal(number, format=pattern, locale=supported(language))


def format_rate(rate: float | None, language: str | None) -> str:
    """A share as a percentage: "33 %" in French, "33%" in English; "—" when there is none."""
    return "—" if rate is None else format_percent(rate, locale=supported(language))


def format_day(day: date | datetime | None, language: str | None, pattern: str = "d MMM y") -> str:
    """A day (or the day of a moment, in Europe/Paris) in *language*: "3 nov. 2026", "3 Nov 2026"."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(PARIS).date()
    return format_date(day, pattern, locale=supported(language))


def format_moment(moment: datetime | None, language: str | None, pattern: str = "d MMM y, HH:mm") -> str:
    """A stored UTC moment as read in Europe/Paris, in *language*: "3 nov. 2026, 14:05"."""
    if moment is None:
        return ""
    return format_datetime(moment, pattern, tzinfo=PARIS, locale=supported(language))


def format_month(day: date, language: str | None) -> str:
    """The month of *day* and its year, standalone form: "novembre 2026", "November 2026"."""
    return format_date(day, "LLLL y", locale=supported(language))


def by_language(text: "Message | Wording") -> dict[str, str]:
    """``{"fr": ..., "en": ...}`` for what is stored in both languages (a deadline's description, say)."""
    return {language: say(text, language) for language in LANGUAGES}


def say(text: "Message | Wording | str", language: str | None) -> str:
    """*text* in *language*: a :class:`Message` or an engine's wording rendered, a plain text (a
    name, say) as it is."""
    if isinstance(text, Message | Wording):
        return _write(text, supported(language))
    return text
