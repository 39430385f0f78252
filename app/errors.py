"""Errors: JSON in the contract's shape for the API, an HTML page for people.

``{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {"field.path": ["..."]}}``
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from app.i18n import select_locale
from app.language import response_language
from app.validation_messages import translate, translate_all
from vigilance.errors import InvalidInput, VigilanceError
from vigilance.i18n import translatable

API_PREFIX = "/api/"

# Field paths say where in the body a problem is; the webargs location adds nothing to that,
# except for the body as a whole (malformed JSON), which gets a name a client can show.
_WHOLE_LOCATION = {"json": "body", "query": "query", "headers": "headers"}


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"product.features.origin": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "body"
            flat_value = flatten_messages(value, path)
            for k, v in flat_value.items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "body"] = list(messages)
        else:
            for index, item in enumerate(messages):
                flat.update(flatten_messages(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "body"] = [str(messages)]
    return flat


def field_errors(messages: Any) -> dict[str, list[str]]:
    """Field errors from webargs messages keyed by location (``{"json": {...}}``)."""
    if not isinstance(messages, Mapping):
        return flatten_messages(messages)
    errors: dict[str, list[str]] = {}
    for location, content in messages.items():
        if isinstance(content, list | tuple) and all(isinstance(m, str) for m in content):
            errors.setdefault(_WHOLE_LOCATION.get(location, location), []).extend(content)
        elif location in ("json", "query", "form", "files"):
            for k, v in flatten_messages(content).items():
                errors.setdefault(k, []).extend(v)
        else:
            for k, v in flatten_messages(content, location).items():
                errors.setdefault(k, []).extend(v)
    return errors


class ErrorSchema(Schema):
    """Every error answer of the API, as its OpenAPI document declares it."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True, metadata={"description": "The status's name."})
    message = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "The problems per field path (``request`` for the request as a whole)."},
    )
    current = fields.Dict(
        metadata={"description": "An edit refused as stale: the newer version it was refused against, to compare."}
    )


_ERROR_SCHEMA = ErrorSchema()


def json_error(
    status: int, message: str | None = None, errors: Mapping | None = None, headers=None, current: Mapping | None = None
):
    """A JSON error response in the contract's shape (*current*: what a stale edit was refused against)."""
    name = _status_name(status)
    body: dict[str, Any] = {
        "code": status,
        "status": name,
        "message": message or name,
        # Clients read one shape: problems that belong to no field are the request's.
        "errors": dict(errors) if errors else {"request": [message or name]},
    }
    if current is not None:
        body["current"] = dict(current)
    response = jsonify(_ERROR_SCHEMA.dump(body))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX) or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
        and not request.accept_mimetypes.accept_html
    )


_SOME_FIELDS_INVALID = translatable("Certains champs sont invalides : voir errors.")
#: What an API client reads for HTTP's own refusals (werkzeug says them in English only).
_STATUS_MESSAGES = {
    400: translatable("Requête incorrecte."),
    401: translatable("Authentification requise."),
    403: translatable("Vous n'avez pas accès à cette ressource."),
    404: translatable("Rien à cette adresse."),
    405: translatable("Cette méthode n'est pas permise à cette adresse."),
    406: translatable("Aucune des réponses possibles n'est acceptée par le client."),
    413: translatable("Requête trop volumineuse."),
    415: translatable("Type de contenu non pris en charge."),
    429: translatable("Trop de requêtes : réessayez plus tard."),
    500: translatable("Erreur interne du service : réessayez plus tard."),
    503: translatable("Service momentanément indisponible : réessayez plus tard."),
}


def _handle_http_exception(exc: HTTPException):
    if wants_json():
        data = getattr(exc, "data", None) or {}
        # webargs' and marshmallow's messages, and the project's, in the client's language.
        language = response_language()
        messages = translate_all(data.get("messages"), language)
        errors = field_errors(messages) if messages else None
        if data.get("message"):
            message = translate(data["message"], language)
        elif exc.code == 422:
            message = _SOME_FIELDS_INVALID.render(language)
        elif exc.code in _STATUS_MESSAGES and exc.description == type(exc).description:
            message = _STATUS_MESSAGES[exc.code].render(language)
        else:
            message = exc.description
        headers = dict(exc.get_headers())
        headers.pop("Content-Type", None)
        headers.update(data.get("headers") or {})
        return json_error(exc.code or 500, message, errors, headers)
    return render_template("errors/error.html", error=exc), exc.code


_DOMAIN_STATUS = {
    "not_found": 404,
    "forbidden": 403,
    "conflict": 409,
    "unauthenticated": 401,
    "invalid": 422,
    "too_large": 413,
}


def _handle_domain_error(exc: VigilanceError):
    status = _DOMAIN_STATUS.get(exc.code, 400)
    language = response_language() if wants_json() else select_locale()
    message = exc.say(language)
    # A domain check may pass marshmallow's own (English) messages on: said in the reader's words.
    field_messages = translate_all(exc.errors, language) if isinstance(exc, InvalidInput) else None
    if wants_json():
        errors = field_messages
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return json_error(status, message, errors, headers)
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path))
    # Refused input a page's own form did not catch (it shows errors next to their fields): the
    # problems are listed here, field by field, rather than only said to exist.
    problems = field_messages or {}
    return render_template("errors/error.html", error=_PageError(status, message), problems=problems), status


class _PageError:
    def __init__(self, code: int, description: str, name: str | None = None):
        self.code = code
        self.name = name or _status_name(code)
        self.description = description


_FORM_EXPIRED = translatable("Formulaire expiré")
_FORM_EXPIRED_HOW = translatable(
    "Le formulaire est resté ouvert trop longtemps, ou votre session a pris fin : "
    "revenez à la page, rechargez-la et recommencez."
)


def csrf_refused(_exc: CSRFError):
    """A form whose CSRF token expired or is missing: said in the reader's language, not werkzeug's
    English. The report form keeps what was typed (``app.pages.reports.form_expired``)."""
    language = response_language() if wants_json() else select_locale()
    message = _FORM_EXPIRED_HOW.render(language)
    if wants_json():
        return json_error(400, message, {"csrf_token": [message]})
    page_error = _PageError(400, message, _FORM_EXPIRED.render(language))
    return render_template("errors/error.html", error=page_error), 400


def _handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _handle_http_exception(exc)
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise exc
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(VigilanceError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
