"""The FHIR export's answer, for the API and the pages alike (``vigilance.exports.fhir`` writes it)."""

import json
from typing import Any

from flask import Response

from vigilance.exports.fhir import FHIR_JSON


def fhir_response(bundle: dict[str, Any], *, download_as: str | None = None) -> Response:
    """*bundle* as ``application/fhir+json`` (UTF-8); *download_as*: saved under that file name."""
    headers = {"Content-Disposition": f'attachment; filename="{download_as}"'} if download_as else {}
    return Response(json.dumps(bundle, ensure_ascii=False), mimetype=FHIR_JSON, headers=headers)
