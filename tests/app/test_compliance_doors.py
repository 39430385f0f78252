"""The rules that keep the figures honest, at both doors: a waiver only before the due time and
with a reason, refused after with its field; a declaration with its date and time (or, as first
accepted, its day)."""

import html
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from tests.app import test_triage_api, test_triage_pages
from tests.app.test_triage_api import file, item_of, post
from tests.app.test_triage_pages import switch
from tests.page_session import csrf_from
from vigilance.clock import PARIS
from vigilance.models import Deadline, DeadlineState

# The fixtures of the triage tests: the people of the API's, the report filed through the pages.
people = test_triage_api.people
filed = test_triage_pages.filed


def _due_in_the_past(db, deadline_id):
    """The deadline's due time has come (the clocks have not escalated it yet)."""
    deadline = db.get(Deadline, deadline_id)
    deadline.due_at = datetime.now(UTC) - timedelta(minutes=5)
    db.add(deadline)
    db.commit()


def test_the_api_refuses_a_waiver_after_the_due_time_with_the_field(client, people, db):
    file(client, people, serious=True)
    item = item_of(client, people)["items"][0]
    detail = client.get(f"/api/v1/queue-items/{item['id']}", headers=people["hv"][1]).get_json()
    deadline_id = detail["deadlines"][0]["id"]
    _due_in_the_past(db, deadline_id)
    refused = post(client, people, "hv", f"/deadlines/{deadline_id}/waive", {"reason": "Hors champ."})
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["reason"]
    assert "déjà dépassé" in refused.get_json()["errors"]["reason"][0]
    db.expire_all()
    deadline = db.get(Deadline, deadline_id)
    assert deadline.settled_at is None and deadline.state == DeadlineState.OPEN  # nothing stored
    english = client.post(
        f"/api/v1/deadlines/{deadline_id}/waive",
        json={"reason": "Out of scope."},
        headers={**people["hv"][1], "Accept-Language": "en"},
    )
    assert "already passed" in english.get_json()["errors"]["reason"][0]


def test_the_api_takes_a_declaration_s_date_and_time_and_still_a_bare_date(client, people):
    file(client, people, serious=True)
    item_id = item_of(client, people)["items"][0]["id"]
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    made = datetime.now(PARIS).replace(microsecond=0) - timedelta(minutes=30)
    declared = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/declarations",
        {"authority": "ANSM", "authority_reference": "EFIT-1", "declared_at": made.isoformat()},
    )
    assert declared.status_code == 200, declared.get_json()
    body = declared.get_json()
    assert datetime.fromisoformat(body["declarations"][0]["declared_at"]) == made
    assert body["declarations"][0]["declared_on"] == made.date().isoformat()
    assert {d["state"] for d in body["deadlines"] if d["kind"] == "declaration"} == {"met"}
    follow_up = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/declarations",
        {
            "authority": "ANSM",
            "authority_reference": "EFIT-2",
            "declared_on": made.date().isoformat(),
            "kind": "follow_up",
        },
    )
    assert follow_up.status_code == 200, follow_up.get_json()
    for payload in (
        {"authority": "ANSM", "authority_reference": "X", "kind": "follow_up"},
        {
            "authority": "ANSM",
            "authority_reference": "X",
            "kind": "follow_up",
            "declared_on": made.date().isoformat(),
            "declared_at": made.isoformat(),
        },
        {
            "authority": "ANSM",
            "authority_reference": "X",
            "kind": "follow_up",
            "declared_at": (made + timedelta(hours=2)).isoformat(),
        },
    ):
        refused = post(client, people, "hv", f"/queue-items/{item_id}/declarations", payload)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["declared_at"], payload


def test_the_item_page_waives_before_the_due_time_and_refuses_after(client, make_user, filed, db):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    queue = client.get("/queues/haemovigilance").get_data(as_text=True)
    item_path = re.search(r'href="(/queue-items/\d+)"', queue).group(1)
    page = client.get(item_path).get_data(as_text=True)
    token = csrf_from(page)
    client.post(f"{item_path}/claim", data={"csrf_token": token})
    deadline_ids = [int(i) for i in re.findall(r'name="deadline_id" value="(\d+)"', page)]
    assert deadline_ids
    first, *others = deadline_ids
    _due_in_the_past(db, first)
    page = client.post(
        f"{item_path}/waive",
        data={"csrf_token": token, "deadline_id": first, "reason": "Hors champ."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "déjà dépassé" in html.unescape(page)
    db.expire_all()
    assert db.get(Deadline, first).settled_at is None
    if others:
        page = client.post(
            f"{item_path}/waive",
            data={"csrf_token": token, "deadline_id": others[0], "reason": "Hors champ."},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "Délai levé." in page
        db.expire_all()
        assert db.get(Deadline, others[0]).state == DeadlineState.WAIVED
    # A deadline of another item is not this page's to waive.
    refused = client.post(
        f"{item_path}/waive", data={"csrf_token": token, "deadline_id": 2**30, "reason": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Délai introuvable." in refused


def test_the_item_page_declares_with_a_date_and_time(client, make_user, filed, db):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    queue = client.get("/queues/haemovigilance").get_data(as_text=True)
    item_path = re.search(r'href="(/queue-items/\d+)"', queue).group(1)
    page = client.get(item_path).get_data(as_text=True)
    assert 'type="datetime-local"' in page and 'name="declared_at"' in page
    token = csrf_from(page)
    client.post(f"{item_path}/claim", data={"csrf_token": token})
    made = datetime.now(PARIS).replace(second=0, microsecond=0) - timedelta(minutes=10)
    page = client.post(
        f"{item_path}/declare",
        data={
            "csrf_token": token,
            "authority": "ANSM",
            "authority_reference": "EFIT-3",
            "declared_at": made.strftime("%Y-%m-%dT%H:%M"),  # what the browser sends: the time in France
            "kind": "initial",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Déclaration enregistrée." in page
    assert made.strftime("%H:%M") in page
    from vigilance.models import Declaration

    db.expire_all()
    assert db.exec(select(Declaration)).one().declared_at == made
