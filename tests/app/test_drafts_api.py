"""``/api/v1/drafts``: the report form's drafts for API clients; owner only, bad input stores nothing."""

import pytest
from sqlalchemy import func, select

from tests.report_payloads import a_report
from vigilance.models import AuditEvent, Report, ReportDraft

TYPED = {"product_name": "Concentré de plaquettes", "description": "Urticaire géante.", "serious": "no"}


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


@pytest.fixture
def headers(reporter, token_for):
    return token_for(reporter)


def drafts_stored(db):
    db.rollback()
    return db.scalar(select(func.count()).select_from(ReportDraft))


def test_a_draft_is_created_read_listed_changed_and_deleted(client, headers, db):
    created = client.post("/api/v1/drafts", json={"fields": TYPED}, headers=headers)
    assert created.status_code == 201, created.get_json()
    draft = created.get_json()
    assert draft["fields"] == TYPED and draft["form_token"]
    url = f"/api/v1/drafts/{draft['id']}"
    assert client.get(url, headers=headers).get_json()["fields"] == TYPED
    assert [d["id"] for d in client.get("/api/v1/drafts", headers=headers).get_json()["items"]] == [draft["id"]]
    changed = client.put(url, json={"fields": {**TYPED, "lot_number": "L-7"}}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["fields"]["lot_number"] == "L-7"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert drafts_stored(db) == 0


def test_another_persons_draft_is_not_found(client, headers, make_user, token_for, db):
    draft = client.post("/api/v1/drafts", json={"fields": TYPED}, headers=headers).get_json()
    other = token_for(make_user("reporter"))
    url = f"/api/v1/drafts/{draft['id']}"
    assert client.get(url, headers=other).status_code == 404
    assert client.put(url, json={"fields": {}}, headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert client.get("/api/v1/drafts", headers=other).get_json()["items"] == []
    assert client.get(url, headers=headers).get_json()["fields"] == TYPED


def test_without_a_token_nothing_is_answered(client, headers):
    assert client.get("/api/v1/drafts").status_code == 401
    assert client.post("/api/v1/drafts", json={"fields": TYPED}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fields": {"description": "x" * 10_001}}, "fields.description"),
        ({"fields": {"patient_initials": "ABCD"}}, "fields.patient_initials"),
        ({"fields": {"patient_name": "Dupont"}}, "fields.patient_name"),
        ({"fields": {"lot_number": 42}}, "fields.lot_number"),
        ({}, "fields"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_stored(client, headers, db, body, field):
    response = client.post("/api/v1/drafts", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert drafts_stored(db) == 0


def test_reads_are_audited_as_reports_are(client, headers, db):
    draft = client.post("/api/v1/drafts", json={"fields": TYPED}, headers=headers).get_json()
    client.get(f"/api/v1/drafts/{draft['id']}", headers=headers)
    db.rollback()
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target == f"draft:{draft['id']}")).all()
    assert actions == ["draft.create", "draft.read"]


def reports_stored(db):
    db.rollback()
    return db.scalar(select(func.count()).select_from(Report))


def test_a_report_filed_from_its_draft_removes_the_draft_and_cannot_be_filed_twice(client, headers, db):
    draft = client.post("/api/v1/drafts", json={"fields": TYPED}, headers=headers).get_json()
    filed = client.post("/api/v1/reports", json=a_report(draft_id=draft["id"]), headers=headers)
    assert filed.status_code == 201, filed.get_json()
    assert client.get(f"/api/v1/drafts/{draft['id']}", headers=headers).status_code == 404
    assert client.get("/api/v1/drafts", headers=headers).get_json()["items"] == []
    db.rollback()
    assert db.scalar(select(AuditEvent.target).where(AuditEvent.action == "draft.filed")) == f"draft:{draft['id']}"

    again = client.post("/api/v1/reports", json=a_report(draft_id=draft["id"]), headers=headers)
    assert again.status_code == 422
    assert list(again.get_json()["errors"]) == ["draft_id"]
    assert reports_stored(db) == 1


def test_a_report_filed_from_another_persons_draft_is_refused_and_nothing_is_stored(
    client, headers, make_user, token_for, db
):
    draft = client.post("/api/v1/drafts", json={"fields": TYPED}, headers=headers).get_json()
    other = token_for(make_user("reporter"))
    refused = client.post("/api/v1/reports", json=a_report(draft_id=draft["id"]), headers=other)
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["draft_id"]
    assert reports_stored(db) == 0
    assert client.get(f"/api/v1/drafts/{draft['id']}", headers=headers).get_json()["fields"] == TYPED


def test_the_openapi_document_describes_the_drafts(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]["/api/v1/drafts/{draft_id}"]) >= {"get", "put", "delete"}
    assert set(document["paths"]["/api/v1/drafts"]) >= {"get", "post"}
    fields = document["components"]["schemas"]["DraftFields"]["properties"]
    assert fields["description"]["maxLength"] == 10_000
