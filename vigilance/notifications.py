"""Email composition: a pure function of a template, a language and a context.

Text and HTML from Jinja2 templates under ``templates/emails/``; the subject is the
``subject`` block of the text template. Emails carry the report's reference and product,
never patient data.
"""

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from routing.messages import CATEGORY_LABELS, EVENT_KIND_LABELS, QUEUE_LABELS
from routing.scales import imputability_label
from routing.vocabulary import Category, EventKind, Queue
from vigilance.clock import PARIS
from vigilance.labels import STATUS_LABELS, UNASSESSED_LABELS, label
from vigilance.outbox import Email

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_MONTHS = {
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def local_time(moment: datetime | None, language: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    return f"{local.day} {_MONTHS[language][local.month - 1]} {local.year}, {local:%H:%M}"


def local_date(moment, language: str) -> str:
    """A day (or the local day of a moment) as people write it: 3 nov. 2026."""
    if moment is None:
        return ""
    day = moment.astimezone(PARIS).date() if isinstance(moment, datetime) else moment
    return f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"


def imputability_name(level: str, queue: str, language: str) -> str:
    """An imputability level of *queue*'s scale, or "not assessed", as people read it."""
    if level in UNASSESSED_LABELS:
        return label(UNASSESSED_LABELS, level, language)
    return imputability_label(queue, level, language)


def _enum_label(table, enum, value: str, language: str) -> str:
    try:
        return table[enum(value)][language]
    except (ValueError, KeyError):
        return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates change with a deploy, which restarts the process: no stat() of each
        # template file on every email (a worker composes thousands a minute).
        auto_reload=False,
    )
    env.filters["queue_label"] = lambda queue, language: QUEUE_LABELS[Queue(queue)][language]
    env.filters["local_time"] = local_time
    env.filters["local_date"] = local_date
    env.filters["status_label"] = lambda status, language: label(STATUS_LABELS, status, language)
    env.filters["level_label"] = lambda level, language: label(UNASSESSED_LABELS, level, language)
    env.filters["imputability_label"] = imputability_name
    env.filters["category_label"] = lambda value, language: _enum_label(CATEGORY_LABELS, Category, value, language)
    env.filters["event_kind_label"] = lambda value, language: _enum_label(EVENT_KIND_LABELS, EventKind, value, language)
    env.filters["percent"] = lambda rate: "—" if rate is None else f"{rate * 100:.0f} %"
    env.filters["signed"] = lambda number: f"{number:+d}" if number else "="
    return env


def compose(kind: str, language: str, **context) -> Email:
    """Render ``emails/<kind>.txt`` and ``.html`` in *language*."""
    language = language if language in ("fr", "en") else "fr"
    env = environment()
    context = {"lang": language, **context}
    text_template = env.get_template(f"emails/{kind}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(context))).strip()
    return Email(
        subject=" ".join(subject.split()),
        text=text_template.render(context),
        html=env.get_template(f"emails/{kind}.html").render(context),
    )
