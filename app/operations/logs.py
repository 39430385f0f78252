"""Log lines: one JSON object a line in production, readable text elsewhere, each with the id of
the request it belongs to, none with a password, a token or a patient's data.

The service logs no request body and no free text of a report; what could still carry a
secret or a patient's data is scrubbed from every line here, whoever wrote it: bearer tokens,
``password=…``-like pairs, passwords in URLs, and the statement parameters SQLAlchemy puts in
its error messages, with PostgreSQL's DETAIL lines (the values of a failed INSERT are a report's
text). Query strings are left out of access lines: a search typed in a filter may hold a name.
"""

import logging
import re
import sys
from typing import IO

from flask import Flask, Response, current_app, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

from app.operations.request_ids import current_request_id, seconds_since_start

access_logger = logging.getLogger("vigilance.access")

#: (pattern, replacement) applied to every formatted line.
_SCRUBBED = (
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"), r"\1\2[redacted]"),
    (
        re.compile(
            r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization|cookie|csrf[_-]?token)"
            r"[\w-]*[\"']?\s*[=:]\s*[\"']?)(?!(?:bearer|basic)\s)[^\s\"',)}\]]+"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"(\w[\w+.-]*://[^:/@\s]+:)[^@\s/]+@"), r"\1[redacted]@"),
    # PostgreSQL's details name the row or key values of a refused statement.
    (re.compile(r"(?m)^DETAIL:.*$"), "DETAIL: [redacted]"),
    # Up to SQLAlchemy's "(Background on this error ...)" line, or to the end when there is none.
    (re.compile(r"\[parameters: .*?(?=\n\(Background on this error|\Z)", re.S), "[parameters: redacted]"),
)
_TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s"
#: Marks the handler this module installs, so that configuring again replaces it.
_OURS = "_vigilance_handler"


def scrub(text: str) -> str:
    """*text* without the secrets and data that must never reach a log."""
    for pattern, replacement in _SCRUBBED:
        text = pattern.sub(replacement, text)
    return text


class _Scrubbing(logging.Formatter):
    """Formats a scrubbed copy of each record: message, exception and stack alike."""

    def format(self, record: logging.LogRecord) -> str:
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args = scrub(record.getMessage()), None
        if record.exc_info:
            copy.exc_text = scrub(record.exc_text or self.formatException(record.exc_info))
            copy.exc_info = None
        elif record.exc_text:
            copy.exc_text = scrub(record.exc_text)
        if record.stack_info:
            copy.stack_info = scrub(record.stack_info)
        return super().format(copy)


class TextLines(_Scrubbing):
    def __init__(self):
        super().__init__(_TEXT_FORMAT)


class JsonLines(_Scrubbing, JsonFormatter):
    def __init__(self):
        JsonFormatter.__init__(
            self,
            _JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "exc_info": "exception"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            json_ensure_ascii=False,
        )


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is written, not when configured: a
    command run inside another program (click's test runner) swaps it, then closes its own."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


class _RequestContext(logging.Filter):
    """Gives every line the id of the request being served ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class _NotTheServersAccessLines(logging.Filter):
    """The development server's own request lines carry the query string: ours replace them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "werkzeug" and str(record.msg).startswith('"%s" %s'))


def configure(*, log_format: str, level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every logger's lines (the service's, Flask's, the servers') to *stream* (stderr)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream) if stream is not None else _StandardError()
    setattr(handler, _OURS, True)
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
    handler.addFilter(_RequestContext())
    handler.addFilter(_NotTheServersAccessLines())
    root.addHandler(handler)
    root.setLevel(level)
    # One line per job run would drown what matters; the jobs log what they do.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic says which dialect and plugins it found each time it looks (every /readyz): the
    # commands that migrate say what they did themselves.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


def configure_for(app: Flask, stream: IO[str] | None = None) -> logging.Handler:
    """Configure logging from the app's settings: LOG_FORMAT (json in production), LOG_LEVEL."""
    handler = configure(log_format=_format_of(app.config), level=app.config["LOG_LEVEL"], stream=stream)
    # Flask's own stderr handler on app.logger would print its lines a second time.
    app.logger.removeHandler(default_handler)
    return handler


def configure_from_environment() -> logging.Handler:
    """Configure logging from the ``VIGILANCE_*`` variables, where there is no app (gunicorn's master)."""
    from app import PROJECT_ROOT
    from app.config import load_config

    settings = load_config(PROJECT_ROOT / "instance")
    return configure(log_format=_format_of(settings), level=settings["LOG_LEVEL"])


def _format_of(settings) -> str:
    return settings.get("LOG_FORMAT") or ("json" if settings["ENV"] == "production" else "text")


def _log_access(response: Response) -> Response:
    if not current_app.config["ACCESS_LOG"]:
        return response
    endpoint = request.url_rule.endpoint if request.url_rule is not None else None
    duration_ms = round(seconds_since_start() * 1000, 1)
    access_logger.info(
        "%s %s %s %.1f ms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": duration_ms,
        },
    )
    return response


def init_app(app: Flask) -> None:
    # Tests read records through pytest's own capture; everywhere else the app logs.
    if not app.testing:
        configure_for(app)
    app.after_request(_log_access)
