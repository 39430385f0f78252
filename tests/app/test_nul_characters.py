"""A NUL character anywhere a person could send text is refused by field, and nothing is stored.

PostgreSQL cannot store one: before this guard, a description holding U+0000 was a bare 500 on
PostgreSQL and stored as is on SQLite.
"""

from tests.app.test_pages import count_reports, form_fields, sign_in
from tests.app.test_reports_api import a_report, stored_rows


def test_the_api_names_each_field_holding_a_nul_and_stores_nothing(client, db, make_user, token_for):
    headers = token_for(make_user("reporter"))
    before = stored_rows(db)

    body = a_report(description="Frissons\u0000 à H+1.", product={"name": "CGR\u0000"})
    response = client.post("/api/v1/reports", json=body, headers={**headers, "Accept-Language": "en"})

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"description", "product.name"}
    assert errors["description"] == ["This text holds a NUL character (U+0000), which cannot be stored: remove it."]
    assert stored_rows(db) == before
    # The same report without it is filed.
    assert client.post("/api/v1/reports", json=a_report(), headers=headers).status_code == 201


def test_a_nul_in_a_query_or_the_idempotency_key_is_refused_by_name(client, make_user, token_for):
    headers = token_for(make_user("reporter"))

    listed = client.get("/api/v1/reports?cursor=ab%00cd", headers=headers)
    assert listed.status_code == 422 and set(listed.get_json()["errors"]) == {"cursor"}
    assert "caractère nul" in listed.get_json()["errors"]["cursor"][0]

    keyed = client.post("/api/v1/reports", json=a_report(), headers={**headers, "Idempotency-Key": "clé\x00"})
    assert keyed.status_code == 422 and set(keyed.get_json()["errors"]) == {"Idempotency-Key"}


def test_the_report_form_refuses_a_nul_and_files_nothing(client, db, make_user):
    reporter = make_user("reporter")
    sign_in(client, reporter)

    response = client.post("/reports/new", data=form_fields(client, description="Endophtalmie\x00 à J4."))

    assert response.status_code == 422
    assert "text/html" in response.content_type
    assert count_reports(db) == 0
