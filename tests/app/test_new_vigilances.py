"""Assisted reproduction vigilance and réactovigilance as people meet them, and the regional
pharmacovigilance centre named on the reports that go to it."""

import pytest

from tests.page_session import sign_in
from tests.report_payloads import a_report
from vigilance import accounts


@pytest.fixture
def rennes(db):
    place = accounts.create_establishment(db, finess="350005179", name="CHU de Rennes")
    db.commit()
    return place


def test_a_report_on_embryos_reaches_the_amp_correspondent_alone(client, make_user, token_for):
    reporter = make_user("reporter")
    amp = make_user("correspondent", vigilances=["amp_vigilance"])
    biovigilance = make_user("correspondent", vigilances=["biovigilance"])
    filed = client.post(
        "/api/v1/reports",
        json=a_report(event_kind="incident", product={"name": "embryon congelé"}, severity_grade=None),
        headers=token_for(reporter),
    ).get_json()
    assert filed["queues"] == ["amp_vigilance"]
    assert filed["classification"]["category"] == "gametes_embryos"
    assert filed["classification"]["authorities"] == {"amp_vigilance": "ABM"}
    assert [d["queue"] for d in filed["deadlines"]] == ["amp_vigilance"]

    items = client.get("/api/v1/queues/amp_vigilance/items", headers=token_for(amp)).get_json()["items"]
    assert [i["reference"] for i in items] == [filed["reference"]]
    refused = client.get("/api/v1/queues/amp_vigilance/items", headers=token_for(biovigilance))
    assert refused.status_code in (403, 404) or refused.get_json()["items"] == []
    assert client.get("/api/v1/queues/biovigilance/items", headers=token_for(biovigilance)).get_json()["items"] == []


def test_a_glucose_meter_incident_reaches_reactovigilance_and_its_page(client, make_user, token_for):
    reporter = make_user("reporter")
    reacto = make_user("correspondent", vigilances=["reactovigilance"])
    filed = client.post(
        "/api/v1/reports",
        json=a_report(event_kind="incident", product={"name": "lecteur de glycémie"}, severity_grade=None),
        headers=token_for(reporter),
    ).get_json()
    assert filed["queues"] == ["reactovigilance"]
    assert filed["classification"]["authorities"] == {"reactovigilance": "ANSM"}
    [item] = client.get("/api/v1/queues/reactovigilance/items", headers=token_for(reacto)).get_json()["items"]

    sign_in(client, reacto)
    listing = client.get("/queues/reactovigilance")
    assert listing.status_code == 200 and filed["reference"] in listing.get_data(as_text=True)
    page = client.get(f"/queue-items/{item['id']}").get_data(as_text=True)
    assert "réactovigilance" in page.lower()


def test_pharmacovigilance_reports_name_the_establishments_regional_centre(client, make_user, token_for, rennes):
    reporter = make_user("reporter", place=rennes)
    correspondent = make_user("correspondent", vigilances=["pharmacovigilance"], place=rennes)
    filed = client.post(
        "/api/v1/reports", json=a_report(product={"name": "Kymriah"}), headers=token_for(reporter)
    ).get_json()
    assert filed["classification"]["authorities"] == {"pharmacovigilance": "CRPV de Rennes"}
    assert filed["classification"]["recipients"] == {"pharmacovigilance": "CRPV de Rennes (CHU de Rennes)"}
    english = client.get(
        f"/api/v1/reports/{filed['id']}", headers={**token_for(reporter), "Accept-Language": "en"}
    ).get_json()
    assert english["classification"]["recipients"]["pharmacovigilance"].startswith(
        "Regional pharmacovigilance centre of Rennes"
    )

    [item] = client.get("/api/v1/queues/pharmacovigilance/items", headers=token_for(correspondent)).get_json()["items"]
    sign_in(client, correspondent)
    page = client.get(f"/queue-items/{item['id']}").get_data(as_text=True)
    assert "CRPV de Rennes (CHU de Rennes)" in page


def test_where_the_centre_is_not_in_the_data_the_report_says_so_rather_than_guess(client, make_user, token_for):
    reporter = make_user("reporter")  # Paris: Île-de-France's centres share the region by hospital
    filed = client.post(
        "/api/v1/reports", json=a_report(product={"name": "Kymriah"}), headers=token_for(reporter)
    ).get_json()
    assert filed["classification"]["authorities"] == {"pharmacovigilance": "CRPV"}
    assert filed["classification"]["recipients"] == {"pharmacovigilance": "CRPV de la région de l'établissement"}


def test_an_unexpected_non_serious_graft_reaction_is_due_for_declaration_to_the_abm(client, make_user, token_for):
    reporter = make_user("reporter")
    unexpected = client.post(
        "/api/v1/reports",
        json=a_report(product={"name": "Greffe de cornée"}, serious=False, unexpected=True, severity_grade=1),
        headers=token_for(reporter),
    ).get_json()
    expected = client.post(
        "/api/v1/reports",
        json=a_report(product={"name": "Greffe de cornée"}, serious=False, severity_grade=1),
        headers=token_for(reporter),
    ).get_json()
    assert [d["kind"] for d in unexpected["deadlines"]] == ["declaration"]
    assert unexpected["unexpected"] is True
    assert [d["kind"] for d in expected["deadlines"]] == ["assessment"]
    assert expected["unexpected"] is None


def test_the_report_form_asks_whether_the_reaction_was_unexpected(client, make_user, db):
    from sqlalchemy import select

    from tests.page_session import form_fields
    from vigilance.models import Report

    reporter = make_user("reporter")
    sign_in(client, reporter)
    fields = form_fields(client, serious="no", severity_grade="1", unexpected="yes")
    response = client.post("/reports/new", data=fields)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    db.rollback()
    assert db.scalars(select(Report.unexpected)).all() == [True]


def test_the_coordinators_dashboard_and_activity_count_the_new_queues(client, runner, db):
    from sqlalchemy import select

    from app.cli import cli
    from vigilance import demo
    from vigilance.models import Report, User

    assert runner.invoke(cli, ["demo", "load"]).exit_code == 0
    db.rollback()
    coordinator = db.scalars(select(User).where(User.email == "coordination@demo.vigilance.fr")).one()
    sign_in(client, coordinator, demo.DEMO_PASSWORD)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "AMP vigilance" in dashboard and "réactovigilance" in dashboard
    # The demo files its reports over the last thirty days: the year of the AMP one is the page's.
    amp = db.scalars(select(Report.received_at).where(Report.category == "gametes_embryos")).first()
    activity = client.get(f"/activity/{amp.year}").get_data(as_text=True)
    assert "AMP vigilance" in activity and "réactovigilance" in activity
