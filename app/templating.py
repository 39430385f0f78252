"""What templates may use: times in the service's zone, labels in the reader's language."""

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_wtf.csrf import generate_csrf
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from app.auth import page_user
from routing.identifiers import read_donation_number
from routing.messages import CATEGORY_LABELS, EVENT_KIND_LABELS, QUEUE_LABELS
from routing.scales import imputability_label, term_label
from routing.vocabulary import Category, EventKind, Queue
from vigilance import i18n
from vigilance.i18n import say
from vigilance.labels import ROLE_LABELS, STATUS_LABELS, history_step, label, status_count


class _CompiledOncePerProcess(BytecodeCache):
    """Each template compiled once per process, however many apps the process builds.

    The test suite builds an app per test, and each app's environment compiled every template it
    rendered again: 26 s of a 160 s profile of 1,234 page and API tests (2026-12-05). A bucket is
    named by the template and checked against its source, so an edited template compiles again;
    every app's environment is configured alike by ``create_app``.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledOncePerProcess()


def local_time(moment: datetime | None, style: str = "medium") -> str:
    """A stored UTC time as the reader sees it: in Europe/Paris, in their language."""
    if moment is None:
        return ""
    return format_datetime(moment, "d MMM y, HH:mm" if style == "medium" else "dd/MM/y HH:mm")


def _label(table, enum, value: str) -> str:
    language = str(get_locale() or "fr")
    try:
        return say(table[enum(value)], language)
    except (ValueError, KeyError):
        return value


def status_label(status: str) -> str:
    return label(STATUS_LABELS, status, _language())


def _language() -> str:
    return str(get_locale() or "fr")


def init_app(app: Flask) -> None:
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    app.jinja_env.filters["day"] = lambda day: format_date(day, "d MMM y") if day else ""
    app.jinja_env.filters["term_label"] = lambda term: say(term_label(term), _language())
    # A domain message (vigilance.i18n.translatable) in the page's language.
    app.jinja_env.filters["say"] = lambda text: say(text, _language())
    app.jinja_env.filters["imputability_label"] = lambda level, queue: say(
        imputability_label(queue, level), _language()
    )
    app.jinja_env.filters["role_label"] = lambda role: label(ROLE_LABELS, role, _language())
    app.jinja_env.filters["history_step"] = lambda event: history_step(event.action, event.target, _language())
    app.jinja_env.filters["status_label"] = status_label
    # A donation number in no format known here: kept as typed, unchecked (routing.identifiers).
    app.jinja_env.filters["unknown_donation_format"] = lambda number: bool(
        number and number.strip() and read_donation_number(number).unknown_format
    )
    # "3 nouveaux": a count of items in a status, in the form its number takes.
    app.jinja_env.filters["status_count"] = lambda count, status: status_count(status, count).render(_language())
    app.jinja_env.filters["reject_keys"] = lambda mapping, *keys: {k: v for k, v in mapping.items() if k not in keys}
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["queue_label"] = lambda v: _label(QUEUE_LABELS, Queue, v)
    app.jinja_env.filters["category_label"] = lambda v: _label(CATEGORY_LABELS, Category, v)
    app.jinja_env.filters["event_kind_label"] = lambda v: _label(EVENT_KIND_LABELS, EventKind, v)

    @app.context_processor
    def page_globals():
        user = page_user()
        return {
            "works_queues": bool(user and (user.vigilances or user.is_coordinator)),
            "current_user": page_user(),
            "lang": str(get_locale() or "fr"),
            "colon": i18n.colon(str(get_locale() or "fr")),
            "csrf_token": generate_csrf,
            "event_kinds": [k.value for k in EventKind],
        }
