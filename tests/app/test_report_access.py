"""Who may read a report: every role, including neighbours who may not."""

import pytest

from tests.report_payloads import a_report
from vigilance import accounts


@pytest.fixture
def other_place(db):
    place = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    return place


@pytest.fixture
def filed(client, make_user, token_for):
    reporter = make_user("reporter")
    body = client.post("/api/v1/reports", json=a_report(), headers=token_for(reporter)).get_json()
    return body["id"]


def readers(make_user, other_place):
    return {
        "another reporter": (make_user("reporter"), 404),
        "haemovigilance correspondent": (make_user("correspondent", vigilances=["haemovigilance"]), 200),
        "biovigilance correspondent": (make_user("correspondent", vigilances=["biovigilance"]), 404),
        "haemovigilance correspondent elsewhere": (
            make_user("correspondent", vigilances=["haemovigilance"], place=other_place),
            404,
        ),
        "coordinator": (make_user("coordinator"), 200),
        "coordinator elsewhere": (make_user("coordinator", place=other_place), 404),
        "admin": (make_user("admin"), 404),
        "admin who is also coordinator": (make_user("admin", place=None, is_coordinator=True), 404),
    }


def test_access_matrix(client, make_user, token_for, other_place, filed, establishment, db):
    matrix = readers(make_user, other_place)
    # An admin who coordinates this establishment sees its reports.
    coordinating_admin = accounts.create_user(
        db,
        email="admin-coord@example.org",
        role="admin",
        establishment=establishment,
        is_coordinator=True,
        password="correct horse battery",
    )
    db.commit()
    matrix["admin coordinating this establishment"] = (coordinating_admin, 200)
    for label, (user, expected) in matrix.items():
        response = client.get(f"/api/v1/reports/{filed}", headers=token_for(user))
        assert response.status_code == expected, label
        if expected == 404:
            assert "reference" not in response.get_json(), label


def test_a_disabled_account_reads_nothing(client, make_user, token_for, filed, runner):
    from app.cli import cli

    coordinator = make_user("coordinator")
    headers = token_for(coordinator)
    assert client.get(f"/api/v1/reports/{filed}", headers=headers).status_code == 200
    assert runner.invoke(cli, ["users", "disable", coordinator.email]).exit_code == 0
    assert client.get(f"/api/v1/reports/{filed}", headers=headers).status_code == 401


def test_an_admin_without_establishment_cannot_file(client, make_user, token_for):
    admin = make_user("admin")
    response = client.post("/api/v1/reports", json=a_report(), headers=token_for(admin))
    assert response.status_code == 403


def test_a_missing_report_and_a_hidden_one_look_the_same(client, make_user, token_for, filed):
    stranger = token_for(make_user("reporter"))
    hidden = client.get(f"/api/v1/reports/{filed}", headers=stranger)
    missing = client.get("/api/v1/reports/999999", headers=stranger)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_the_own_list_shows_only_ones_own_reports(client, make_user, token_for, filed):
    coordinator = token_for(make_user("coordinator"))
    assert client.get("/api/v1/reports", headers=coordinator).get_json()["items"] == []
