"""Printed documents: HTML and CSS templates under ``templates/documents/``, laid out as PDF by
WeasyPrint. No PDF is built by hand here: a document is a template, a plain data object and a
language, and what it looks like on paper is the print stylesheet's (``documents/print.css``:
A4, the establishment, reference and generation time on every page, "page X / Y").

Why in the domain, with a Jinja2 environment of its own rather than Flask's: the worker and the
CLI print too (a declaration sent when e-FIT is down, a case sheet stored with the case), and
neither has a request. The environment is the emails' (``vigilance.notifications``: their label
filters take the language as an argument, so one environment serves every reader) overlaid with
autoescaping for every template and the documents' own filters. Nothing of Flask is imported.

Times are printed in Europe/Paris (``vigilance.clock.PARIS``), as the pages and emails show them.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment

from routing.scales import term_label
from vigilance import i18n, notifications
from vigilance.labels import history_step

DOCUMENTS = notifications.TEMPLATES / "documents"
STYLESHEET = DOCUMENTS / "print.css"


@dataclass(frozen=True)
class Letterhead:
    """What every page of a document says of where it comes from, in its header and footer."""

    title: str
    establishment: str
    finess: str | None
    generated_at: datetime
    #: The case's reference, for a document about one case.
    reference: str | None = None


def numeric_moment(moment: datetime | None, language: str | None = None) -> str:
    """A stored UTC moment as forms and spreadsheets write it, in Paris time: 05/12/2026 14:05."""
    return i18n.format_moment(moment, "fr", "dd/MM/yyyy HH:mm")


def file_size(size: int, language: str) -> str:
    """A size as people read it: 812 o, 14,2 Ko, 3,1 Mo (kB and MB in English)."""
    units = ("o", "Ko", "Mo", "Go") if i18n.supported(language) == "fr" else ("B", "kB", "MB", "GB")
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    if unit == 0:
        return f"{size} {units[0]}"
    return f"{i18n.format_number(round(value, 1), language)} {units[unit]}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The emails' environment, escaping every template (documents are HTML), with the documents' filters."""
    env = notifications.environment().overlay(autoescape=True)
    # An overlay shares its parent's filter table: the documents' filters go into a copy.
    env.filters = dict(env.filters)
    env.filters["numeric_moment"] = numeric_moment
    env.filters["file_size"] = file_size
    env.filters["say"] = i18n.say
    env.filters["term_label"] = lambda term, language: i18n.say(term_label(term), language)
    env.filters["history_step"] = lambda event, language: history_step(event.action, event.target, language)
    # A rulebook's text in French and English ({"fr": ..., "en": ...}) in the reader's language.
    env.filters["in_language"] = lambda texts, language: (
        (texts.get(language) or texts.get("fr") or "") if isinstance(texts, dict) else texts
    )
    return env


@lru_cache(maxsize=1)
def _weasyprint():
    """WeasyPrint, imported on the first document: its import (pango, fontconfig, its own default
    stylesheets) takes about 0.7 s here, which no process that never prints should pay (the web
    app's start, the CLI, every test's app)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class FetchNothing(URLFetcher):
        # A document is made of its data and the stylesheet: text typed by a reporter can never
        # make the renderer read a file or call a host (markup in it is escaped anyway).
        def fetch(self, url, headers=None):
            raise ValueError(f"documents fetch nothing: {url}")

    # Its progress is logged at INFO, step by step, for every document: not the service's news.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    fonts = FontConfiguration()
    # Parsed once per process: every document shares it.
    stylesheet = weasyprint.CSS(filename=str(STYLESHEET), font_config=fonts)
    return weasyprint.HTML, stylesheet, fonts, FetchNothing()


def render_html(template: str, language: str, letterhead: Letterhead, context: Mapping[str, Any]) -> str:
    """The HTML of ``documents/<template>`` in *language* (before layout: what the tests can read too)."""
    language = i18n.supported(language)
    return (
        environment()
        .get_template(f"documents/{template}")
        .render(
            {
                "lang": language,
                "colon": i18n.colon(language),
                "semicolon": i18n.semicolon(language),
                "letterhead": letterhead,
                **context,
            }
        )
    )


def pdf_of_html(html: str) -> bytes:
    """*html* (a document of ``templates/documents/``) laid out on A4 pages by the print stylesheet."""
    html_document, stylesheet, fonts, fetcher = _weasyprint()
    # No base URL, and a fetcher that refuses: a document loads nothing, from anywhere.
    return html_document(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet], font_config=fonts)


def render_pdf(template: str, language: str, letterhead: Letterhead, context: Mapping[str, Any]) -> bytes:
    """The PDF of ``documents/<template>`` in *language*, for the plain data in *context*."""
    return pdf_of_html(render_html(template, language, letterhead, context))
