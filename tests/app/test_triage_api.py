"""Triage through the API: queues, the state machine, permissions, races and stale edits."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from tests.report_payloads import a_report
from vigilance import accounts


@pytest.fixture
def people(make_user, token_for, db):
    other_place = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "hv2": make_user("correspondent", vigilances=["haemovigilance"]),
        "bv": make_user("correspondent", vigilances=["biovigilance", "qualification"]),
        "hv_elsewhere": make_user("correspondent", vigilances=["haemovigilance"], place=other_place),
        "coordinator": make_user("coordinator"),
        "admin": make_user("admin"),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def file(client, people, **changes):
    response = client.post("/api/v1/reports", json=a_report(**changes), headers=people["reporter"][1])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def item_of(client, people, who="hv", queue="haemovigilance", **params):
    response = client.get(f"/api/v1/queues/{queue}/items", headers=people[who][1], query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def post(client, people, who, path, json=None):
    return client.post(f"/api/v1{path}", json=json if json is not None else {}, headers=people[who][1])


def test_the_queue_lists_new_items_most_urgent_first_serious_first(client, people):
    mild = file(client, people, serious=False, severity_grade=1)  # 15 working days
    urgent = file(client, people, serious=True, severity_grade=3)  # 48 working hours
    body = item_of(client, people)
    assert [i["report_id"] for i in body["items"]] == [urgent["id"], mild["id"]]
    first = body["items"][0]
    assert first["status"] == "new" and first["assignee"] is None and first["next_due_at"]
    assert "heures ouvrables" in first["time_left"]["text"]
    assert body["counts"]["new"] == 2
    english = client.get("/api/v1/queues/haemovigilance/items", headers={**people["hv"][1], "Accept-Language": "en"})
    assert "working hours" in english.get_json()["items"][0]["time_left"]["text"]


def test_who_sees_a_queue(client, people):
    file(client, people)
    assert len(item_of(client, people, "hv")["items"]) == 1
    assert len(item_of(client, people, "coordinator")["items"]) == 1
    assert item_of(client, people, "hv_elsewhere")["items"] == []
    for who in ("bv", "reporter", "admin"):
        assert client.get("/api/v1/queues/haemovigilance/items", headers=people[who][1]).status_code == 404, who
    assert client.get("/api/v1/queues/haemovigilance/items").status_code == 401
    assert client.get("/api/v1/queues/nonsense/items", headers=people["hv"][1]).status_code == 404


def test_keyset_pages_cover_the_queue_once(client, people, monkeypatch):
    monkeypatch.setattr("app.api.triage.PAGE_SIZE", 2)
    ids = {file(client, people, serious=bool(n % 2), severity_grade=1 + n % 3)["id"] for n in range(5)}
    seen, cursor = [], None
    while True:
        body = item_of(client, people, **({"cursor": cursor} if cursor else {}))
        seen += [i["report_id"] for i in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_filters_and_search(client, people):
    a = file(client, people, lot_number="LOT-42", serious=False)
    b = file(client, people, product={"name": "MCP-IA"}, serious=True)
    assert [i["report_id"] for i in item_of(client, people, q="LOT-42")["items"]] == [a["id"]]
    assert [i["report_id"] for i in item_of(client, people, q="mcp")["items"]] == [b["id"]]
    assert [i["report_id"] for i in item_of(client, people, q=b["reference"])["items"]] == [b["id"]]
    assert [i["report_id"] for i in item_of(client, people, serious="true")["items"]] == [b["id"]]
    item = item_of(client, people, q="LOT-42")["items"][0]
    post(client, people, "hv", f"/queue-items/{item['id']}/claim")
    assert [i["id"] for i in item_of(client, people, assigned="me")["items"]] == [item["id"]]
    assert item["id"] not in [i["id"] for i in item_of(client, people, assigned="nobody")["items"]]
    assert client.get("/api/v1/queues/haemovigilance/items?nonsense=1", headers=people["hv"][1]).status_code == 422


def test_claim_then_a_colleague_gets_409(client, people):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    mine = post(client, people, "hv", f"/queue-items/{item_id}/claim")
    assert mine.status_code == 200 and mine.get_json()["assignee"]["email"] == people["hv"][0].email
    assert mine.get_json()["status"] == "in_progress"
    theirs = post(client, people, "hv2", f"/queue-items/{item_id}/claim")
    assert theirs.status_code == 409
    holder = people["hv"][0].label
    assert theirs.get_json()["message"] == f"{holder} a déjà pris cet élément."
    in_english = client.post(
        f"/api/v1/queue-items/{item_id}/claim", json={}, headers={**people["hv2"][1], "Accept-Language": "en"}
    )
    assert in_english.get_json()["message"] == f"{holder} already claimed this item."
    assert post(client, people, "hv", f"/queue-items/{item_id}/claim").status_code == 200  # already mine


def test_the_claim_answers_with_the_item_as_its_queue_now_lists_it(client, people):
    report = file(client, people, serious=True, severity_grade=3)
    item_id = item_of(client, people)["items"][0]["id"]

    claimed = post(client, people, "hv", f"/queue-items/{item_id}/claim").get_json()

    listed = next(i for i in item_of(client, people)["items"] if i["id"] == item_id)
    assert claimed == listed
    assert claimed["report_id"] == report["id"] and claimed["status"] == "in_progress"
    assert claimed["assignee"]["email"] == people["hv"][0].email


def test_of_many_simultaneous_claims_exactly_one_wins(app, client, people, make_user, token_for):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    claimers = [token_for(make_user("correspondent", vigilances=["haemovigilance"])) for _ in range(8)]
    barrier = threading.Barrier(len(claimers))

    def claim(headers):
        local = app.test_client()
        barrier.wait()
        return local.post(f"/api/v1/queue-items/{item_id}/claim", json={}, headers=headers).status_code

    with ThreadPoolExecutor(len(claimers)) as pool:
        statuses = list(pool.map(claim, claimers))
    assert sorted(statuses) == [200] + [409] * 7


@pytest.mark.parametrize(
    ("product", "queue", "level"),
    [
        ("Kymriah", "pharmacovigilance", "unassessable"),  # WHO-UMC's longest word
        ("Kymriah", "pharmacovigilance", "conditional"),
    ],
)
def test_every_level_of_a_word_scale_is_stored(client, people, make_user, token_for, product, queue, level):
    correspondent = make_user("correspondent", vigilances=[queue])
    headers = token_for(correspondent)
    file(client, people, product={"name": product})
    item_id = client.get(f"/api/v1/queues/{queue}/items", headers=headers).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=headers).status_code == 200
    assessed = client.post(
        f"/api/v1/queue-items/{item_id}/assess", headers=headers, json={"based_on_version": 0, "imputability": level}
    )
    assert assessed.status_code == 200, assessed.get_json()
    assert assessed.get_json()["assessments"][0]["imputability"] == level


def test_the_whole_workflow(client, people, db):
    report = file(client, people, serious=True, severity_grade=2)
    item_id = item_of(client, people)["items"][0]["id"]
    assert post(client, people, "hv", f"/queue-items/{item_id}/claim").status_code == 200
    assessed = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/assess",
        {
            "based_on_version": 0,
            "severity_grade": 2,
            "imputability": "2",
            "reaction_type": "fnhtr",
            "seriousness_criteria": ["hospitalisation"],
            "investigation_status": "in_progress",
        },
    )
    assert assessed.status_code == 200, assessed.get_json()
    assessment = assessed.get_json()["assessments"][0]
    assert assessment["version"] == 1 and assessment["imputability_scale"] == "ansm-hv-imputability-2020"
    asked = post(client, people, "hv", f"/queue-items/{item_id}/information-requests", {"question": "Hémocultures ?"})
    assert asked.get_json()["status"] == "awaiting_information"
    question_id = asked.get_json()["information_requests"][0]["id"]
    answered = client.post(
        f"/api/v1/information-requests/{question_id}/answer",
        json={"answer": "Négatives."},
        headers=people["reporter"][1],
    )
    assert answered.status_code == 200
    detail = client.get(f"/api/v1/queue-items/{item_id}", headers=people["hv"][1]).get_json()
    assert detail["status"] == "in_progress"
    assert detail["information_requests"][0]["answer"] == "Négatives."
    declared = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/declarations",
        {"authority": "ANSM", "authority_reference": "EFIT-2026-12345", "declared_on": date.today().isoformat()},
    )
    body = declared.get_json()
    assert body["status"] == "declared"
    assert {d["state"] for d in body["deadlines"] if d["kind"] == "declaration"} == {"met"}
    follow_up = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/declarations",
        {
            "authority": "ANSM",
            "authority_reference": "EFIT-2026-12345-2",
            "declared_on": date.today().isoformat(),
            "kind": "follow_up",
        },
    )
    assert len(follow_up.get_json()["declarations"]) == 2
    closed = post(client, people, "hv", f"/queue-items/{item_id}/close", {"outcome": "declared", "note": "Fin."})
    assert closed.get_json()["status"] == "closed"
    report_now = client.get(f"/api/v1/reports/{report['id']}", headers=people["reporter"][1]).get_json()
    assert report_now["status"] == "closed"
    assert post(client, people, "hv", f"/queue-items/{item_id}/claim").status_code == 409
    reopened = post(client, people, "hv", f"/queue-items/{item_id}/reopen", {"reason": "Nouvel élément clinique."})
    assert reopened.get_json()["status"] == "in_progress"
    actions = [h["target"].split(":")[-1] for h in reopened.get_json()["history"] if h["target"].startswith("item:")]
    assert actions == ["claim", "assess", "request_information", "answer", "declare", "declare", "close", "reopen"]


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("claim", None),
        ("assess", {"based_on_version": 0}),
        ("information-requests", {"question": "?"}),
        ("declarations", {"authority": "ANSM", "authority_reference": "X", "declared_on": "2026-01-02"}),
        ("close", {"outcome": "not_reportable"}),
        ("requalify", {"category": "tissue"}),
    ],
)
def test_closed_items_refuse_work(client, people, action, payload):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    post(client, people, "hv", f"/queue-items/{item_id}/close", {"outcome": "not_reportable"})
    response = post(client, people, "hv", f"/queue-items/{item_id}/{action}", payload)
    assert response.status_code == 409, response.get_json()
    assert "clos" in response.get_json()["message"]


def test_open_items_refuse_reopen_and_a_follow_up_needs_an_initial_declaration(client, people):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    assert post(client, people, "hv", f"/queue-items/{item_id}/reopen", {"reason": "x"}).status_code == 409
    follow_up = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/declarations",
        {"authority": "ANSM", "authority_reference": "X", "declared_on": "2026-01-02", "kind": "follow_up"},
    )
    assert follow_up.status_code == 409
    assert post(client, people, "hv", f"/queue-items/{item_id}/close", {"outcome": "declared"}).status_code == 409


def test_a_stale_assessment_is_refused_not_overwritten(client, people):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    first = post(client, people, "hv", f"/queue-items/{item_id}/assess", {"based_on_version": 0, "imputability": "1"})
    assert first.status_code == 200
    stale = post(
        client, people, "coordinator", f"/queue-items/{item_id}/assess", {"based_on_version": 0, "imputability": "3"}
    )
    assert stale.status_code == 409 and "pas été enregistrée" in stale.get_json()["message"]
    stale_in_english = client.post(
        f"/api/v1/queue-items/{item_id}/assess",
        json={"based_on_version": 0, "imputability": "3"},
        headers={**people["coordinator"][1], "Accept-Language": "en"},
    )
    assert stale_in_english.get_json()["message"] == (
        "The assessment changed (version 1) since you opened it (version 0): your edit was not saved; "
        "compare it with the current version and save it again if it should replace it."
    )
    current = client.get(f"/api/v1/queue-items/{item_id}", headers=people["hv"][1]).get_json()["assessments"]
    assert [a["imputability"] for a in current] == ["1"]


def test_assessment_values_follow_the_queue_scale(client, people):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    response = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/assess",
        {"based_on_version": 0, "imputability": "probable", "reaction_type": "crs"},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"imputability", "reaction_type"}
    assert response.get_json()["errors"]["reaction_type"] == ["Type inconnu pour cette file."]
    in_english = client.post(
        f"/api/v1/queue-items/{item_id}/assess",
        json={"based_on_version": 0, "imputability": "probable"},
        headers={**people["hv"][1], "Accept-Language": "en"},
    )
    assert in_english.get_json()["errors"]["imputability"] == [
        "Unknown level on scale ansm-hv-imputability-2020: NE, 0, 1, 2, 3."
    ]


def test_work_on_an_item_someone_else_holds_is_refused(client, people):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    for action, payload in (
        ("assess", {"based_on_version": 0}),
        ("information-requests", {"question": "?"}),
        ("close", {"outcome": "not_reportable"}),
    ):
        response = post(client, people, "hv2", f"/queue-items/{item_id}/{action}", payload)
        assert response.status_code == 409, action
    assert post(client, people, "hv2", f"/queue-items/{item_id}/release").status_code == 403
    assert post(client, people, "coordinator", f"/queue-items/{item_id}/release").status_code == 200


def test_assign_to_a_colleague_of_the_queue_only(client, people):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    for who in ("bv", "hv_elsewhere"):
        response = post(client, people, "hv", f"/queue-items/{item_id}/assign", {"assignee_id": people[who][0].id})
        assert response.status_code == 422, who
    handed = post(client, people, "hv", f"/queue-items/{item_id}/assign", {"assignee_id": people["hv2"][0].id})
    assert handed.get_json()["assignee"]["email"] == people["hv2"][0].email
    stale = post(
        client,
        people,
        "coordinator",
        f"/queue-items/{item_id}/assign",
        {"assignee_id": people["hv"][0].id, "expected_version": 1},
    )
    assert stale.status_code == 409


@pytest.mark.parametrize("who", ["bv", "hv_elsewhere", "reporter", "admin"])
def test_outsiders_cannot_touch_an_item(client, people, who):
    file(client, people)
    item_id = item_of(client, people)["items"][0]["id"]
    assert client.get(f"/api/v1/queue-items/{item_id}", headers=people[who][1]).status_code == 404
    assert post(client, people, who, f"/queue-items/{item_id}/claim").status_code == 404


def test_requalification_moves_the_report_and_keeps_everything(client, people, db):
    report = file(client, people, product={"name": "Produit inconnu Z-17"}, serious=True)
    assert report["queues"] == ["qualification"]
    item_id = item_of(client, people, "bv", "qualification")["items"][0]["id"]
    moved = post(
        client,
        people,
        "bv",
        f"/queue-items/{item_id}/requalify",
        {"category": "tissue", "reason": "Allogreffe osseuse d'après le bloc."},
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["status"] == "closed" and moved.get_json()["outcome"] == "requalified"
    now_in = item_of(client, people, "bv", "biovigilance")["items"]
    assert [i["report_id"] for i in now_in] == [report["id"]]
    assert now_in[0]["next_due_at"]  # the new queue's deadline, counted from the original receipt
    stored = client.get(f"/api/v1/reports/{report['id']}", headers=people["reporter"][1]).get_json()
    assert stored["classification"]["category"] == "tissue"
    assert stored["queues"] == ["biovigilance"]
    assert any("correspondant a qualifié" in step for step in stored["classification"]["explanation"])
    history = client.get(f"/api/v1/queue-items/{item_id}", headers=people["bv"][1]).get_json()["history"]
    requalified = next(h for h in history if h["target"].endswith("requalify"))
    assert requalified["before"]["category"] == "unclassified" and requalified["after"]["category"] == "tissue"


def test_intake_flags_likely_duplicates_with_the_reason(client, people):
    first = file(client, people, donation_number="=G123498654321")
    second = file(client, people, donation_number="=G123498654321")
    same_patient = file(client, people, occurred_at="2026-11-21T09:00:00+01:00")
    item = item_of(client, people, q=second["reference"])["items"][0]
    detail = client.get(f"/api/v1/queue-items/{item['id']}", headers=people["hv"][1]).get_json()
    assert detail["possible_duplicates"][0]["reference"] == first["reference"]
    assert "numéro de don" in detail["possible_duplicates"][0]["reason"]
    third = client.get(
        f"/api/v1/queue-items/{item_of(client, people, q=same_patient['reference'])['items'][0]['id']}",
        headers=people["hv"][1],
    ).get_json()
    assert any("même patient" in c["reason"] for c in third["possible_duplicates"])
    linked = client.post(
        f"/api/v1/reports/{second['id']}/links",
        json={"other_report_id": first["id"], "reason": "Même poche."},
        headers=people["hv"][1],
    )
    assert linked.status_code == 201
    again = client.post(
        f"/api/v1/reports/{first['id']}/links",
        json={"other_report_id": second["id"], "reason": "Encore."},
        headers=people["hv"][1],
    )
    assert again.status_code == 409
    refused = client.post(
        f"/api/v1/reports/{second['id']}/links",
        json={"other_report_id": first["id"], "reason": "x"},
        headers=people["reporter"][1],
    )
    assert refused.status_code == 404


def test_a_waived_deadline_needs_a_reason_and_leaves_the_queue_order(client, people):
    file(client, people, serious=True)
    item = item_of(client, people)["items"][0]
    detail = client.get(f"/api/v1/queue-items/{item['id']}", headers=people["hv"][1]).get_json()
    deadline_id = detail["deadlines"][0]["id"]
    missing = client.post(f"/api/v1/deadlines/{deadline_id}/waive", json={}, headers=people["hv"][1])
    assert missing.status_code == 422
    waived = client.post(
        f"/api/v1/deadlines/{deadline_id}/waive",
        json={"reason": "Doublon d'un signalement déclaré."},
        headers=people["hv"][1],
    )
    assert waived.status_code == 200
    assert waived.get_json()["deadlines"][0]["state"] == "waived"
    assert waived.get_json()["next_due_at"] is None


@pytest.mark.parametrize("cursor", ["garbage", "aWQ6Mw", "MjAyNi0xMS0yMlQxMDowMDowMHwyfDM"])
def test_a_cursor_the_api_did_not_give_is_refused_by_name(client, people, cursor):
    # Not base64; a report list's cursor ("id:3"); a queue cursor with seriousness "2".
    response = client.get(
        "/api/v1/queues/haemovigilance/items", headers=people["hv"][1], query_string={"cursor": cursor}
    )
    assert response.status_code == 422
    # French by default, as every refusal (the account has not chosen English).
    assert response.get_json()["errors"] == {"cursor": ["Ce curseur ne vient pas de cette API."]}


@pytest.mark.parametrize("query", [{"received_to": "9999-12-31"}, {"received_from": "0001-01-01"}])
def test_a_day_no_period_can_reach_is_refused_by_name(client, people, query):
    response = client.get("/api/v1/queues/haemovigilance/items", headers=people["hv"][1], query_string=query)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == list(query)


def test_an_id_beyond_any_row_is_not_found_not_an_error(client, people):
    huge = 2**63
    assert client.get(f"/api/v1/reports/{huge}", headers=people["reporter"][1]).status_code == 404
    assert client.post(f"/api/v1/queue-items/{huge}/claim", headers=people["hv"][1]).status_code == 404
