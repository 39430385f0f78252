"""``/api/v1/reports``: filing, reading, listing; bad input stores nothing."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.report_payloads import a_report, stored_rows
from vigilance.models import AuditEvent, IdempotencyRecord, Report


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


@pytest.fixture
def headers(reporter, token_for):
    return token_for(reporter)


def test_filing_returns_the_contract_shape(client, headers):
    response = client.post("/api/v1/reports", json=a_report(), headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert re.fullmatch(r"VIG-\d{4}-\d{6}", body["reference"])
    assert body["status"] == "received"
    assert body["classification"]["category"] == "labile_blood_product"
    assert body["queues"] == ["haemovigilance"]
    (deadline,) = [d for d in body["deadlines"] if d["kind"] == "declaration"]
    assert deadline["queue"] == "haemovigilance" and deadline["due_at"]
    assert body["patient"] == {"sex": "F", "birth_year": 1956, "initials": "MD"}


def test_references_follow_each_other_within_the_year(client, headers):
    first = client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()["reference"]
    second = client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()["reference"]
    assert int(second[-6:]) == int(first[-6:]) + 1


def test_the_reporter_reads_their_report_and_the_read_is_audited(client, headers, db):
    created = client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()
    response = client.get(f"/api/v1/reports/{created['id']}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["reference"] == created["reference"]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.report_id == created["id"])).all()
    assert actions == ["create", "read"]


def test_own_reports_are_listed_newest_first_a_page_at_a_time(client, headers, monkeypatch):
    monkeypatch.setattr("app.api.reports.PAGE_SIZE", 2)
    ids = [client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()["id"] for _ in range(3)]
    first = client.get("/api/v1/reports", headers=headers).get_json()
    assert [r["id"] for r in first["items"]] == ids[::-1][:2]
    second = client.get(f"/api/v1/reports?cursor={first['next']}", headers=headers).get_json()
    assert [r["id"] for r in second["items"]] == ids[:1] and second["next"] is None


def test_a_bad_cursor_is_a_field_error(client, headers):
    response = client.get("/api/v1/reports?cursor=nonsense", headers=headers)
    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]


def test_without_a_token_the_api_answers_401(client):
    response = client.post("/api/v1/reports", json=a_report())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/reports/1").status_code == 401


def test_a_revoked_token_no_longer_works(client, runner, reporter, headers):
    from app.cli import cli

    assert client.get("/api/v1/reports", headers=headers).status_code == 200
    listing = runner.invoke(cli, ["tokens", "list", "--email", reporter.email]).output
    token_id = listing.split()[0]
    assert runner.invoke(cli, ["tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/reports", headers=headers).status_code == 401


TOMORROW = "2099-01-01T10:00:00+01:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event_kind": None}, "event_kind"),
        ({"event_kind": "explosion"}, "event_kind"),
        ({"occurred_at": "20/11/2026"}, "occurred_at"),
        ({"occurred_at": "2026-11-20T14:30:00"}, "occurred_at"),
        ({"occurred_at": TOMORROW}, "occurred_at"),
        ({"occurred_at": "1812-06-24T10:00:00+01:00"}, "occurred_at"),
        ({"detected_at": "2026-11-19T10:00:00+01:00"}, "detected_at"),
        ({"detected_at": TOMORROW}, "detected_at"),
        ({"description": ""}, "description"),
        ({"description": "x" * 10_001}, "description"),
        ({"description": 12}, "description"),
        ({"serious": "oui"}, "serious"),
        ({"serious": None}, "serious"),
        ({"severity_grade": 0}, "severity_grade"),
        ({"severity_grade": 2.5}, "severity_grade"),
        ({"product": {"name": "CGR", "origin": "moon"}}, "product.origin"),
        ({"patient": {"sex": "X"}}, "patient.sex"),
        ({"patient": {"initials": "Martin"}}, "patient.initials"),
        ({"patient": {"initials": "M.D"}}, "patient.initials"),
        ({"patient": {"birth_year": 1850}}, "patient.birth_year"),
        ({"patient": {"birth_year": 2099}}, "patient.birth_year"),
        ({"patient": {"name": "Dupont"}}, "patient.name"),
        ({"patient_name": "Dupont"}, "patient_name"),
        ({"lot_number": "L" * 65}, "lot_number"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_stored(client, headers, db, changes, field):
    body = a_report(**changes)
    for key, value in changes.items():
        if value is None and key == "event_kind":
            del body[key]
    before = stored_rows(db)
    response = client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()["errors"]
    assert stored_rows(db) == before


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("description", "Patient 1 56 03 75 112 345 67 transfusé à 14 h."),
        ("description", "NIR 2560375112345"),
        ("description", "nir : 1-84-12-2A-123-456-78"),
        ("lot_number", "156037511234567"),
    ],
)
def test_a_social_security_number_anywhere_is_refused_with_what_to_remove(client, headers, db, field, text):
    before = stored_rows(db)
    response = client.post("/api/v1/reports", json=a_report(**{field: text}), headers=headers)
    assert response.status_code == 422
    message = response.get_json()["errors"][field][0]
    assert "NIR" in message and "retirez" in message
    english = client.post(
        "/api/v1/reports", json=a_report(**{field: text}), headers={**headers, "Accept-Language": "en"}
    ).get_json()["errors"][field][0]
    assert "remove it" in english
    assert stored_rows(db) == before


def test_ordinary_numbers_are_not_mistaken_for_a_nir(client, headers):
    body = a_report(description="Poche n° 1234567 ; 2 CGR ; T° 39,5 ; tel. 01 23 45 67 89", lot_number="A12345678")
    assert client.post("/api/v1/reports", json=body, headers=headers).status_code == 201


def test_malformed_json_and_wrong_content_type_store_nothing(client, headers, db):
    before = stored_rows(db)
    assert client.post("/api/v1/reports", data="{", content_type="application/json", headers=headers).status_code == 400
    assert client.post("/api/v1/reports", data="x=1", content_type="text/plain", headers=headers).status_code == 400
    assert stored_rows(db) == before


# Idempotency ------------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_replays_the_first_answer(client, headers, db):
    keyed = {**headers, "Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/reports", json=a_report(), headers=keyed)
    second = client.post("/api/v1/reports", json=a_report(), headers=keyed)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert db.scalar(select(func.count()).select_from(Report)) == 1


def test_the_same_key_with_another_body_is_refused(client, headers, db):
    keyed = {**headers, "Idempotency-Key": "retry-2"}
    client.post("/api/v1/reports", json=a_report(), headers=keyed)
    response = client.post("/api/v1/reports", json=a_report(serious=False), headers=keyed)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert db.scalar(select(func.count()).select_from(Report)) == 1


def test_a_refused_request_does_not_burn_its_key(client, headers, db):
    keyed = {**headers, "Idempotency-Key": "retry-3"}
    assert client.post("/api/v1/reports", json=a_report(occurred_at=TOMORROW), headers=keyed).status_code == 422
    assert db.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    assert client.post("/api/v1/reports", json=a_report(), headers=keyed).status_code == 201


def test_keys_belong_to_their_user(client, make_user, token_for, headers):
    other = token_for(make_user("reporter"))
    first = client.post("/api/v1/reports", json=a_report(), headers={**headers, "Idempotency-Key": "k"})
    second = client.post("/api/v1/reports", json=a_report(), headers={**other, "Idempotency-Key": "k"})
    assert second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]


def test_a_key_still_in_progress_is_a_409(client, headers, db, reporter, now):
    from vigilance import idempotency

    fingerprint = idempotency.request_hash(a_report())
    idempotency.claim(db, user_id=reporter.id, key="busy", fingerprint=fingerprint, now=now)
    response = client.post("/api/v1/reports", json=a_report(), headers={**headers, "Idempotency-Key": "busy"})
    assert response.status_code == 409
    assert "en cours" in response.get_json()["message"]


def test_an_abandoned_claim_is_taken_over(client, headers, db, reporter, now):
    from vigilance import idempotency

    fingerprint = idempotency.request_hash(a_report())
    idempotency.claim(db, user_id=reporter.id, key="dead", fingerprint=fingerprint, now=now - timedelta(hours=1))
    response = client.post("/api/v1/reports", json=a_report(), headers={**headers, "Idempotency-Key": "dead"})
    assert response.status_code == 201
