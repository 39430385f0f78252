"""Schemathesis against the app's own OpenAPI document, in process: every answer conforms to it.

Every operation the app documents is called here, so each new one is covered from day one:
as a stranger, as a reporter and as a correspondent, on a database that holds reports, items,
assessments, questions, declarations and links, so that the authenticated calls reach real
answers (a path's id is mostly one of those rows, sometimes one that does not exist). Each
answer, success or error, must be declared by the document: its status code, content type,
headers and body.
"""

import tempfile
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app import create_app
from tests.conftest import POSTGRES_URL, postgres_admin_url
from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.models import (
    Assessment,
    Deadline,
    GeneratedDocument,
    InformationRequest,
    QueueItem,
    Report,
    metadata,
)

RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: And what the request side owes the document: a request it refuses is refused. With a token,
#: a request it allows is not always accepted: JSON Schema cannot say that an event may not lie
#: in the future, that free text may not hold a NIR, that a cursor must be one the API gave, or
#: that an Idempotency-Key may not be reused with another body. Those refusals (422, with their
#: field) are tested one by one in test_reports_api.py; a stranger's valid requests are all
#: answered (401), so positive_data_acceptance holds for strangers.
CHECKS = [*RESPONSE_CHECKS, negative_data_rejection]
#: Few examples per operation and mode: the point is that every kind of answer is met (each
#: error status, each success), which a handful of calls per operation does; many more only
#: slow the suite down.
FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


def _database_url() -> tuple[str, str | None]:
    """The address of a database of this module's own, created by :func:`seeded` when a test
    first needs it: a SQLite file, or a new PostgreSQL database (its name)."""
    if not POSTGRES_URL:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.db'}", None
    name = f"vigilance_fuzz_{uuid.uuid4().hex[:12]}"
    return postgres_admin_url().set(database=name).render_as_string(hide_password=False), name


def _create_database() -> None:
    if _postgres_name:
        admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{_postgres_name}"'))
        admin.dispose()
    metadata.create_all(app.extensions["vigilance.db"])


_url, _postgres_name = _database_url()
app = create_app(
    {"ENV": "testing", "DATABASE_URL": _url, "SECRET_KEY": "fuzz", "SCHEDULER": "off", "PROPAGATE_UNEXPECTED": False}
)


def _seed() -> tuple[dict[str, dict[str, str]], int]:
    """Reports filed and worked through the API itself; the bearer headers of each role, and the
    id of the correspondent's colleague (to whom an item can be assigned)."""
    with Session(app.extensions["vigilance.db"]) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU Fuzz")
        people = {
            "reporter": accounts.create_user(db, email="reporter@example.org", role="reporter", establishment=place),
            "correspondent": accounts.create_user(
                db,
                email="correspondent@example.org",
                role="correspondent",
                establishment=place,
                vigilances=["haemovigilance", "biovigilance", "qualification", "pharmacovigilance"],
            ),
            "colleague": accounts.create_user(
                db,
                email="colleague@example.org",
                role="correspondent",
                establishment=place,
                vigilances=["haemovigilance"],
            ),
        }
        headers = {
            role: {"Authorization": f"Bearer {accounts.issue_token(db, user=user)[1]}"} for role, user in people.items()
        }
        db.commit()
        colleague = people["colleague"].id
    client = app.test_client()

    def call(role, path, body=None):
        response = client.post(f"/api/v1{path}", json=body if body is not None else {}, headers=headers[role])
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    lot = {"lot_number": "LOT-42"}
    first = call("reporter", "/reports", a_report(**lot))
    second = call("reporter", "/reports", a_report(**lot, serious=False, severity_grade=1))  # a possible duplicate
    call("reporter", "/reports", a_report(product={"name": "cornée"}, description="Kératite après greffe."))
    call("reporter", "/reports", a_report(product={"name": "produit inconnu"}, description="Érythème."))
    items = client.get("/api/v1/queues/haemovigilance/items", headers=headers["correspondent"]).get_json()["items"]
    worked = next(i["id"] for i in items if i["report_id"] == first["id"])
    call("correspondent", f"/queue-items/{worked}/claim")
    call(
        "correspondent", f"/queue-items/{worked}/assess", {"based_on_version": 0, "imputability": "2", "comment": "Vu."}
    )
    asked = call("correspondent", f"/queue-items/{worked}/information-requests", {"question": "Hémocultures ?"})
    call("reporter", f"/information-requests/{asked['information_requests'][0]['id']}/answer", {"answer": "Négatives."})
    call("correspondent", f"/queue-items/{worked}/information-requests", {"question": "Groupe sanguin ?"})
    call(
        "correspondent",
        f"/queue-items/{worked}/declarations",
        {"authority": "ANSM", "authority_reference": "EFIT-1", "declared_on": "2026-11-21"},
    )
    call("correspondent", f"/reports/{first['id']}/links", {"other_report_id": second["id"], "reason": "Même lot."})
    # A pharmacovigilance item with its E2B message generated: documents to list and download.
    call("reporter", "/reports", a_report(product={"name": "Kymriah"}, description="Syndrome de relargage."))
    items = client.get("/api/v1/queues/pharmacovigilance/items", headers=headers["correspondent"]).get_json()["items"]
    xml = client.get(f"/api/v1/queue-items/{items[0]['id']}/declaration.xml", headers=headers["correspondent"])
    assert xml.status_code == 200, xml.get_data(as_text=True)
    return headers, colleague


@dataclass(frozen=True)
class Seeded:
    headers: dict[str, dict[str, str]]
    colleague: int
    #: The rows a path may name: mostly one of these, so that calls reach real answers.
    known: dict[str, list]


@cache
def seeded() -> Seeded:
    """The seeded database, made when a test first needs it: collection (in every xdist worker)
    only needs the document."""
    _create_database()
    headers, colleague = _seed()
    with Session(app.extensions["vigilance.db"]) as db:
        known = {
            "report_id": list(db.exec(select(Report.id)).all()),
            "item_id": list(db.exec(select(QueueItem.id)).all()),
            "deadline_id": list(db.exec(select(Deadline.id)).all()),
            "request_id": list(db.exec(select(InformationRequest.id)).all()),
            "document_id": list(db.exec(select(GeneratedDocument.id)).all()),
            "queue": ["haemovigilance", "biovigilance", "qualification", "pharmacovigilance"],
        }
    return Seeded(headers, colleague, known)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
# A method a path does not document (a 405) is no answer the document speaks of: probing every
# one on every path would only slow these tests down.
schema.config.phases.coverage.unexpected_methods = set()
# Text the databases cannot store (a NUL, a lone UTF-16 surrogate) is refused on every route by
# one guard, tested door by door in test_unstorable_text.py; JSON Schema cannot say it, so here
# it would only be a "valid request refused" that the document cannot prevent.
schema.config.generation.update(allow_x00=False, codec="utf-8")


def _known(value, choices, lowest=1):
    """Mostly one of *choices*, chosen by the drawn *value*; one value in five kept as drawn (a row
    that does not exist, a queue that is none, a stale version). A value the document refuses
    (another type, a number out of range) is kept as drawn: a request meant to be refused stays so."""
    if isinstance(choices[0], str):
        number = len(value) if isinstance(value, str) else 0
    elif isinstance(value, int) and not isinstance(value, bool) and lowest <= value < 2**31:
        number = value
    else:
        return value
    return choices[number % len(choices)] if number % 5 else value


def _latest_assessment(item_id) -> int:
    with Session(app.extensions["vigilance.db"]) as db:
        versions = db.exec(select(Assessment.version).where(Assessment.queue_item_id == item_id)).all()
    return max(versions, default=0)


@schema.hook
def map_case(context, case):
    for name, value in (case.path_parameters or {}).items():
        if name in seeded().known:
            case.path_parameters[name] = _known(value, seeded().known[name], lowest=0)
    if isinstance(case.body, dict):
        # Ids in the body, and the assessment version, as a correspondent at work would send them.
        if "assignee_id" in case.body:
            case.body["assignee_id"] = _known(case.body["assignee_id"], [seeded().colleague])
        if "other_report_id" in case.body:
            case.body["other_report_id"] = _known(case.body["other_report_id"], seeded().known["report_id"])
        item_id = (case.path_parameters or {}).get("item_id")
        if "based_on_version" in case.body and item_id in seeded().known["item_id"]:
            case.body["based_on_version"] = _known(
                case.body["based_on_version"], [_latest_assessment(item_id)], lowest=0
            )
    return case


@pytest.fixture(scope="module", autouse=True)
def _drop_the_database():
    yield
    app.extensions["vigilance.db"].dispose()
    if _postgres_name and seeded.cache_info().currsize:
        admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{_postgres_name}" WITH (FORCE)'))
        admin.dispose()


#: Who calls, and what their answers owe the document. One test per operation calls each case as
#: all three: schemathesis builds its cases (the coverage phase's, at collection, in every xdist
#: worker) once per operation instead of once per operation and caller.
CALLERS = {
    "stranger": [*CHECKS, positive_data_acceptance],
    "reporter": CHECKS,
    "correspondent": CHECKS,
}


@schema.parametrize()
@FUZZ
def test_every_answer_to_a_stranger_a_reporter_and_a_correspondent_is_documented(case):
    for caller, checks in CALLERS.items():
        headers = seeded().headers.get(caller)
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except BaseException as failure:
            failure.add_note(f"called as the {caller}")
            raise


def test_the_document_names_every_answer_with_its_body():
    """No catch-all ``default``: each operation names its errors, each with the error schema."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            answers = {
                status: document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
                if "$ref" in answer
                else answer
                for status, answer in operation["responses"].items()
            }
            assert "default" not in answers, (method, path)
            assert "422" in answers, (method, path)
            for status, answer in answers.items():
                if status == "204":  # No Content: an answer without a body, as HTTP has it
                    assert "content" not in answer, (method, path)
                    continue
                # A success may be of another media type (a FHIR bundle: application/fhir+json).
                content = answer["content"]
                assert content and all(kind["schema"] for kind in content.values()), (method, path, status)
                if status.startswith("4"):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            if operation.get("security"):
                assert "WWW-Authenticate" in answers["401"]["headers"], (method, path)
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "errors", "message", "status"]
