"""Text that cannot be stored (a NUL, a lone UTF-16 surrogate), anywhere a client could send it,
is refused by field, and nothing is stored.

Before this guard, a description holding U+0000 was a bare 500 on PostgreSQL (and stored as is
on SQLite), and a lone surrogate a bare 500 on both, even on the classifier.
"""

import json

import pytest

from tests.page_session import count_reports, form_fields, sign_in
from tests.report_payloads import a_report, stored_rows

NUL_MESSAGE_EN = (
    "This text holds a character that cannot be stored (a NUL, U+0000, or half of a UTF-16 surrogate pair): remove it."
)


def post_json(client, path, text, headers):
    # Written by hand: a lone surrogate must travel as the escape a client would send.
    return client.post(path, data=text, content_type="application/json", headers=headers)


@pytest.mark.parametrize("character", ["\\u0000", "\\ud800", "\\uDFFF"])
def test_the_api_names_each_field_holding_it_and_stores_nothing(client, db, make_user, token_for, character):
    headers = token_for(make_user("reporter"))
    before = stored_rows(db)
    body = json.dumps(a_report(description="Frissons @ à H+1.", product={"name": "CGR @"}), ensure_ascii=False)

    response = post_json(
        client, "/api/v1/reports", body.replace("@", character), headers={**headers, "Accept-Language": "en"}
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors == {"description": [NUL_MESSAGE_EN], "product.name": [NUL_MESSAGE_EN]}
    assert stored_rows(db) == before


def test_a_surrogate_pair_is_a_character_and_is_filed(client, make_user, token_for):
    headers = token_for(make_user("reporter"))
    body = json.dumps(a_report(description="Frissons @ à H+1.")).replace("@", "\\ud83e\\udd12")  # 🤒

    response = post_json(client, "/api/v1/reports", body, headers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["description"] == "Frissons 🤒 à H+1."


def test_the_classifier_refuses_it_rather_than_failing(client):
    response = post_json(
        client, "/api/v1/classify", '{"event_kind": "incident", "product": {"name": "CGR \\ud800"}}', {}
    )
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"product.name"}


def test_a_nul_in_a_query_or_the_idempotency_key_is_refused_by_name(client, make_user, token_for):
    headers = token_for(make_user("reporter"))

    listed = client.get("/api/v1/reports?cursor=ab%00cd", headers=headers)
    assert listed.status_code == 422 and set(listed.get_json()["errors"]) == {"cursor"}
    assert "ne peut être enregistré" in listed.get_json()["errors"]["cursor"][0]

    keyed = client.post("/api/v1/reports", json=a_report(), headers={**headers, "Idempotency-Key": "clé\x00"})
    assert keyed.status_code == 422 and set(keyed.get_json()["errors"]) == {"Idempotency-Key"}


def test_the_report_form_refuses_a_nul_and_files_nothing(client, db, make_user):
    sign_in(client, make_user("reporter"))

    response = client.post("/reports/new", data=form_fields(client, description="Endophtalmie\x00 à J4."))

    assert response.status_code == 422
    assert "text/html" in response.content_type
    page = response.get_data(as_text=True)
    assert "<code>description</code>\u00a0: Ce texte contient un caractère qui ne peut être enregistré" in page
    assert count_reports(db) == 0


def test_a_stranger_is_told_401_first_whatever_the_body(client):
    body = json.dumps(a_report(description="Frissons \\u0000 à H+1."))
    response = post_json(client, "/api/v1/reports", body.replace("\\\\u0000", "\\u0000"), {})
    assert response.status_code == 401
