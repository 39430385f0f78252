"""Email composition: a pure function of a template, a language and a context.

Text and HTML from Jinja2 templates under ``templates/emails/``; the subject is the
``subject`` block of the text template. Emails carry the report's reference and product,
never patient data.

Each email is written in its recipient's language: the templates' ``_()`` and ``ngettext()``
read the language from the render's ``lang`` and look it up in the Babel catalogues the pages
use (so one environment serves every recipient, whatever thread composes); dates and months
are Babel's formats for that language, in Europe/Paris.
"""

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from routing.messages import CATEGORY_LABELS, EVENT_KIND_LABELS, QUEUE_LABELS
from routing.scales import imputability_label
from routing.vocabulary import Category, EventKind, Queue
from vigilance import i18n
from vigilance.labels import STATUS_LABELS, UNASSESSED_LABELS, label, status_count
from vigilance.outbox import Email

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def local_time(moment: datetime | None, language: str) -> str:
    """A moment as read in Paris: 3 nov. 2026, 14:05."""
    return i18n.format_moment(moment, language)


def local_date(moment, language: str) -> str:
    """A day (or the local day of a moment) as people write it: 3 nov. 2026."""
    return i18n.format_day(moment, language)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.gettext(message, i18n.supported(context.get("lang")))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return i18n.ngettext(singular, plural, count, i18n.supported(context.get("lang")))


def imputability_name(level: str, queue: str, language: str) -> str:
    """An imputability level of *queue*'s scale, or "not assessed", as people read it."""
    if level in UNASSESSED_LABELS:
        return label(UNASSESSED_LABELS, level, language)
    return i18n.say(imputability_label(queue, level), language)


def _enum_label(table, enum, value: str, language: str) -> str:
    try:
        return i18n.say(table[enum(value)], language)
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
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.filters["queue_label"] = lambda queue, language: i18n.say(QUEUE_LABELS[Queue(queue)], language)
    env.filters["local_time"] = local_time
    env.filters["local_date"] = local_date
    env.filters["status_label"] = lambda status, language: label(STATUS_LABELS, status, language)
    env.filters["status_count"] = lambda count, status, language: status_count(status, count).render(language)
    env.filters["level_label"] = lambda level, language: label(UNASSESSED_LABELS, level, language)
    env.filters["imputability_label"] = imputability_name
    env.filters["category_label"] = lambda value, language: _enum_label(CATEGORY_LABELS, Category, value, language)
    env.filters["event_kind_label"] = lambda value, language: _enum_label(EVENT_KIND_LABELS, EventKind, value, language)
    env.filters["percent"] = i18n.format_rate
    env.filters["signed"] = lambda number: f"{number:+d}" if number else "="
    return env


def compose(kind: str, language: str, **context) -> Email:
    """Render ``emails/<kind>.txt`` and ``.html`` in *language*."""
    language = i18n.supported(language)
    env = environment()
    context = {"lang": language, "colon": i18n.colon(language), "semicolon": i18n.semicolon(language), **context}
    text_template = env.get_template(f"emails/{kind}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(context))).strip()
    return Email(
        # One line; not str.split(), which would also eat the non-breaking spaces of French typography.
        subject=re.sub(r"[ \t\r\n]+", " ", subject),
        text=text_template.render(context),
        html=env.get_template(f"emails/{kind}.html").render(context),
    )
