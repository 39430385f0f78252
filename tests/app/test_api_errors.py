"""The API answers in JSON whatever goes wrong: never an HTML error page."""


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
