"""Alerts: who is told at once of a report or a question, by email (real SMTP, real worker) and
in the service (the navigation's counts, the list); the reporter's progress in their words."""

import re
import time
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from tests.page_session import csrf_from, sign_in
from tests.report_payloads import a_report
from tests.worker.test_worker_processes import start_worker, stop, wait_until
from vigilance import accounts
from vigilance.models import Alert, OutboxMessage

BASE_URL = "https://vigilance.chu.example"


@pytest.fixture
def people(app, make_user, token_for, db):
    app.config["BASE_URL"] = BASE_URL
    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "hv_en": make_user("correspondent", vigilances=["haemovigilance"], language="en"),
        "bv": make_user("correspondent", vigilances=["biovigilance"]),
        "hv_elsewhere": make_user("correspondent", vigilances=["haemovigilance"], place=elsewhere),
        "coordinator": make_user("coordinator"),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def file(client, people, **changes):
    response = client.post("/api/v1/reports", json=a_report(**changes), headers=people["reporter"][1])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def item_id_of(client, people, report_id):
    items = client.get("/api/v1/queues/haemovigilance/items", headers=people["hv"][1]).get_json()["items"]
    return next(i["id"] for i in items if i["report_id"] == report_id)


def outbox(db):
    db.rollback()
    return {m.recipient_email: m for m in db.exec(select(OutboxMessage)).all()}


def alerts_of(db, user):
    db.rollback()
    return db.exec(select(Alert).where(Alert.user_id == user.id)).all()


def test_a_serious_report_is_mailed_to_its_queue_correspondents_of_that_establishment_only(client, people, db):
    report = file(client, people, serious=True, severity_grade=2)
    item_id = item_id_of(client, people, report["id"])
    mail = outbox(db)
    hv, hv_en = people["hv"][0], people["hv_en"][0]
    assert set(mail) == {hv.email, hv_en.email}
    french, english = mail[hv.email], mail[hv_en.email]
    assert french.subject.startswith(f"[{report['reference']}] Signalement grave reçu")
    assert english.subject.startswith(f"[{report['reference']}] Serious report received")
    assert f"{BASE_URL}/queue-items/{item_id}" in french.text_body
    assert "CGR phénotypé" in french.text_body and "heure de Paris" in french.text_body
    assert "Paris time" in english.text_body
    # Each of them also has it in the service; the other queues and establishments have nothing.
    assert [a.kind for a in alerts_of(db, hv)] == ["serious_report"]
    for name in ("bv", "hv_elsewhere", "coordinator", "reporter"):
        assert alerts_of(db, people[name][0]) == []


def test_a_death_also_alerts_the_coordinators(client, people, db):
    report = file(client, people, serious=True, severity_grade=4)
    coordinator = people["coordinator"][0]
    assert [a.kind for a in alerts_of(db, coordinator)] == ["death"]
    assert outbox(db)[coordinator.email].subject.startswith(f"[{report['reference']}] Décès signalé")


def test_a_short_deadline_alerts_even_when_not_serious_and_the_email_follows_the_profile(client, people, db):
    hv = people["hv"][0]
    sign_in(client, hv)
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="alert_email_urgent_deadline" checked' in page and 'name="alert_email_death"' not in page
    saved = client.post("/profile", data={"csrf_token": csrf_from(page), "language": "fr", "daily_digest": "on"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Vos préférences sont enregistrées" in client.get("/profile").get_data(as_text=True)
    db.rollback()
    assert 'name="alert_email_urgent_deadline" >' in client.get("/profile").get_data(as_text=True)
    # A transfusion reaction, not serious: declared within 48 working hours, an urgent deadline.
    file(client, people, serious=False, severity_grade=2)
    assert [a.kind for a in alerts_of(db, hv)] == ["urgent_deadline"]
    assert [a.emailed for a in alerts_of(db, hv)] == [False]
    assert hv.email not in outbox(db) and people["hv_en"][0].email in outbox(db)
    # A serious report's alert is mandatory: it comes by email whatever was chosen.
    file(client, people, serious=True, severity_grade=2)
    assert hv.email in outbox(db)


def test_a_report_with_nothing_urgent_alerts_nobody(client, people, db):
    # An incident without harm in haemovigilance: 15 working days.
    file(client, people, event_kind="incident", serious=False, severity_grade=None)
    db.rollback()
    assert db.exec(select(Alert)).all() == [] and outbox(db) == {}


def test_the_navigation_counts_the_alerts_until_they_are_read(client, people, db):
    report = file(client, people, serious=True, severity_grade=2)
    item_id = item_id_of(client, people, report["id"])
    sign_in(client, people["hv"][0])
    page = client.get("/alerts").get_data(as_text=True)
    assert re.search(r'id="nav-alerts">Alertes <span class="count">1 non lue</span>', page)
    assert report["reference"] in page
    opened = client.post("/alerts/read", data={"csrf_token": csrf_from(page), "alert_id": _alert_id(page), "open": "1"})
    assert opened.status_code == 302 and opened.headers["Location"] == f"/queue-items/{item_id}"
    assert 'class="count"' not in client.get("/alerts").get_data(as_text=True)


def _alert_id(page):
    return re.search(r'name="alert_id" value="(\d+)"', page).group(1)


def test_someone_elses_alert_cannot_be_read_or_opened(client, people, db):
    file(client, people, serious=True, severity_grade=2)
    theirs = alerts_of(db, people["hv"][0])[0]
    sign_in(client, people["hv_en"][0])
    page = client.get("/alerts").get_data(as_text=True)
    answer = client.post("/alerts/read", data={"csrf_token": csrf_from(page), "alert_id": theirs.id, "open": "1"})
    assert answer.headers["Location"].endswith("/alerts")
    assert alerts_of(db, people["hv"][0])[0].read_at is None


def test_the_reporter_is_told_of_a_question_and_sees_it_waiting(client, people, db):
    report = file(client, people, serious=True, severity_grade=2)
    item_id = item_id_of(client, people, report["id"])
    asked = client.post(
        f"/api/v1/queue-items/{item_id}/information-requests",
        json={"question": "Hémocultures ?"},
        headers=people["hv"][1],
    )
    assert asked.status_code == 200, asked.get_json()
    reporter = people["reporter"][0]
    mail = outbox(db)[reporter.email]
    assert mail.subject == f"[{report['reference']}] Une question vous est posée sur votre signalement"
    assert f"{BASE_URL}/reports/{report['id']}/questions" in mail.text_body
    # The API answer lists the question with how to answer it.
    seen = client.get(f"/api/v1/reports/{report['id']}", headers=people["reporter"][1]).get_json()
    (question,) = seen["questions"]
    assert question["question"] == "Hémocultures ?" and question["status"] == "waiting"
    assert question["answer_method"] == "POST" and seen["progress"]["state"] == "question"
    listed = client.get("/api/v1/reports", headers=people["reporter"][1]).get_json()["items"][0]
    assert listed["questions"][0]["id"] == question["id"]
    # The pages: a count in the navigation, the list on "Mes signalements", the status in words.
    sign_in(client, reporter)
    mine = client.get("/reports/mine").get_data(as_text=True)
    assert "1 question à vous" in mine and 'id="waiting"' in mine and "Une question vous attend" in mine
    assert '<span class="count">1 non lue</span>' in mine
    answered = client.post(question["answer_url"], json={"answer": "Négatives."}, headers=people["reporter"][1])
    assert answered.status_code == 200, answered.get_json()
    mine = client.get("/reports/mine").get_data(as_text=True)
    assert "question à vous" not in mine and 'id="waiting"' not in mine
    assert 'class="count"' not in mine  # the question's alert is settled by the answer
    seen = client.get(f"/api/v1/reports/{report['id']}", headers=people["reporter"][1]).get_json()
    assert seen["questions"][0]["status"] == "answered" and seen["progress"]["state"] == "investigating"


def test_a_question_withdrawn_by_closing_waits_no_more(client, people, db):
    report = file(client, people, serious=True, severity_grade=2)
    item_id = item_id_of(client, people, report["id"])
    hv = people["hv"][1]
    asked = client.post(
        f"/api/v1/queue-items/{item_id}/information-requests", json={"question": "Hémocultures ?"}, headers=hv
    )
    assert asked.status_code == 200, asked.get_json()
    closed = client.post(
        f"/api/v1/queue-items/{item_id}/close",
        json={"outcome": "not_reportable", "note": "", "withdraw_questions": True},
        headers=hv,
    )
    assert closed.status_code == 200, closed.get_json()
    seen = client.get(f"/api/v1/reports/{report['id']}", headers=people["reporter"][1]).get_json()
    assert seen["questions"][0]["status"] == "withdrawn" and seen["questions"][0]["withdrawn_at"]
    assert seen["progress"]["state"] == "closed"
    sign_in(client, people["reporter"][0])
    mine = client.get("/reports/mine").get_data(as_text=True)
    assert "question à vous" not in mine and 'id="waiting"' not in mine
    assert 'class="count"' not in mine  # the question's alert is settled with it


def test_the_reporter_sees_the_declaration_and_the_outcome_in_their_words(client, people, db):
    report = file(client, people, serious=True, severity_grade=2)
    item_id = item_id_of(client, people, report["id"])
    hv = people["hv"][1]
    sign_in(client, people["reporter"][0])
    assert "Reçu : il sera examiné" in client.get("/reports/mine").get_data(as_text=True)
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", json={}, headers=hv).status_code == 200
    page = client.get(f"/reports/{report['id']}").get_data(as_text=True)
    assert "En cours d&#39;instruction" in page
    declared = client.post(
        f"/api/v1/queue-items/{item_id}/declarations",
        json={"authority": "ANSM", "authority_reference": "EFIT-2026-777", "declared_on": "2026-11-21"},
        headers=hv,
    )
    assert declared.status_code == 200, declared.get_json()
    mine = client.get("/reports/mine").get_data(as_text=True)
    assert "Déclaré à l&#39;ANSM le 21 nov. 2026, référence EFIT-2026-777" in mine
    closed = client.post(f"/api/v1/queue-items/{item_id}/close", json={"outcome": "declared", "note": ""}, headers=hv)
    assert closed.status_code == 200, closed.get_json()
    page = client.get(f"/reports/{report['id']}").get_data(as_text=True)
    assert "Clos\u00a0: déclaré aux autorités" in page and "EFIT-2026-777" in page
    seen = client.get(f"/api/v1/reports/{report['id']}", headers=people["reporter"][1]).get_json()["progress"]
    assert seen["state"] == "closed" and seen["declarations"][0]["declared_on"] == "2026-11-21"
    assert seen["declarations"][0]["reference"] == "EFIT-2026-777"


def test_requalification_into_a_queue_alerts_its_correspondents(client, people, make_user, token_for, db):
    qualifier = make_user("correspondent", vigilances=["qualification"])
    report = file(client, people, product={"name": "Produit inconnu xyz"}, serious=True, severity_grade=2)
    assert report["queues"] == ["qualification"]
    assert [a.kind for a in alerts_of(db, qualifier)] == ["serious_report"]
    assert alerts_of(db, people["bv"][0]) == []
    item_id = client.get("/api/v1/queues/qualification/items", headers=token_for(qualifier)).get_json()["items"][0][
        "id"
    ]
    moved = client.post(
        f"/api/v1/queue-items/{item_id}/requalify",
        json={"category": "tissue", "reason": "greffe osseuse"},
        headers=token_for(qualifier),
    )
    assert moved.status_code == 200, moved.get_json()
    assert [a.kind for a in alerts_of(db, people["bv"][0])] == ["serious_report"]
    assert people["bv"][0].email in outbox(db)


def test_a_serious_report_reaches_the_correspondent_by_smtp_within_the_workers_tick(
    client, people, db, database_url, smtp_server
):
    worker = start_worker(database_url, smtp_server.url, VIGILANCE_BASE_URL=BASE_URL)
    try:
        filed_at = time.monotonic()
        report = file(client, people, serious=True, severity_grade=2)
        hv = people["hv"][0]

        def arrived(address):
            return [m for rcpt, m in smtp_server.inbox.messages if rcpt == [address]]

        assert wait_until(lambda: arrived(hv.email), timeout=60)
        assert time.monotonic() - filed_at < 60
        (message,) = arrived(hv.email)
        text = message.get_body(preferencelist=("plain",)).get_content()
        link = re.search(rf"{re.escape(BASE_URL)}/queue-items/\d+", text).group(0)
        # The link opens the item for the correspondent.
        sign_in(client, hv)
        page = client.get(urlsplit(link).path)
        assert page.status_code == 200 and report["reference"] in page.get_data(as_text=True)
        # The reporter's question email arrives the same way.
        item_id = int(link.rsplit("/", 1)[1])
        assert (
            client.post(
                f"/api/v1/queue-items/{item_id}/information-requests",
                json={"question": "Température ?"},
                headers=people["hv"][1],
            ).status_code
            == 200
        )
        reporter = people["reporter"][0]
        assert wait_until(lambda: arrived(reporter.email), timeout=60)
        question_text = arrived(reporter.email)[0].get_body(preferencelist=("plain",)).get_content()
        assert f"{BASE_URL}/reports/{report['id']}/questions" in question_text
    finally:
        stop(worker)
