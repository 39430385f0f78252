"""Small leaks inside the service: what a reader of one vigilance system, one establishment or one
report must not learn about the others (issue 13)."""

import re

import pytest
from sqlalchemy import func, select

from tests.page_session import csrf_from, sign_in
from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.models import AuditEvent, InformationRequest, QueueItem


@pytest.fixture
def world(client, make_user, token_for, db):
    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"]),
        "qualification": make_user("correspondent", vigilances=["qualification"]),
        "coordinator": make_user("coordinator"),
        "reporter_elsewhere": make_user("reporter", place=elsewhere),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def file(client, world, **changes):
    response = client.post("/api/v1/reports", json=a_report(**changes), headers=world["reporter"][1])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def item_id_of(db, report_id, queue):
    db.rollback()
    return db.scalar(select(QueueItem.id).where(QueueItem.report_id == report_id, QueueItem.queue == queue))


def count(db, model):
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


def test_possible_duplicates_and_links_show_only_reports_the_reader_may_read(client, world, db):
    # A transfusion (haemovigilance) and an albumin infusion (pharmacovigilance) share a lot number.
    transfusion = file(client, world, lot_number="LOT-4471")
    albumin = file(client, world, product={"name": "Albumine humaine 20 %"}, lot_number="LOT-4471")
    assert albumin["queues"] == ["pharmacovigilance"]
    item_id = item_id_of(db, albumin["id"], "pharmacovigilance")
    linked = client.post(
        f"/api/v1/reports/{albumin['id']}/links",
        json={"other_report_id": transfusion["id"], "reason": "Même lot LOT-4471."},
        headers=world["coordinator"][1],
    )
    assert linked.status_code == 201, linked.get_json()

    # The coordinator reads both reports: the duplicate and the link are shown.
    seen = client.get(f"/api/v1/queue-items/{item_id}", headers=world["coordinator"][1]).get_json()
    assert [c["reference"] for c in seen["possible_duplicates"]] == [transfusion["reference"]]
    assert [link["report_id"] for link in seen["links"]] == [transfusion["id"]]
    assert [h["after"]["linked_to"] for h in seen["history"] if h["target"] == "link"] == [transfusion["id"]]

    # The pharmacovigilance correspondent works the albumin item, not the transfusion: the
    # duplicate stays hidden; the link between the two vigilances' reports is shown to the
    # correspondents of both (issue 15), by its reference and reason, never the other report itself.
    hidden = client.get(f"/api/v1/queue-items/{item_id}", headers=world["pv"][1]).get_json()
    assert hidden["possible_duplicates"] == []
    assert [(link["report_id"], link["reference"]) for link in hidden["links"]] == [
        (transfusion["id"], transfusion["reference"])
    ]
    assert client.get(f"/api/v1/reports/{transfusion['id']}", headers=world["pv"][1]).status_code in (403, 404)
    sign_in(client, world["pv"][0])
    page = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    assert albumin["reference"] in page
    assert 'id="duplicates"' not in page
    # A reporter, or an establishment's outsider, sees no link at all.
    assert client.get(f"/api/v1/queue-items/{item_id}", headers=world["reporter_elsewhere"][1]).status_code == 404


def test_answering_someone_elses_question_on_a_page_says_404_and_names_no_report(app, client, world, db):
    report = file(client, world)
    item_id = item_id_of(db, report["id"], "haemovigilance")
    asked = client.post(
        f"/api/v1/queue-items/{item_id}/information-requests", json={"question": "Volume ?"}, headers=world["hv"][1]
    )
    assert asked.status_code == 200, asked.get_json()
    db.rollback()
    question = db.scalar(select(InformationRequest.id).where(InformationRequest.report_id == report["id"]))
    events = count(db, AuditEvent)

    sign_in(client, world["reporter_elsewhere"][0])
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    theirs = client.post(f"/information-requests/{question}/answer", data={"csrf_token": token, "answer": "Hop"})
    missing = client.post("/information-requests/999999/answer", data={"csrf_token": token, "answer": "Hop"})
    assert theirs.status_code == missing.status_code == 404
    assert "Location" not in theirs.headers
    # The same page, but for the address it was asked at (the language switch links back to it).
    assert theirs.get_data(as_text=True).replace(f"/{question}/", "/999999/") == missing.get_data(as_text=True)
    db.rollback()
    assert db.get(InformationRequest, question).answered_at is None
    assert count(db, AuditEvent) == events

    # The reporter answers on their page as before.
    client = app.test_client()
    sign_in(client, world["reporter"][0])
    token = csrf_from(client.get(f"/reports/{report['id']}").get_data(as_text=True))
    own = client.post(f"/information-requests/{question}/answer", data={"csrf_token": token, "answer": "250 mL"})
    assert own.status_code == 302 and own.headers["Location"].endswith(f"/reports/{report['id']}")


def test_after_requalification_the_old_item_and_the_report_agree(client, world, db):
    report = file(client, world, product={"name": "Produit inconnu Z-17"})
    assert report["queues"] == ["qualification"]
    old_item = item_id_of(db, report["id"], "qualification")
    corrector, headers = world["qualification"]
    sign_in(client, corrector)
    token = csrf_from(client.get(f"/queue-items/{old_item}").get_data(as_text=True))
    assert client.get(f"/reports/{report['id']}").status_code == 200

    moved = client.post(
        f"/queue-items/{old_item}/requalify",
        data={"csrf_token": token, "category": "labile_blood_product", "reason": "Concentré de globules rouges."},
    )
    # The report went to haemovigilance, which this correspondent does not work: back to their queue.
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/queues/qualification")
    events = count(db, AuditEvent)

    # Neither door shows the report any more, and the refused reads leave no trace.
    assert client.get(f"/reports/{report['id']}").status_code == 404
    page = client.get(f"/queue-items/{old_item}")
    assert page.status_code == 404 and report["reference"] not in page.get_data(as_text=True)
    assert client.get(f"/api/v1/reports/{report['id']}", headers=headers).status_code == 404
    api = client.get(f"/api/v1/queue-items/{old_item}", headers=headers)
    assert api.status_code == 404 and "report" not in api.get_json()
    close = client.post(f"/queue-items/{old_item}/close", data={"csrf_token": token, "outcome": "not_reportable"})
    assert close.status_code == 404
    reopen = client.post(f"/api/v1/queue-items/{old_item}/reopen", json={"reason": "Revoir."}, headers=headers)
    assert reopen.status_code == 404 and "report" not in reopen.get_json()
    assert count(db, AuditEvent) == events

    # The haemovigilance correspondent now reads both; the coordinator still reads the old item.
    assert client.get(f"/api/v1/reports/{report['id']}", headers=world["hv"][1]).status_code == 200
    old = client.get(f"/api/v1/queue-items/{old_item}", headers=world["coordinator"][1]).get_json()
    assert old["outcome"] == "requalified" and re.fullmatch(r"\S+", old["report"]["reference"])
