"""Every door writes through ``write_transaction``: no request commits a write any other way.

Watched at the database: a transaction is counted as having written when the database says so
(SQLite's ``total_changes`` moved since its ``BEGIN``; PostgreSQL gave it a transaction id),
which also sees the statements run on the driver's cursor, invisible to SQLAlchemy's events.
"""

import threading
import time

import pytest
from flask import has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import select

from tests.page_session import PASSWORD, csrf_from, form_fields
from tests.report_payloads import a_report
from vigilance.models import InformationRequest, OutboxMessage, QueueItem
from vigilance.storage import transaction
from vigilance.storage.transaction import write_transaction


class CommitWatch:
    """The requests' committed write transactions since the last look, each said by whom."""

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.committed_writes: list[str] = []
        # Set by the session about to commit, read by its connection's COMMIT just after.
        self._by_helper = threading.local()

    def install(self):
        event.listen(OrmSession, "before_commit", self._before_commit)
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)

    def remove(self):
        event.remove(OrmSession, "before_commit", self._before_commit)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)

    def take(self) -> list[str]:
        taken, self.committed_writes = self.committed_writes, []
        return taken

    def _before_commit(self, session):
        self._by_helper.value = bool(session.info.get(transaction._WRITING))

    def _begin(self, connection):
        self._by_helper.value = False
        if self.sqlite:
            connection.info["changes_at_begin"] = connection.connection.dbapi_connection.total_changes

    def _commit(self, connection):
        by_helper, self._by_helper.value = getattr(self._by_helper, "value", False), False
        if not has_request_context() or not self._wrote(connection):
            return
        door = f"{request.method} {request.path}"
        self.committed_writes.append(f"{door} by write_transaction" if by_helper else f"{door} OUTSIDE it")

    def _wrote(self, connection) -> bool:
        dbapi_connection = connection.connection.dbapi_connection
        if self.sqlite:
            return dbapi_connection.total_changes != connection.info.pop("changes_at_begin", None)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT txid_current_if_assigned()")
            return cursor.fetchone()[0] is not None
        finally:
            cursor.close()


@pytest.fixture
def commits(engine):
    watch = CommitWatch(engine)
    watch.install()
    yield watch
    watch.remove()


def wrote_only_through_the_helper(commits, response, status, *, wrote=True):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    written = commits.take()
    if wrote:
        assert written, "this request wrote nothing: the watch would not see a commit outside the helper"
    assert all(w.endswith("by write_transaction") for w in written), written


def sign_in(client, user, password=PASSWORD):
    with client.session_transaction() as session:
        session.clear()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})


def test_every_door_writes_through_write_transaction(app, db, establishment, make_user, token_for, commits):
    reporter, correspondent, admin = (
        make_user("reporter"),
        make_user("correspondent", vigilances=["haemovigilance"]),
        make_user("admin"),
    )
    as_reporter, as_correspondent = token_for(reporter), token_for(correspondent)
    api, pages = app.test_client(), app.test_client()

    # Filing, by the API (with its idempotency claim) and by the form; reading, audited.
    response = api.post("/api/v1/reports", json=a_report(), headers={**as_reporter, "Idempotency-Key": "k1"})
    wrote_only_through_the_helper(commits, response, 201)
    report_id = response.get_json()["id"]
    wrote_only_through_the_helper(commits, api.get("/api/v1/reports", headers=as_reporter), 200)
    wrote_only_through_the_helper(commits, api.get(f"/api/v1/reports/{report_id}", headers=as_reporter), 200)
    wrote_only_through_the_helper(commits, sign_in(pages, reporter, "wrong password"), 401, wrote=False)
    wrote_only_through_the_helper(commits, sign_in(pages, reporter), 302)
    response = pages.post("/reports/new", data=form_fields(pages, product_name="CGR"))
    wrote_only_through_the_helper(commits, response, 302)
    wrote_only_through_the_helper(commits, pages.get("/reports/mine"), 200)
    wrote_only_through_the_helper(commits, pages.get(response.headers["Location"]), 200)

    # Drafts: saved as one types, listed, deleted; by the API too.
    response = pages.post("/reports/drafts", data=form_fields(pages, product_name="PFC"))
    wrote_only_through_the_helper(commits, response, 200)
    wrote_only_through_the_helper(commits, pages.get("/reports/drafts"), 200)
    token = csrf_from(pages.get("/reports/drafts").get_data(as_text=True))
    commits.take()
    response = pages.post(f"/reports/drafts/{response.get_json()['id']}/delete", data={"csrf_token": token})
    wrote_only_through_the_helper(commits, response, 302)
    response = api.post("/api/v1/drafts", json={"fields": {"product_name": "PFC"}}, headers=as_reporter)
    wrote_only_through_the_helper(commits, response, 201)
    draft_url = f"/api/v1/drafts/{response.get_json()['id']}"
    wrote_only_through_the_helper(commits, api.put(draft_url, json={"fields": {}}, headers=as_reporter), 200)
    wrote_only_through_the_helper(commits, api.delete(draft_url, headers=as_reporter), 204)

    # A person's settings, and a refused password change.
    token = csrf_from(pages.get("/profile").get_data(as_text=True))
    response = pages.post("/profile", data={"csrf_token": token, "language": "en", "daily_digest": "on"})
    wrote_only_through_the_helper(commits, response, 302)
    response = pages.post(
        "/profile/password",
        data={"csrf_token": token, "current_password": "wrong", "password": "x" * 16, "password_confirmation": "x"},
    )
    wrote_only_through_the_helper(commits, response, 400, wrote=False)

    # Triage by the API and by the item page.
    db.rollback()  # a fresh snapshot: see what the requests committed
    first, second = db.exec(select(QueueItem.id).order_by(QueueItem.id)).all()[:2]
    response = api.post(f"/api/v1/queue-items/{first}/claim", headers=as_correspondent)
    wrote_only_through_the_helper(commits, response, 200)
    wrote_only_through_the_helper(commits, api.get(f"/api/v1/queue-items/{first}", headers=as_correspondent), 200)
    response = api.post(
        f"/api/v1/queue-items/{first}/information-requests", json={"question": "Volume ?"}, headers=as_correspondent
    )
    wrote_only_through_the_helper(commits, response, 200)
    db.rollback()
    question = db.exec(select(InformationRequest.id)).one()
    response = api.post(
        f"/api/v1/information-requests/{question}/answer", json={"answer": "Un CGR."}, headers=as_reporter
    )
    wrote_only_through_the_helper(commits, response, 200)
    # A sign-in with nothing to reset writes nothing.
    wrote_only_through_the_helper(commits, sign_in(pages, correspondent), 302, wrote=False)
    item_page = pages.get(f"/queue-items/{second}")
    wrote_only_through_the_helper(commits, item_page, 200)
    response = pages.post(
        f"/queue-items/{second}/claim", data={"csrf_token": csrf_from(item_page.get_data(as_text=True))}
    )
    wrote_only_through_the_helper(commits, response, 302)

    # An administrator's actions.
    wrote_only_through_the_helper(commits, sign_in(pages, admin), 302, wrote=False)
    token = csrf_from(pages.get("/admin/accounts").get_data(as_text=True))
    response = pages.post(
        "/admin/accounts",
        data={"csrf_token": token, "email": "new@example.org", "role": "reporter", "establishment": establishment.id},
    )
    wrote_only_through_the_helper(commits, response, 200)
    response = pages.post(f"/admin/accounts/{reporter.id}/password", data={"csrf_token": token})
    wrote_only_through_the_helper(commits, response, 200)
    response = pages.post(f"/admin/accounts/{reporter.id}/active", data={"csrf_token": token, "active": "0"})
    wrote_only_through_the_helper(commits, response, 302)
    db.rollback()
    message = db.exec(select(OutboxMessage.id)).first()
    response = pages.post(f"/admin/outbox/{message}/retry", data={"csrf_token": token})
    wrote_only_through_the_helper(commits, response, 302)


def test_a_request_that_only_reads_does_not_wait_for_a_write_in_progress(app, engine, make_user):
    """A long write (the worker's summaries, the bulk loader) holds SQLite's one write lock: the
    request's session reads without asking for it, so a page that only reads (the dashboard)
    answers meanwhile. (Queue lists are audited reads since issue 13: they write an event.)"""
    client = app.test_client()
    assert sign_in(client, make_user("coordinator", password=PASSWORD)).status_code == 302
    assert client.get("/dashboard").status_code == 200
    answers = []
    reader = threading.Thread(target=lambda: answers.append(client.get("/dashboard")), daemon=True)
    with write_transaction(engine) as writing:
        writing.exec(text("UPDATE establishments SET name = name"))
        started = time.monotonic()
        reader.start()
        reader.join(timeout=10)
        answered_in = time.monotonic() - started
    reader.join()
    assert answers[0].status_code == 200
    assert answered_in < 10, "the read waited for the write to end"
