"""The API answers in JSON whatever goes wrong: never an HTML error page."""

import json
import subprocess
import sys


def test_malformed_json_is_a_400_with_a_body_error(client):
    response = client.post("/api/v1/classify", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.is_json
    assert "body" in response.get_json()["errors"]


def test_wrong_content_type_is_a_400_saying_so(client):
    response = client.post(
        "/api/v1/classify", data="event_kind=incident", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "application/json" in response.get_json()["message"]


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404
    assert response.get_json()["message"] == "Rien à cette adresse."
    english = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"}).get_json()
    assert english["message"] == "Nothing at this address."


def test_wrong_method_is_a_json_405(client):
    response = client.get("/api/v1/classify")
    assert response.status_code == 405
    assert response.is_json
    assert "POST" in response.headers["Allow"]


def test_oversized_body_is_a_json_413(client):
    response = client.post("/api/v1/classify", data='{"x": "' + "a" * 300_000 + '"}', content_type="application/json")
    assert response.status_code == 413
    assert response.is_json


def test_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/classify" in spec["paths"]


def test_validation_errors_are_in_french_by_default_and_in_english_on_request(client):
    """marshmallow's own messages and the project's, whatever their bounds, in the client's language."""
    body = {"event_kind": "incident", "product": {"name": "x" * 501, "autologous": "yes"}, "extra": 1}
    french = client.post("/api/v1/classify", json=body)
    assert french.status_code == 422
    assert french.get_json()["message"] == "Certains champs sont invalides : voir errors."
    errors = french.get_json()["errors"]
    assert errors["product.autologous"] == ["Répondez oui ou non."]
    assert errors["extra"] == ["Champ inconnu."]

    english = client.post("/api/v1/classify", json=body, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.status_code == 422
    assert english.get_json()["message"] == "Some fields are invalid: see errors."
    errors = english.get_json()["errors"]
    assert errors["product.autologous"] == ["Not a valid boolean: use true or false."]
    assert errors["extra"] == ["Unknown field."]


def test_a_bound_marshmallow_formats_is_translated_whatever_its_value(client):
    body = {"event_kind": "nothing-of-the-sort", "product": {"name": "CGR"}}
    french = client.post("/api/v1/classify", json=body).get_json()["errors"]["event_kind"][0]
    english = client.post("/api/v1/classify", json=body, headers={"Accept-Language": "en"}).get_json()
    assert french.startswith("Valeurs possibles : ") and "incident" in french
    assert english["errors"]["event_kind"][0].startswith("Must be one of: ")


def test_without_accept_language_a_token_users_own_language_is_used(client, make_user, token_for):
    """The language chosen in the profile, for a client that names none (and the header still wins)."""
    english_reader = token_for(make_user("reporter", language="en"))
    body = {"event_kind": "incident", "product": {"name": "CGR"}, "description": "x", "serious": "yes"}
    answer = client.post("/api/v1/reports", json=body, headers=english_reader)
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["serious"] == ["Not a valid boolean: use true or false."]
    answer = client.post("/api/v1/reports", json=body, headers={**english_reader, "Accept-Language": "fr"})
    assert answer.get_json()["errors"]["serious"] == ["Répondez oui ou non."]


def test_every_app_of_a_process_serves_the_whole_document_written_by_its_first(client, tmp_path):
    """The document is written once per process and reused: an app built later serves all of it."""
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import json; from app import create_app; "
                f"app = create_app({{'ENV': 'testing', 'DATABASE_URL': 'sqlite:///{tmp_path}/fresh.db', "
                "'SECRET_KEY': 'x'}); print(json.dumps(app.test_client().get('/api/v1/openapi.json').get_json()))"
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    written_first = json.loads(fresh.stdout)
    assert written_first["paths"] and "bearerAuth" in written_first["components"]["securitySchemes"]
    assert client.get("/api/v1/openapi.json").get_json() == written_first
