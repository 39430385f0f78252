"""Follow-up plans and information copies through the doors: the item's API answer and page, the
queue lists, the reporter's workspace, the step done from the API and the page, and links
between vigilances (404 still for reporters and other establishments)."""

import pytest

from tests.page_session import csrf_from, sign_in
from tests.report_payloads import a_report
from vigilance import accounts


@pytest.fixture
def people(make_user, token_for, db):
    other_place = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "bv": make_user("correspondent", vigilances=["biovigilance"]),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"]),
        "pv_elsewhere": make_user("correspondent", vigilances=["pharmacovigilance"], place=other_place),
        "coordinator": make_user("coordinator"),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def file(client, people, **changes):
    response = client.post("/api/v1/reports", json=a_report(**changes), headers=people["reporter"][1])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def items(client, people, who, queue):
    response = client.get(f"/api/v1/queues/{queue}/items", headers=people[who][1])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def item(client, people, who, item_id, language="fr"):
    return client.get(f"/api/v1/queue-items/{item_id}", headers={**people[who][1], "Accept-Language": language})


def test_the_item_answer_lists_the_follow_up_steps_and_a_step_is_marked_done(client, people):
    file(client, people)
    (listed,) = items(client, people, "hv", "haemovigilance")
    answer = item(client, people, "hv", listed["id"]).get_json()
    steps = answer["followup_steps"]
    assert [(s["label"], s["done_at"]) for s in steps] == [("J+7", None), ("J+30", None)]
    assert "Faire le point sur l'enquête" in steps[0]["check"]
    assert "R.1221-49-2" in steps[0]["legal_basis"][0]
    english = item(client, people, "hv", listed["id"], "en").get_json()["followup_steps"]
    assert english[0]["label"] == "D+7" and english[0]["check"].startswith("Review the investigation")

    path = f"/api/v1/queue-items/{listed['id']}/followup-steps"
    refused = client.post(path, json={"plan": "f-hv-recipient-investigation", "step": 1}, headers=people["hv"][1])
    assert refused.status_code == 422 and "note" in refused.get_json()["errors"]
    done = client.post(
        path,
        json={"plan": "f-hv-recipient-investigation", "step": 1, "note": "RAI négative."},
        headers=people["hv"][1],
    )
    assert done.status_code == 200, done.get_json()
    first = done.get_json()["followup_steps"][0]
    assert first["done_at"] and first["note"] == "RAI négative."
    again = client.post(
        path, json={"plan": "f-hv-recipient-investigation", "step": 1, "note": "x"}, headers=people["hv"][1]
    )
    assert again.status_code == 409
    # Who does not work the item learns nothing of it.
    assert client.post(path, json={"plan": "x", "step": 2, "note": "x"}, headers=people["bv"][1]).status_code == 404
    assert (
        client.post(path, json={"plan": "x", "step": 2, "note": "x"}, headers=people["reporter"][1]).status_code == 404
    )


def test_the_item_page_shows_the_plan_and_a_step_is_done_from_it(client, people):
    file(client, people)
    (listed,) = items(client, people, "hv", "haemovigilance")
    sign_in(client, people["hv"][0])
    page = client.get(f"/queue-items/{listed['id']}").get_data(as_text=True)
    assert "Plan de suivi" in page and "J+30" in page and "R.1221-49-2" in page
    response = client.post(
        f"/queue-items/{listed['id']}/followup-step",
        data={
            "csrf_token": csrf_from(page),
            "plan": "f-hv-recipient-investigation",
            "step": "2",
            "note": "Enquête close, FEIR à jour.",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/queue-items/{listed['id']}").get_data(as_text=True)
    assert "Enquête close, FEIR à jour." in page


def test_an_information_copy_is_marked_in_its_queue_and_linked_both_ways(client, people):
    filed = file(client, people, event_kind="donor_adverse_reaction", product={"name": "Kymriah"})
    assert filed["queues"] == ["biovigilance"]
    assert filed["classification"]["copies"][0]["queue"] == "pharmacovigilance"
    (original,) = items(client, people, "bv", "biovigilance")
    (copy,) = items(client, people, "pv", "pharmacovigilance")
    assert copy["information_copy"] is True and original["information_copy"] is False
    assert copy["next_due_at"] is None
    copy_answer = item(client, people, "pv", copy["id"]).get_json()
    assert copy_answer["deadlines"] == []
    assert copy_answer["copy_of"]["item_id"] == original["id"]
    assert copy_answer["copy_of"]["queue"] == "biovigilance"
    assert "R.1211-37" in copy_answer["copy_of"]["legal_basis"][0]
    original_answer = item(client, people, "bv", original["id"]).get_json()
    assert [(c["item_id"], c["queue"]) for c in original_answer["copies_sent"]] == [(copy["id"], "pharmacovigilance")]
    # The report reads for the copy's correspondents of the establishment, not elsewhere.
    assert client.get(f"/api/v1/reports/{filed['id']}", headers=people["pv"][1]).status_code == 200
    assert client.get(f"/api/v1/reports/{filed['id']}", headers=people["pv_elsewhere"][1]).status_code in (403, 404)
    assert item(client, people, "pv_elsewhere", copy["id"]).status_code == 404

    sign_in(client, people["pv"][0])
    listing = client.get("/queues/pharmacovigilance").get_data(as_text=True)
    assert "Copie pour information" in listing
    page = client.get(f"/queue-items/{copy['id']}").get_data(as_text=True)
    assert "Copie pour information" in page and "R.1211-37" in page
    assert "Aucun délai de déclaration propre" in page


def test_a_haemovigilance_correspondent_links_a_pharmacovigilance_report_and_both_see_the_link(client, people):
    hv_report = file(client, people)
    pv_report = file(client, people, product={"name": "albumine humaine"})
    assert pv_report["queues"] == ["pharmacovigilance"]
    linked = client.post(
        f"/api/v1/reports/{hv_report['id']}/links",
        json={"other_report_id": pv_report["id"], "reason": "Même patient : CGR puis albumine."},
        headers=people["hv"][1],
    )
    assert linked.status_code == 201, linked.get_json()
    (hv_item,) = items(client, people, "hv", "haemovigilance")
    (pv_item,) = items(client, people, "pv", "pharmacovigilance")
    hv_links = item(client, people, "hv", hv_item["id"]).get_json()["links"]
    assert [(link["report_id"], link["reference"]) for link in hv_links] == [(pv_report["id"], pv_report["reference"])]
    pv_links = item(client, people, "pv", pv_item["id"]).get_json()["links"]
    assert [link["report_id"] for link in pv_links] == [hv_report["id"]]
    # Seeing the link is not reading the other report.
    assert client.get(f"/api/v1/reports/{pv_report['id']}", headers=people["hv"][1]).status_code in (403, 404)


def test_links_stay_refused_to_reporters_and_across_establishments(client, people):
    hv_report = file(client, people)
    pv_report = file(client, people, product={"name": "albumine humaine"})
    for who in ("reporter", "pv_elsewhere", "bv"):
        response = client.post(
            f"/api/v1/reports/{pv_report['id']}/links",
            json={"other_report_id": hv_report["id"], "reason": "x"},
            headers=people[who][1],
        )
        assert response.status_code == 404, who


def test_the_reporter_sees_the_follow_up_of_their_report(client, people):
    filed = file(client, people, product={"name": "Kymriah"})
    mine = client.get(f"/api/v1/reports/{filed['id']}", headers=people["reporter"][1]).get_json()
    (plan,) = mine["progress"]["followups"]
    assert plan["total"] == 15 and plan["done"] == 0 and plan["next_step"] == "A+1"
    sign_in(client, people["reporter"][0])
    page = client.get("/reports/mine").get_data(as_text=True)
    assert "Suivi à long terme après thérapie génique" in page and "A+1" in page


def test_a_haemovigilance_correspondent_sends_a_copy_where_the_text_leaves_it_to_them(client, people):
    filed = file(client, people)
    (hv_item,) = items(client, people, "hv", "haemovigilance")
    answer = item(client, people, "hv", hv_item["id"]).get_json()
    offered = {c["queue"]: c for c in answer["copies_offered"]}
    assert set(offered) == {"pharmacovigilance", "materiovigilance", "biovigilance"}
    assert "R.1221-49-3" in offered["pharmacovigilance"]["legal_basis"][0]
    # Not before it is sent: the pharmacovigilance correspondent does not read the report.
    assert client.get(f"/api/v1/reports/{filed['id']}", headers=people["pv"][1]).status_code in (403, 404)
    path = f"/api/v1/queue-items/{hv_item['id']}/information-copies"
    refused = client.post(path, json={"queue": "quality_defect"}, headers=people["hv"][1])
    assert refused.status_code == 422 and "queue" in refused.get_json()["errors"]
    sent = client.post(path, json={"queue": "pharmacovigilance"}, headers=people["hv"][1])
    assert sent.status_code == 200, sent.get_json()
    (copy_link,) = sent.get_json()["copies_sent"]
    assert copy_link["queue"] == "pharmacovigilance"
    assert "pharmacovigilance" not in {c["queue"] for c in sent.get_json()["copies_offered"]}
    (copy,) = items(client, people, "pv", "pharmacovigilance")
    assert copy["id"] == copy_link["item_id"] and copy["information_copy"] is True
    assert item(client, people, "pv", copy["id"]).get_json()["copy_of"]["item_id"] == hv_item["id"]
    assert client.get(f"/api/v1/reports/{filed['id']}", headers=people["pv"][1]).status_code == 200
    assert client.post(path, json={"queue": "pharmacovigilance"}, headers=people["hv"][1]).status_code == 409
    # Nobody else sends one: 404 as for an item they may not see.
    for who in ("bv", "reporter", "pv_elsewhere"):
        assert client.post(path, json={"queue": "materiovigilance"}, headers=people[who][1]).status_code == 404, who


def test_the_copy_is_offered_and_sent_from_the_item_page(client, people):
    file(client, people)
    (hv_item,) = items(client, people, "hv", "haemovigilance")
    sign_in(client, people["hv"][0])
    page = client.get(f"/queue-items/{hv_item['id']}").get_data(as_text=True)
    assert "Informer une autre vigilance" in page and "R.1221-49-3" in page
    response = client.post(
        f"/queue-items/{hv_item['id']}/information-copy",
        data={"csrf_token": csrf_from(page), "queue": "materiovigilance"},
    )
    assert response.status_code == 302
    page = client.get(f"/queue-items/{hv_item['id']}").get_data(as_text=True)
    assert "Copies pour information envoyées" in page


def test_a_serious_case_alerts_the_copys_correspondents_too(client, people, db):
    from sqlmodel import select

    from vigilance.models import Alert

    file(client, people, event_kind="donor_adverse_reaction", product={"name": "Kymriah"}, serious=True)
    (copy,) = items(client, people, "pv", "pharmacovigilance")
    db.rollback()
    alerted = {a.user_id for a in db.exec(select(Alert).where(Alert.queue_item_id == copy["id"])).all()}
    assert people["pv"][0].id in alerted and people["hv"][0].id not in alerted
