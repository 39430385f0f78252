"""Every case of shared/acceptance/classify_cases.json, through the HTTP endpoint."""

import json
from pathlib import Path

import pytest

from tests.conftest import ACCEPTANCE_DIR, SHARED_ACCEPTANCE_DIR

CASES = json.loads((ACCEPTANCE_DIR / "classify_cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_acceptance_case(client, case):
    response = client.post("/api/v1/classify", json=case["request"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    expect = case["expect"]
    assert body["category"] == expect["category"], body["explanation"]
    assert set(expect["queues_include"]) <= set(body["queues"])
    assert not set(expect.get("queues_exclude", ())) & set(body["queues"])
    assert body["matched"]["by"] in ("catalogue", "questionnaire", "none")
    assert body["rulebook"]["id"] and body["rulebook"]["effective_from"]
    assert body["explanation"] and body["legal_basis"]


@pytest.mark.skipif(not SHARED_ACCEPTANCE_DIR.is_dir(), reason="no ../shared beside this checkout")
def test_the_committed_copy_of_the_cases_is_the_shared_one():
    """A clone on its own runs the committed copy: it must not drift from the outside cases."""
    shared = (SHARED_ACCEPTANCE_DIR / "classify_cases.json").read_text(encoding="utf-8")
    copy = (Path(__file__).parent / "classify_cases.json").read_text(encoding="utf-8")
    assert json.loads(copy) == json.loads(shared), "copy ../shared/acceptance/classify_cases.json to tests/acceptance/"
