"""Input a client could send to break the service is refused by field, and nothing is stored.

Each of these was a bare 500 (or a text stored whole on SQLite and refused midway by
PostgreSQL): JSON nested 1,000 levels deep and integers of 5,000 digits on every JSON route,
the unauthenticated classifier included; an event in year 9999 with a birth year; "²" in a
number field of the report form; ``/reports/mine?before=<huge>``; an account name over 200
characters. Blank product names and descriptions were filed.
"""

import html
import io
import json
import re
import sys
from pathlib import Path

import pytest
from marshmallow import Schema, fields, validate
from sqlalchemy import String, func, select

from app.api import classify, drafts, reports, triage, triage_inputs
from app.api.fields import SPACES, column_length
from app.request_limits import MAX_DEPTH, MAX_DIGITS, body_problems
from tests.page_session import count_reports, csrf_from, form_fields, sign_in
from tests.report_payloads import a_report, stored_rows
from vigilance.models import (
    Assessment,
    Deadline,
    Declaration,
    FollowupStep,
    InformationRequest,
    QueueItem,
    Report,
    ReportLink,
    ReportProduct,
    User,
    metadata,
)

DEEP = "[" * 1000 + "]" * 1000  # 2 KB


def json_routes(app):
    """Every route of the API that takes a JSON body, with 1 for each id in it, and its method."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
                yield method, re.sub(r"<[^>]+>", "1", rule.rule)


def test_every_json_route_is_found(app):
    routes = {path for _method, path in json_routes(app)}
    assert {"/api/v1/classify", "/api/v1/reports", "/api/v1/queue-items/1/assess", "/api/v1/drafts/1"} <= routes
    assert len(routes) >= 12


@pytest.mark.parametrize(
    ("costly", "message_en"),
    [
        ('{"event_kind": "incident", "product": {"name": "CGR", "features": ' + DEEP + "}}", "nested too deep"),
        ('{"event_kind": "incident", "severity_grade": ' + "9" * 5000 + ', "product": {"name": "CGR"}}', "digits"),
        ('{"expected_version": -' + "1" * 5000 + "}", "digits"),
    ],
    ids=["nested-1000-levels", "integer-5000-digits", "negative-5000-digits"],
)
def test_every_json_route_refuses_a_costly_body_by_field_and_stores_nothing(app, client, db, costly, message_en):
    reporter = _user_with_token(db, client)
    before = stored_rows(db)
    for method, path in json_routes(app):
        for headers in ({}, reporter):  # a stranger on the classifier, and anyone with a token
            response = client.open(path, method=method, data=costly, content_type="application/json", headers=headers)
            assert response.status_code == 422, (path, response.status_code)
            errors = response.get_json()["errors"]
            assert list(errors) == ["body"], path
            assert "JSON" in errors["body"][0] and "au plus" in errors["body"][0]  # French by default
    english = client.post(
        "/api/v1/classify", data=costly, content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert message_en in english.get_json()["errors"]["body"][0]
    assert stored_rows(db) == before


def _user_with_token(db, client):
    from vigilance import accounts

    place = accounts.create_establishment(db, finess="750000010", name="CHU de Test")
    user = accounts.create_user(db, email="clinicien@example.org", role="reporter", establishment=place)
    _record, token = accounts.issue_token(db, user=user)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_long_digit_runs_inside_texts_and_ordinary_nesting_are_filed(client, db, make_user, token_for):
    headers = token_for(make_user("reporter"))
    barcode = "0" * 60
    body = a_report(description=f"Frissons. Code-barres de la poche : {barcode} [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")
    body["lot_number"] = "1" * 40

    response = client.post("/api/v1/reports", json=body, headers=headers)

    assert response.status_code == 201, response.get_json()
    assert barcode in response.get_json()["description"]


def test_a_body_over_the_limit_is_a_json_413_on_the_api_and_a_french_page_elsewhere(app, client, db, make_user):
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = json.dumps(a_report(description="x" * (limit + 1)))

    api = client.post("/api/v1/classify", data=big, content_type="application/json")
    assert api.status_code == 413
    assert api.get_json()["errors"] == {"body": [f"Requête trop volumineuse : {limit} octets au plus."]}
    english = client.post(
        "/api/v1/classify", data=big, content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert english.get_json()["errors"]["body"] == [f"Request too large: at most {limit} bytes."]

    sign_in(client, make_user("reporter"))
    page = client.post("/reports/new", data=form_fields(client, description="x" * (limit + 1)))
    assert page.status_code == 413 and page.mimetype == "text/html"
    assert f"Requête trop volumineuse : {limit} octets au plus." in page.get_data(as_text=True)
    assert count_reports(db) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": "9999-12-31T23:59:00-05:00"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:00+14:00"}, "occurred_at"),
        ({"occurred_at": "1850-01-01T10:00:00+01:00"}, "occurred_at"),
        ({"detected_at": "9999-12-31T23:59:00-05:00"}, "detected_at"),
        ({"detected_at": "0001-01-01T00:00:00+14:00"}, "detected_at"),
    ],
)
def test_a_date_out_of_bounds_with_a_birth_year_is_a_field_error(client, db, make_user, token_for, changes, field):
    headers = token_for(make_user("reporter"))
    before = stored_rows(db)

    response = client.post("/api/v1/reports", json=a_report(**changes), headers=headers)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert stored_rows(db) == before


def test_date_bounds_speak_french_and_english(client, make_user, token_for):
    headers = token_for(make_user("reporter"))
    body = a_report(occurred_at="9999-12-31T23:59:00-05:00")
    french = client.post("/api/v1/reports", json=body, headers=headers).get_json()["errors"]
    english = client.post("/api/v1/reports", json=body, headers={**headers, "Accept-Language": "en"}).get_json()
    assert french["occurred_at"] == ["La date de l'événement est dans le futur."]
    assert english["errors"]["occurred_at"] == ["The event date is in the future."]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "   \n\t "}, "description"),
        ({"product": {"name": ""}}, "product.name"),
        ({"product": {"name": "   "}}, "product.name"),
        ({"description": "x" * (column_length(Report.description) + 1)}, "description"),
        ({"product": {"name": "x" * (column_length(Report.product_name) + 1)}}, "product.name"),
        ({"lot_number": "x" * (column_length(Report.lot_number) + 1)}, "lot_number"),
        ({"severity_grade": 10**15}, "severity_grade"),
        ({"patient": {"birth_year": 10**15}}, "patient.birth_year"),
    ],
)
def test_blank_too_long_or_too_large_is_refused_by_field(client, db, make_user, token_for, changes, field):
    headers = token_for(make_user("reporter"))
    before = stored_rows(db)

    response = client.post("/api/v1/reports", json=a_report(**changes), headers=headers)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert stored_rows(db) == before


def test_blank_text_says_so_in_both_languages(client, make_user, token_for):
    headers = token_for(make_user("reporter"))
    body = a_report(description="  ", product={"name": " "})
    french = client.post("/api/v1/reports", json=body, headers=headers).get_json()["errors"]
    english = client.post("/api/v1/reports", json=body, headers={**headers, "Accept-Language": "en"}).get_json()
    assert french["description"] == french["product.name"] == ["Ce champ ne peut pas être vide."]
    assert english["errors"]["description"] == ["May not be blank."]


def test_texts_as_long_as_their_columns_are_stored_whole_on_both_databases(client, db, make_user, token_for):
    headers = token_for(make_user("reporter"))
    longest = a_report(
        description="é" * column_length(Report.description),
        product={"name": "C" * column_length(Report.product_name)},
        lot_number="L" * column_length(Report.lot_number),
    )

    response = client.post("/api/v1/reports", json=longest, headers=headers)

    assert response.status_code == 201, response.get_json()
    db.rollback()
    stored = db.get(Report, response.get_json()["id"])
    assert len(stored.description) == 10_000 and len(stored.product_name) == 500


def test_the_classifier_still_takes_the_questionnaire_without_a_name(client):
    # The report form's live classification asks with an origin alone, as a person answers it.
    response = client.post(
        "/api/v1/classify", json={"event_kind": "incident", "product": {"name": "", "origin": "blood"}}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("number", ["²", "³", "9" * 5000, "12²"])
def test_a_number_field_of_the_report_form_holding_no_number_is_shown_next_to_it(client, db, make_user, number):
    sign_in(client, make_user("reporter"))

    response = client.post("/reports/new", data=form_fields(client, severity_grade=number, patient_birth_year=number))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = dict(re.findall(r'id="([\w-]+)-error"[^>]*>\s*([^<]*?)\s*<', page))
    assert set(shown) == {"severity_grade", "patient-birth_year"}, shown
    assert count_reports(db) == 0


@pytest.mark.parametrize(
    ("changes", "shown_next_to_fields"),
    [
        (
            {"product_name": "   ", "description": " \n "},
            {"product-name": "Ce champ ne peut pas être vide.", "description": "Ce champ est obligatoire."},
        ),
        (
            {"occurred_at": "9999-12-31T23:59", "patient_birth_year": "1950"},
            {"occurred_at": "La date de l'événement est dans le futur."},
        ),
    ],
    ids=["blank", "year-9999-with-a-birth-year"],
)
def test_the_report_form_refuses_blank_text_and_far_dates_next_to_their_fields(
    client, db, make_user, changes, shown_next_to_fields
):
    sign_in(client, make_user("reporter"))

    response = client.post("/reports/new", data=form_fields(client, **changes))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = re.findall(r'id="([\w-]+)-error"[^>]*>\s*([^<]*?)\s*<', page)
    assert {field: html.unescape(text) for field, text in shown} == shown_next_to_fields
    assert count_reports(db) == 0


@pytest.mark.parametrize("before", ["9" * 30, "-1", "²", "0", "2147483648"])
def test_my_reports_with_a_cursor_no_row_can_have_is_the_first_page(client, make_user, before):
    sign_in(client, make_user("reporter"))
    assert client.get(f"/reports/mine?before={before}").status_code == 200


def test_an_account_name_longer_than_its_column_is_refused_next_to_it(app, client, db, establishment, make_user):
    sign_in(client, make_user("admin"))
    token = csrf_from(client.get("/admin/accounts").get_data(as_text=True))
    longest = column_length(User.name)

    too_long = client.post(
        "/admin/accounts",
        data={
            "csrf_token": token,
            "email": "long@example.org",
            "name": "n" * (longest + 1),
            "role": "reporter",
            "establishment": str(establishment.id),
        },
    )
    assert too_long.status_code == 400
    assert re.search(r'id="name-error">\s*200 caractères au plus\.', too_long.get_data(as_text=True))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "long@example.org")) == 0

    fits = client.post(
        "/admin/accounts",
        data={
            "csrf_token": token,
            "email": "long@example.org",
            "name": "n" * longest,
            "role": "reporter",
            "establishment": "²",
        },
    )
    assert fits.status_code == 400  # "²" names no establishment: said next to the field, not a 500
    assert 'id="establishment-error"' in fits.get_data(as_text=True)


@pytest.fixture
def item(client, db, make_user, token_for):
    reporter, correspondent = make_user("reporter"), make_user("correspondent", vigilances=["haemovigilance"])
    filed = client.post("/api/v1/reports", json=a_report(), headers=token_for(reporter)).get_json()
    headers = token_for(correspondent)
    items = client.get("/api/v1/queues/haemovigilance/items", headers=headers).get_json()["items"]
    item_id = next(i["id"] for i in items if i["report_id"] == filed["id"])
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", json={}, headers=headers).status_code == 200
    return item_id, headers, filed["id"]


def _triage_rows(db):
    db.rollback()
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model))
        for model in (Assessment, InformationRequest)
    } | {"closed": db.scalar(select(func.count()).select_from(QueueItem).where(QueueItem.status == "closed"))}


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("assign", {"assignee_id": 2**31}, "assignee_id"),
        ("assign", {"assignee_id": 10**15}, "assignee_id"),
        ("assign", {"assignee_id": 1, "expected_version": 2**31}, "expected_version"),
        ("assess", {"based_on_version": 2**40}, "based_on_version"),
        ("assess", {"based_on_version": 0, "comment": "c" * (column_length(Assessment.comment) + 1)}, "comment"),
        ("information-requests", {"question": "   "}, "question"),
        ("information-requests", {"question": "q" * (column_length(InformationRequest.question) + 1)}, "question"),
        (
            "declarations",
            {"authority": "ANSM", "authority_reference": " ", "declared_on": "2026-11-20"},
            "authority_reference",
        ),
        (
            "declarations",
            {"authority": "ANSM", "authority_reference": "R-1", "declared_on": "9999-12-31"},
            "declared_on",
        ),
        (
            "declarations",
            {"authority": "ANSM", "authority_reference": "R-1", "declared_on": "1899-12-31"},
            "declared_on",
        ),
        (
            "close",
            {"outcome": "no_declaration_needed", "note": "n" * (column_length(QueueItem.closing_note) + 1)},
            "note",
        ),
    ],
)
def test_triage_inputs_out_of_bounds_are_field_errors(client, db, item, action, payload, field):
    item_id, headers, _report_id = item
    before = _triage_rows(db)

    response = client.post(f"/api/v1/queue-items/{item_id}/{action}", json=payload, headers=headers)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert _triage_rows(db) == before


def test_a_link_to_a_report_no_row_can_be_is_a_field_error(client, db, item):
    _item_id, headers, report_id = item
    response = client.post(
        f"/api/v1/reports/{report_id}/links", json={"other_report_id": 2**31, "reason": "même poche"}, headers=headers
    )
    assert response.status_code == 422 and "other_report_id" in response.get_json()["errors"]


def _input_schemas():
    """The schemas of what clients send: those that say what to do with unknown fields."""
    for module in (classify, drafts, reports, triage, triage_inputs):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and "unknown" in vars(value.Meta):
                yield value


def test_every_text_an_input_schema_takes_is_bounded():
    checked = 0
    for schema in _input_schemas():
        for name, field in schema().fields.items():
            texts = [field.inner] if isinstance(field, fields.List) else [field]
            for text in texts:
                if isinstance(text, fields.String):
                    bounded = [
                        v for v in text.validators if isinstance(v, validate.Length | validate.OneOf | validate.Regexp)
                    ]
                    assert bounded, f"{schema.__name__}.{name} takes a text of any length"
                    checked += 1
    assert checked >= 15


def test_every_text_column_people_write_into_has_a_length():
    # Written by the service itself (an email it composed, an error it caught), never by a request.
    unbounded = {"outbox.text_body", "outbox.html_body", "outbox.last_error"}
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, String) and f"{table.name}.{column.name}" not in unbounded:
                assert column.type.length, f"{table.name}.{column.name} has no length"


def test_a_body_sent_in_chunks_over_the_limit_is_a_413_too(app, client):
    # gunicorn hands a chunked body on without a Content-Length; werkzeug cuts it at the limit.
    body = json.dumps({"event_kind": "incident", "product": {"name": "x" * app.config["MAX_CONTENT_LENGTH"]}})
    response = client.post(
        "/api/v1/classify",
        input_stream=io.BytesIO(body.encode()),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and list(response.get_json()["errors"]) == ["body"]


#: Each form field with a ``maxlength`` in its page, and the column that stores what it holds.
FORM_FIELDS = {
    ("reports/new.html", "product_name"): Report.product_name,
    # The further product rows (product_name_2 ...): each product is a row of its own.
    ("reports/new.html", "{{ field }}"): ReportProduct.name,
    ("reports/new.html", "lot_number"): Report.lot_number,
    ("reports/new.html", "donation_number"): Report.donation_number,
    ("reports/new.html", "patient_initials"): Report.patient_initials,
    ("reports/new.html", "description"): Report.description,
    ("reports/new.html", "reporter_unit"): Report.reporter_unit,
    ("reports/new.html", "reporter_phone"): Report.reporter_phone,
    ("pages/classify.html", "product_name"): Report.product_name,
    ("triage/item.html", "comment"): Assessment.comment,
    ("triage/item.html", "question"): InformationRequest.question,
    ("triage/item.html", "authority_reference"): Declaration.authority_reference,
    ("triage/item.html", "requalify-reason"): ReportLink.reason,
    ("triage/item.html", "note"): QueueItem.closing_note,
    ("triage/item.html", "reason"): Deadline.waiver_reason,
    ("triage/item.html", "waive-reason-{{ d.id }}"): Deadline.waiver_reason,
    ("triage/item.html", "followup-note-{{ s.id }}"): FollowupStep.note,
    ("admin/accounts.html", "name"): User.name,
}


def test_the_pages_maxlength_is_the_columns_length():
    """A browser stops typing at ``maxlength``: it must be what the schema and the column take."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    found = {}
    for template in {name for name, _field in FORM_FIELDS}:
        text = (templates / template).read_text()
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", text):
            field_id, length = re.search(r'\bid="([^"]+)"', tag), re.search(r'\bmaxlength="(\d+)"', tag)
            if field_id and length and field_id.group(1) != "patient_birth_year":
                found[(template, field_id.group(1))] = int(length.group(1))
    assert found == {key: column_length(column) for key, column in FORM_FIELDS.items()}


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, False),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), True),
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        ('{"a": "\\" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\\\"}', False),
        ('{"a": "\\\\", "b": ' + "[" * 40 + "]" * 40 + "}", True),
        ('{"n": ' + "9" * MAX_DIGITS + "}", False),
        ('{"n": -' + "9" * (MAX_DIGITS + 1) + "}", True),
        ('{"n": 1.' + "0" * (MAX_DIGITS + 1) + "}", True),
        ('{"n": "' + "9" * 100 + '", "m": 12}', False),
        ('{"n": "\\"' + "9" * 100 + '\\""}', False),
    ],
)
def test_the_pre_scan_counts_outside_strings_only(body, refused):
    assert bool(body_problems(body.encode())) is refused


def test_blank_means_what_strip_removes_in_python_and_in_the_openapi_document():
    spaces = re.compile(f"[{SPACES}]")
    for code in range(sys.maxunicode + 1):
        assert bool(spaces.fullmatch(chr(code))) is chr(code).isspace(), hex(code)
