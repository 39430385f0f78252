"""Schemathesis, with its default checks, against the app's own OpenAPI document, in process.

Every endpoint the app documents is fuzzed here, so each new endpoint is covered from day one:
once as a stranger, once with a valid token.
"""

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel import Session

from app import create_app
from vigilance import accounts
from vigilance.models import metadata

_database = Path(tempfile.mkdtemp()) / "fuzz.db"
app = create_app(
    {"ENV": "testing", "DATABASE_URL": f"sqlite:///{_database}", "SECRET_KEY": "fuzz", "PROPAGATE_UNEXPECTED": False}
)
metadata.create_all(app.extensions["vigilance.db"])
with Session(app.extensions["vigilance.db"]) as _db:
    _place = accounts.create_establishment(_db, finess="750000001", name="CHU Fuzz")
    _user = accounts.create_user(_db, email="fuzz@example.org", role="reporter", establishment=_place)
    _record, TOKEN = accounts.issue_token(_db, user=_user)
    _db.commit()

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_own_schema_as_a_stranger(case):
    case.call_and_validate()


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_own_schema_with_a_token(case):
    # Every default check but one: JSON Schema cannot say that an event may not lie in the
    # future, that free text may not hold a NIR, that a cursor must be one the API gave, or
    # that an Idempotency-Key may not be reused with another body. Those refusals (422, with
    # their field) are tested one by one in test_reports_api.py.
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=[positive_data_acceptance])
