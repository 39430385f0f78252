"""Schemathesis, with its default checks, against the app's own OpenAPI document, in process.

Every endpoint the app documents is fuzzed here, so each new endpoint is covered from day one.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app import create_app

app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "SECRET_KEY": "fuzz", "PROPAGATE_UNEXPECTED": False})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_own_schema(case):
    case.call_and_validate()
