"""The JSON API under ``/api/v1``, documented by flask-smorest's generated OpenAPI."""

import flask_smorest
from flask import Flask, request
from flask_smorest import Api
from flask_smorest.spec import openapi_cli
from werkzeug.routing import IntegerConverter

from app.attachment_doors import UPLOAD_ENDPOINTS
from app.errors import API_PREFIX, ErrorSchema

_BODY_METHODS = ("POST", "PUT", "PATCH")
#: Blueprints of the JSON API, called with bearer tokens (no cookies, so no CSRF).
API_BLUEPRINTS = (
    "classify",
    "reports",
    "drafts",
    "triage",
    "attachments",
    "documents",
    "case_exports",
    "case_files",
    "api-docs",
)
#: Those whose every route needs a bearer token (``app.auth.token_required``).
TOKEN_BLUEPRINTS = ("reports", "drafts", "triage", "attachments", "documents", "case_exports", "case_files")


def _require_json_body():
    # webargs would read a form-encoded or text body as "no JSON" and answer with a list of
    # missing fields; saying what is actually wrong is kinder.
    # An unknown route or method is answered 404 or 405 first, whatever the body.
    if request.method not in _BODY_METHODS or request.routing_exception is not None:
        return
    if request.path.startswith(API_PREFIX):
        if not request.content_length and not request.data:
            return  # no body: the view says whether it needed one
        mimetype = request.mimetype
        if mimetype == "multipart/form-data" and request.endpoint in UPLOAD_ENDPOINTS:
            return  # a file, with its form
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            flask_smorest.abort(
                400,
                message="The request body must be JSON (Content-Type: application/json).",
                messages={"json": ["Expected Content-Type: application/json."]},
            )
    return


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route, pages included: a number a row id can be (the databases' 32-bit
    integers), so that a larger one is a plain 404 rather than an overflow in the driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class DocumentedApi(Api):
    """flask-smorest's Api, documenting errors as ``app.errors`` writes them, status by status.

    The OpenAPI document is a function of the code alone (the blueprints and their schemas are
    module-level), so it is written once per process and later apps reuse it: documenting every
    operation costs about 60 ms per app (deep copies and schema resolution in apispec), which the
    test suite, building one app per test, paid about six hundred times; and so is the part of
    the document flask-smorest writes before any operation (``_init_spec``: as much again).
    """

    ERROR_SCHEMA = ErrorSchema
    # No catch-all ``default`` answer: each operation names the errors it may give
    # (``app.api.errors.declares_errors``), which a client can then rely on.
    DEFAULT_ERROR_RESPONSE_NAME = None
    _written_document = None

    def _init_spec(self, **options) -> None:
        written = DocumentedApi._written_document
        if written is None:
            super()._init_spec(**options)
            return
        # The document is written: its plugins, fields and default responses are in it already
        # (registering them again cost about as much as documenting the operations).
        self.spec = written
        self.flask_plugin, self.ma_plugin = written.plugins[:2]
        self._app.cli.add_command(openapi_cli)

    def register_blueprints(self, blueprints) -> None:
        written = DocumentedApi._written_document
        if written is None:
            self.spec.components.security_scheme(
                "bearerAuth", {"type": "http", "scheme": "bearer", "description": "`vigilance tokens issue EMAIL`"}
            )
            for blueprint in blueprints:
                self.register_blueprint(blueprint)
            from app.api.classify import document_one_product_or_several

            document_one_product_or_several(self.spec)
            DocumentedApi._written_document = self.spec
            return
        self.spec = written
        for blueprint in blueprints:
            self._app.extensions["flask-smorest"]["blp_name_to_api"][blueprint.name] = self
            self._app.register_blueprint(blueprint)


def init_app(app: Flask) -> Api:
    # Before any route is added: routes compile their converters then.
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        API_TITLE="Vigilance",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = DocumentedApi(app)
    from app import attachment_doors
    from app.api import attachments, case_exports, case_files, classify, documents, drafts, reports, triage

    api.register_blueprints(
        (classify.bp, reports.bp, drafts.bp, triage.bp, attachments.bp, documents.bp, case_exports.bp, case_files.bp)
    )
    app.before_request(_require_json_body)
    attachment_doors.init_app(app)
    return api
