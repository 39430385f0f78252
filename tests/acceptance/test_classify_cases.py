"""Every case of classify_cases.json, through the HTTP endpoint.

Beside ``category``, ``queues_include`` and ``queues_exclude``, a case may expect:
``rulebook`` (the id of the rulebook that decides, chosen by the request's ``occurred_at``),
``products_categories`` (the category of each product, as given or read from one name, in
order), ``deadlines_include`` / ``deadlines_exclude`` (deadline policy ids: the ``rule`` of the
answer's ``deadlines``) and ``copies_include`` (queues that get an information copy). The cases
added for issue 15 carry their ``source``: the text or page each was researched from.

The committed copy holds the outside cases (../shared/acceptance) unchanged, and more.
"""

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED_ACCEPTANCE_DIR

COMMITTED_CASES = json.loads((Path(__file__).parent / "classify_cases.json").read_text(encoding="utf-8"))["cases"]
SHARED_CASES = (
    json.loads((SHARED_ACCEPTANCE_DIR / "classify_cases.json").read_text(encoding="utf-8"))["cases"]
    if SHARED_ACCEPTANCE_DIR.is_dir()
    else []
)
#: The 29 cases the corpus started with (the outside ones), which carry no source.
ORIGINAL_IDS = frozenset(case["id"] for case in COMMITTED_CASES[:29])
#: The committed cases, and any outside case the copy lacks (the drift test below fails then).
CASES = COMMITTED_CASES + [case for case in SHARED_CASES if case["id"] not in {c["id"] for c in COMMITTED_CASES}]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_acceptance_case(client, case):
    response = client.post("/api/v1/classify", json=case["request"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    expect = case["expect"]
    assert body["category"] == expect["category"], body["explanation"]
    assert set(expect["queues_include"]) <= set(body["queues"]), body["queues"]
    assert not set(expect.get("queues_exclude", ())) & set(body["queues"]), body["queues"]
    assert body["matched"]["by"] in ("catalogue", "questionnaire", "none")
    assert body["rulebook"]["id"] and body["rulebook"]["effective_from"]
    assert body["explanation"] and body["legal_basis"]
    if "rulebook" in expect:
        assert body["rulebook"]["id"] == expect["rulebook"]
    if "products_categories" in expect:
        assert [product["category"] for product in body["products"]] == expect["products_categories"]
    deadlines = {deadline["rule"] for deadline in body.get("deadlines", ())}
    assert set(expect.get("deadlines_include", ())) <= deadlines, deadlines
    assert not set(expect.get("deadlines_exclude", ())) & deadlines, deadlines
    copies = {copy["queue"] for copy in body.get("copies", ())}
    assert set(expect.get("copies_include", ())) <= copies, copies


def test_every_added_case_names_its_source():
    """The outside cases came without sources; every case added here was researched from one."""
    outside = {case["id"] for case in SHARED_CASES} | ORIGINAL_IDS
    unsourced = [case["id"] for case in COMMITTED_CASES if case["id"] not in outside and not case.get("source")]
    assert not unsourced


@pytest.mark.skipif(not SHARED_ACCEPTANCE_DIR.is_dir(), reason="no ../shared beside this checkout")
def test_the_committed_copy_holds_every_shared_case_unchanged():
    """A clone on its own runs the committed copy: it must not drift from the outside cases."""
    committed = {case["id"]: case for case in COMMITTED_CASES}
    drifted = [case["id"] for case in SHARED_CASES if committed.get(case["id"]) != case]
    assert not drifted, "copy ../shared/acceptance/classify_cases.json's cases into tests/acceptance/"
