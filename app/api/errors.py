"""The error answers an operation declares in the OpenAPI document, each with the error schema.

The document names every status an operation may answer (there is no catch-all ``default``), so
that a client, and schemathesis, can hold the service to it. The bodies themselves are written
by ``app.errors``, through :class:`app.errors.ErrorSchema`.
"""

from collections.abc import Callable, Mapping

from flask_smorest import Blueprint

from app.errors import ErrorSchema

BEARER = [{"bearerAuth": []}]

_DESCRIPTIONS = {
    400: "The body is not JSON (malformed, or another content type).",
    401: "No valid bearer token.",
    403: "The caller's role does not allow it.",
    404: "Nothing there, or nothing the caller may see.",
    409: "The state of what it names does not allow it.",
    413: "The body is larger than the service accepts.",
    422: "Some fields are invalid: ``errors`` names each, with its problems.",
}
_HEADERS = {401: {"WWW-Authenticate": {"description": "``Bearer``", "schema": {"type": "string"}}}}
#: What any operation taking a JSON body may answer, whatever the operation.
BODY_ERRORS = (400, 413, 422)
#: What any operation behind a bearer token may answer.
TOKEN_ERRORS = (401, 403, 422)


def declares_errors(bp: Blueprint, *statuses: int, said: Mapping[int, str] | None = None) -> Callable:
    """Document the error answers *statuses* of a view (*said*: what they mean there)."""
    said = said or {}

    def decorate(view):
        for status in sorted(set(statuses), reverse=True):
            view = bp.alt_response(
                status,
                schema=ErrorSchema,
                description=said.get(status, _DESCRIPTIONS[status]),
                headers=_HEADERS.get(status),
            )(view)
        return view

    return decorate
