"""Concurrent intake: references stay unique and gapless; one key, one report."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.report_payloads import a_report
from vigilance.models import Report


def test_references_are_unique_and_gapless_under_concurrent_intake(app, engine, make_user, token_for, db):
    headers = [token_for(make_user("reporter")) for _ in range(8)]
    barrier = threading.Barrier(8)

    def file_reports(h):
        client = app.test_client()
        barrier.wait()
        return [client.post("/api/v1/reports", json=a_report(), headers=h) for _ in range(6)]

    with ThreadPoolExecutor(8) as pool:
        responses = [r for batch in pool.map(file_reports, headers) for r in batch]
    assert all(r.status_code == 201 for r in responses), [r.get_json() for r in responses if r.status_code != 201]
    numbers = sorted(int(r.get_json()["reference"][-6:]) for r in responses)
    assert numbers == list(range(1, 49))


def test_the_same_key_sent_twice_at_once_creates_one_report(app, engine, make_user, token_for, db):
    headers = {**token_for(make_user("reporter")), "Idempotency-Key": "double-click"}
    barrier = threading.Barrier(2)

    def send(_):
        client = app.test_client()
        barrier.wait()
        return client.post("/api/v1/reports", json=a_report(), headers=headers)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(send, range(2)))
    statuses = sorted(r.status_code for r in responses)
    # Either the second saw the first still running (409) or already done (a replay, 201).
    assert statuses in ([201, 201], [201, 409])
    if statuses == [201, 201]:
        assert responses[0].get_json() == responses[1].get_json()
    assert db.scalar(select(func.count()).select_from(Report)) == 1
