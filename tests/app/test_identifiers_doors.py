"""Identifiers at every door: a mistyped ISBT 128 donation number, FINESS or RPPS number is
refused beside its field; a donation number in no known format is accepted, and said so."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.cli import cli
from routing import EventKind, ProductFacts
from tests.page_session import PASSWORD, count_reports, csrf_from, form_fields, sign_in
from tests.report_payloads import a_report, stored_rows
from vigilance import accounts, intake
from vigilance.errors import InvalidInput
from vigilance.models import Establishment, QueueItem, Report, User, UserRpps

#: JPAC Red Book, annex 2: G123 498 654 321 has the check character H.
RIGHT = "G123 498 654 321 H"
WRONG = "G123 498 654 321 J"


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


@pytest.fixture
def headers(reporter, token_for):
    return token_for(reporter)


# --- API --------------------------------------------------------------------------------------------


def test_the_api_refuses_a_wrong_check_character_on_donation_number_and_stores_nothing(client, headers, db):
    before = stored_rows(db)
    response = client.post("/api/v1/reports", json=a_report(donation_number=WRONG), headers=headers)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert list(errors) == ["donation_number"]
    assert "G123498654321" in errors["donation_number"][0]
    assert stored_rows(db) == before


@pytest.mark.parametrize("spelling", [RIGHT, "g123498654321h", "=G12349865432177", "G123498654321"])
def test_the_api_accepts_the_spellings_of_a_right_number_without_warning(client, headers, spelling):
    response = client.post("/api/v1/reports", json=a_report(donation_number=spelling), headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["donation_number"] == spelling  # kept as typed
    assert body["warnings"] == []


def test_a_number_in_no_known_format_is_accepted_with_a_warning(client, headers, db):
    response = client.post(
        "/api/v1/reports", json=a_report(donation_number="don 4711-B"), headers={**headers, "Accept-Language": "en"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    (warning,) = body["warnings"]
    assert warning["field"] == "donation_number" and warning["code"] == "donation_number_format_unknown"
    assert "ISBT 128" in warning["message"]
    again = client.get(f"/api/v1/reports/{body['id']}", headers=headers).get_json()
    assert [w["code"] for w in again["warnings"]] == ["donation_number_format_unknown"]
    db.rollback()
    stored = db.get(Report, body["id"])
    assert stored.donation_number == "don 4711-B" and stored.donation_number_normalised == "DON4711B"


def test_the_openapi_document_describes_the_warnings_and_the_check(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    out = next(s for name, s in schemas.items() if name.startswith("ReportOut"))
    assert "warnings" in out["properties"] and "warnings" in out["required"]
    create = next(s for name, s in schemas.items() if name.startswith("ReportCreate"))
    assert "MOD 37-2" in create["properties"]["donation_number"]["description"]
    warning = next(s for name, s in schemas.items() if name.startswith("Warning"))
    assert warning["properties"]["code"]["enum"] == ["donation_number_format_unknown"]


# --- Pages -------------------------------------------------------------------------------------------


def test_the_form_refuses_a_wrong_check_character_beside_the_field(client, reporter, db):
    sign_in(client, reporter)
    response = client.post("/reports/new", data=form_fields(client, donation_number=WRONG))
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert re.search(r'id="donation_number-error">[^<]*caractère de contrôle', html)
    assert 'aria-invalid="true" aria-describedby="donation_number-error donation_number_help"' in html
    assert f'value="{WRONG}"' in html  # kept as typed, to correct
    assert count_reports(db) == 0


def test_after_filing_an_unknown_number_the_page_says_it_was_not_checked(client, reporter, db):
    sign_in(client, reporter)
    filed = client.post("/reports/new", data=form_fields(client, donation_number="4711"))
    assert filed.status_code == 302
    page = client.get(filed.headers["Location"]).get_data(as_text=True)
    assert 'id="warning-donation_number_format_unknown"' in page and "format non reconnu" in page
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = client.get(filed.headers["Location"]).get_data(as_text=True)
    assert "not recognised" in english
    right = client.post("/reports/new", data=form_fields(client, donation_number=RIGHT))
    assert "warning-donation_number" not in client.get(right.headers["Location"]).get_data(as_text=True)


# --- Duplicates and search across spellings ------------------------------------------------------------


def _file(db, reporter, **numbers):
    now = datetime.now(UTC)
    result = intake.submit(
        db,
        actor=reporter,
        now=now,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now - timedelta(hours=2),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=False,
            severity_grade=1,
            **numbers,
        ),
    )
    db.commit()
    return result.report


def test_the_queue_search_finds_a_number_whatever_its_spelling(client, db, reporter, make_user):
    hv = make_user("correspondent", vigilances=["haemovigilance"])
    report = _file(db, reporter, donation_number="=G12349865432100", lot_number="lot 77-a")
    sign_in(client, hv, PASSWORD)
    for term in ("G123 498 654 321 H", "g123498654321", "LOT77-A", "Lot 77-A"):
        assert report.reference in client.get("/queues", query_string={"q": term}).get_data(as_text=True), term
    assert report.reference not in client.get("/queues", query_string={"q": " - "}).get_data(as_text=True)


# --- FINESS ------------------------------------------------------------------------------------------


def test_the_cli_refuses_a_finess_number_whose_key_is_wrong(runner, db):
    refused = runner.invoke(cli, ["establishments", "add", "750712185", "--name", "AP-HP"])
    assert refused.exit_code != 0
    assert "FINESS" in refused.stderr and "750712185" in refused.stderr
    assert refused.stdout == ""
    db.rollback()
    assert db.scalars(select(Establishment).where(Establishment.finess == "750712185")).first() is None
    accepted = runner.invoke(cli, ["establishments", "add", "750 712 184", "--name", "AP-HP"])
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.startswith("750712184\t")


def test_the_domain_refuses_a_wrong_finess_whatever_the_door(db):
    with pytest.raises(InvalidInput) as refused:
        accounts.create_establishment(db, finess="750712185", name="AP-HP")
    assert list(refused.value.messages("en")) == ["finess"]
    assert accounts.create_establishment(db, finess="2a0000014", name="CH Ajaccio").finess == "2A0000014"


# --- RPPS --------------------------------------------------------------------------------------------


def test_users_create_takes_an_rpps_number_and_checks_its_key(runner, db, establishment):
    refused = runner.invoke(
        cli,
        [
            "users",
            "create",
            "a@example.org",
            "--role",
            "reporter",
            "--establishment",
            "750000010",
            "--rpps",
            "10000000008",
        ],
    )
    assert refused.exit_code != 0 and "rpps" in refused.stderr
    created = runner.invoke(
        cli,
        [
            "users",
            "create",
            "a@example.org",
            "--role",
            "reporter",
            "--establishment",
            "750000010",
            "--rpps",
            "100 0000 0009",
        ],
    )
    assert created.exit_code == 0, created.output
    db.rollback()
    user = db.scalars(select(User).where(User.email == "a@example.org")).one()
    assert db.get(UserRpps, user.id).rpps == "10000000009"


def test_the_profile_takes_an_rpps_number_refuses_a_wrong_key_beside_the_field_and_removes_it(client, reporter, db):
    sign_in(client, reporter)

    def save(rpps):
        token = csrf_from(client.get("/profile").get_data(as_text=True))
        return client.post("/profile", data={"csrf_token": token, "language": "fr", "rpps": rpps})

    def stored():
        db.rollback()
        return db.scalar(select(UserRpps.rpps).where(UserRpps.user_id == reporter.id))

    refused = save("10000000008")
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert re.search(r'id="rpps-error">[^<]*RPPS', html) and 'value="10000000008"' in html
    assert stored() is None
    assert save("10000000009").status_code == 302
    assert stored() == "10000000009"
    assert 'value="10000000009"' in client.get("/profile").get_data(as_text=True)
    assert save("").status_code == 302
    assert stored() is None


def test_the_admin_account_form_checks_the_rpps_number(app, make_user, db):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    token = csrf_from(client.get("/admin/accounts").get_data(as_text=True))
    fields = {"csrf_token": token, "email": "new@example.org", "role": "admin", "language": "fr"}
    refused = client.post("/admin/accounts", data={**fields, "rpps": "12345"})
    assert refused.status_code == 400
    assert 'id="rpps-error"' in refused.get_data(as_text=True)
    assert client.post("/admin/accounts", data={**fields, "rpps": "10000000009"}).status_code == 200
    db.rollback()
    user = db.scalars(select(User).where(User.email == "new@example.org")).one()
    assert db.get(UserRpps, user.id).rpps == "10000000009"


def test_the_correspondent_sees_that_the_number_was_not_checked(client, db, reporter, make_user):
    hv = make_user("correspondent", vigilances=["haemovigilance"])
    unknown = _file(db, reporter, donation_number="4711")
    known = _file(db, reporter, donation_number=RIGHT)
    sign_in(client, hv, PASSWORD)
    pages = {}
    for report in (unknown, known):
        db.rollback()
        item = db.scalars(select(QueueItem).where(QueueItem.report_id == report.id)).first()
        pages[report.id] = client.get(f"/queue-items/{item.id}").get_data(as_text=True)
    assert "format non reconnu, non vérifié" in pages[unknown.id]
    assert "format non reconnu" not in pages[known.id]
