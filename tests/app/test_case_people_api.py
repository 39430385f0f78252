"""The case's people through the API: who reported and how to reach them, questions withdrawn at
closing, a stale assessment's refusal with the newer version, answers that contradict each other."""

import pytest

from tests.report_payloads import a_report, stored_rows
from vigilance.models import InformationRequest, Report


@pytest.fixture
def people(make_user, token_for):
    users = {
        "reporter": make_user("reporter", name="Dr Claire Martin"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "hv2": make_user("correspondent", vigilances=["haemovigilance"]),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def file(client, people, **changes):
    response = client.post("/api/v1/reports", json=a_report(**changes), headers=people["reporter"][1])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post(client, people, who, path, json=None, **headers):
    return client.post(f"/api/v1{path}", json=json if json is not None else {}, headers={**people[who][1], **headers})


def item_id_of(client, people):
    body = client.get("/api/v1/queues/haemovigilance/items", headers=people["hv"][1]).get_json()
    return body["items"][0]["id"]


def test_the_item_names_its_reporter_and_how_to_reach_them(client, people):
    filed = file(client, people, reporter_unit="Hématologie clinique, 3e étage", reporter_phone="+33 1 45 67 89 10")
    assert filed["reporter_unit"] == "Hématologie clinique, 3e étage"
    item = client.get(f"/api/v1/queue-items/{item_id_of(client, people)}", headers=people["hv"][1]).get_json()
    assert item["reporter"] == {
        "name": "Dr Claire Martin",
        "email": people["reporter"][0].email,
        "unit": "Hématologie clinique, 3e étage",
        "phone": "+33 1 45 67 89 10",
    }


def test_a_report_without_contact_is_still_filed_and_says_so(client, people):
    file(client, people)
    item = client.get(f"/api/v1/queue-items/{item_id_of(client, people)}", headers=people["hv"][1]).get_json()
    assert item["reporter"]["unit"] is None and item["reporter"]["phone"] is None
    assert item["reporter"]["email"] == people["reporter"][0].email


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        ({"reporter_phone": "appelez-moi"}, "reporter_phone", "numéro de téléphone"),
        ({"reporter_phone": "1" * 31}, "reporter_phone", "30 caractères au plus"),
        ({"reporter_unit": "u" * 121}, "reporter_unit", "120 caractères au plus"),
        # The reporter's contact is theirs: a social security number there is refused as anywhere.
        ({"reporter_unit": "patient 1 85 05 78 006 084 36"}, "reporter_unit", "sécurité sociale"),
    ],
)
def test_a_contact_that_is_not_one_is_refused_next_to_its_field(client, people, db, changes, field, said):
    before = stored_rows(db)
    response = client.post("/api/v1/reports", json=a_report(**changes), headers=people["reporter"][1])
    assert response.status_code == 422, response.get_json()
    assert said in " ".join(response.get_json()["errors"][field])
    assert stored_rows(db) == before


def test_closing_with_an_open_question_asks_to_withdraw_it(client, people):
    file(client, people)
    item_id = item_id_of(client, people)
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    asked = post(client, people, "hv", f"/queue-items/{item_id}/information-requests", {"question": "Volume ?"})
    request_id = asked.get_json()["information_requests"][0]["id"]

    refused = post(client, people, "hv", f"/queue-items/{item_id}/close", {"outcome": "not_reportable"})
    assert refused.status_code == 422
    assert "retrait" in refused.get_json()["errors"]["withdraw_questions"][0]
    english = post(
        client,
        people,
        "hv",
        f"/queue-items/{item_id}/close",
        {"outcome": "not_reportable"},
        **{"Accept-Language": "en"},
    )
    assert "confirm its withdrawal" in english.get_json()["errors"]["withdraw_questions"][0]
    still = client.get(f"/api/v1/queue-items/{item_id}", headers=people["hv"][1]).get_json()
    assert still["status"] == "awaiting_information" and still["information_requests"][0]["withdrawn_at"] is None

    closed = post(
        client, people, "hv", f"/queue-items/{item_id}/close", {"outcome": "not_reportable", "withdraw_questions": True}
    )
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["status"] == "closed" and body["information_requests"][0]["withdrawn_at"]

    answer = post(client, people, "reporter", f"/information-requests/{request_id}/answer", {"answer": "Un CGR."})
    assert answer.status_code == 409
    assert "clos" in answer.get_json()["message"]
    after = client.get(f"/api/v1/queue-items/{item_id}", headers=people["hv"][1]).get_json()
    assert after["information_requests"][0]["answer"] is None and after["status"] == "closed"


def test_an_item_whose_questions_are_answered_closes_without_confirmation(client, people):
    file(client, people)
    item_id = item_id_of(client, people)
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    asked = post(client, people, "hv", f"/queue-items/{item_id}/information-requests", {"question": "Volume ?"})
    request_id = asked.get_json()["information_requests"][0]["id"]
    assert post(client, people, "reporter", f"/information-requests/{request_id}/answer", {"answer": "1"}).status_code
    closed = post(client, people, "hv", f"/queue-items/{item_id}/close", {"outcome": "not_reportable"})
    assert closed.status_code == 200 and closed.get_json()["information_requests"][0]["withdrawn_at"] is None


def test_a_stale_assessment_is_refused_with_the_newer_version(client, people):
    file(client, people)
    item_id = item_id_of(client, people)
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    first = {"based_on_version": 0, "imputability": "1", "severity_grade": 2, "comment": "Frissons seuls."}
    assert post(client, people, "hv", f"/queue-items/{item_id}/assess", first).status_code == 200
    mine = {"based_on_version": 0, "imputability": "3", "comment": "Hémoculture positive."}
    stale = post(client, people, "hv", f"/queue-items/{item_id}/assess", mine)
    assert stale.status_code == 409
    body = stale.get_json()
    assert "based_on_version" in body["errors"]
    assert body["current"]["version"] == 1
    assert body["current"]["imputability"] == "1" and body["current"]["comment"] == "Frissons seuls."
    # Sent again on the version it was shown, the second input replaces the first.
    again = post(client, people, "hv", f"/queue-items/{item_id}/assess", {**mine, "based_on_version": 1})
    assert again.status_code == 200 and again.get_json()["assessments"][0]["imputability"] == "3"


def test_grade_4_not_serious_is_refused(client, people, db):
    before = stored_rows(db)
    response = client.post(
        "/api/v1/reports", json=a_report(serious=False, severity_grade=4), headers=people["reporter"][1]
    )
    assert response.status_code == 422
    assert "grade 4" in response.get_json()["errors"]["serious"][0]
    assert stored_rows(db) == before
    file(client, people, serious=True, severity_grade=4)
    file(client, people, serious=False, severity_grade=3)


@pytest.mark.parametrize("name", ["aucun", "Sans objet", "—", "?", "N/A", "néant"])
def test_a_report_naming_no_product_is_refused_unless_confirmed(client, people, db, name):
    before = stored_rows(db)
    refused = client.post("/api/v1/reports", json=a_report(product={"name": name}), headers=people["reporter"][1])
    assert refused.status_code == 422
    assert "confirmez" in refused.get_json()["errors"]["product"][0]
    assert stored_rows(db) == before
    filed = file(client, people, product={"name": name}, confirm_no_product=True)
    db.rollback()
    assert db.get(Report, filed["id"]).product_name == name


def test_a_named_product_needs_no_confirmation(client, people):
    # An unknown product is not no product: a correspondent qualifies it (the qualification queue).
    for name in ("CGR", "X-Vivo", "Albumine 20 %", "produit inconnu", "Inconnu"):
        file(client, people, product={"name": name})


def test_requalifying_away_withdraws_the_question_of_the_item_it_closes(client, people, db):
    filed = file(client, people)
    item_id = item_id_of(client, people)
    post(client, people, "hv", f"/queue-items/{item_id}/claim")
    asked = post(client, people, "hv", f"/queue-items/{item_id}/information-requests", {"question": "Volume ?"})
    request_id = asked.get_json()["information_requests"][0]["id"]
    moved = post(client, people, "hv", f"/queue-items/{item_id}/requalify", {"category": "medical_device"})
    assert moved.status_code in (200, 404), moved.get_json()  # the item may now be one the caller cannot open
    answer = post(client, people, "reporter", f"/information-requests/{request_id}/answer", {"answer": "Un CGR."})
    assert answer.status_code == 409, answer.get_json()
    report = client.get(f"/api/v1/reports/{filed['id']}", headers=people["reporter"][1]).get_json()
    assert "haemovigilance" not in report["queues"]
    db.rollback()
    assert db.get(InformationRequest, request_id).withdrawn_at is not None  # shown withdrawn, no reminder
