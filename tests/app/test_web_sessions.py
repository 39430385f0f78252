"""Page sessions live on the server: signing out, an account's change, idleness and age end them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event
from sqlmodel import select

from app.auth import page_user
from app.config import ConfigError, load_config
from tests.page_session import PASSWORD, count_reports, csrf_from, form_fields, sign_in
from vigilance import accounts
from vigilance.models import User, WebSession

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


def signed_in(client) -> bool:
    return client.get("/reports/mine").status_code == 200


def copy_of(client, app):
    """Another browser holding the same cookie, as someone who copied it would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def rows(db):
    db.rollback()
    return db.exec(select(WebSession).order_by(WebSession.id)).all()


def test_the_cookie_holds_a_random_key_and_nothing_of_the_password(app, client, reporter, db):
    sign_in(client, reporter)
    cookie = client.get_cookie("session").value
    content = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert set(content) <= {"sid", "_permanent", "csrf_token", "_flashes", "lang"}
    db.refresh(reporter)
    for piece in (reporter.password_hash[-16:], reporter.password_hash.split("$")[-1][:8]):
        assert piece not in str(content)
    assert len(content["sid"]) >= 40
    other = app.test_client()
    sign_in(other, reporter)
    assert (
        app.session_interface.get_signing_serializer(app).loads(other.get_cookie("session").value)["sid"]
        != (content["sid"])
    )


def test_a_cookie_copied_before_signing_out_is_refused_afterwards(app, client, reporter, db):
    sign_in(client, reporter)
    thief = copy_of(client, app)
    assert signed_in(thief)
    logout = client.post("/logout", data={"csrf_token": csrf_from(client.get("/reports/mine").get_data(as_text=True))})
    assert logout.status_code == 302
    answer = thief.get("/reports/mine")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert not signed_in(client)
    (row,) = rows(db)
    assert row.ended_at is not None and row.end_reason == "signed_out" and row.user_id == reporter.id


def change_role(db, user, **values):
    db.rollback()
    user = db.get(User, user.id)
    for name, value in values.items():
        setattr(user, name, value)
    db.commit()


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            lambda db, user: (accounts.reset_password(db, user, password="another long passphrase"), db.commit()),
            "account_changed",
        ),
        (lambda db, user: (accounts.set_active(db, user, False), db.commit()), "disabled"),
        (
            lambda db, user: change_role(db, user, role="correspondent", vigilances=["haemovigilance"]),
            "account_changed",
        ),
        (lambda db, user: change_role(db, user, is_coordinator=True), "account_changed"),
    ],
    ids=["password reset", "disabled", "role changed", "coordinator flag"],
)
def test_a_change_to_the_account_ends_its_sessions_at_their_next_request(app, client, reporter, db, change, reason):
    sign_in(client, reporter)
    assert signed_in(client)
    db.rollback()
    change(db, db.get(User, reporter.id))
    assert not signed_in(client)
    assert [row.end_reason for row in rows(db)] == [reason]


def test_queues_or_establishment_changed_end_a_correspondents_sessions(app, client, make_user, db):
    correspondent = make_user("correspondent", vigilances=["haemovigilance", "biovigilance"])
    sign_in(client, correspondent)
    assert signed_in(client)
    change_role(db, correspondent, vigilances=["haemovigilance"])
    assert not signed_in(client)
    sign_in(client, correspondent)
    other = accounts.create_establishment(db, finess="750000002", name="Autre CHU")
    db.commit()
    change_role(db, correspondent, establishment_id=other.id)
    assert not signed_in(client)


def test_an_idle_session_ends_after_the_idle_timeout(app, client, reporter, db):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, reporter)
        for _ in range(4):  # working: a request every 20 minutes keeps it
            clock.shift(timedelta(minutes=20))
            assert signed_in(client)
        clock.shift(timedelta(minutes=30))
        assert not signed_in(client)
    assert [row.end_reason for row in rows(db)] == ["idle"]


def test_a_session_ends_after_its_absolute_lifetime_however_busy(app, client, reporter, db):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, reporter)
        for _ in range(10 * 3 - 1):
            clock.shift(timedelta(minutes=20))
            assert signed_in(client)
        clock.shift(timedelta(minutes=20))  # 10 hours after signing in
        assert not signed_in(client)
    assert [row.end_reason for row in rows(db)] == ["expired"]


def test_both_lifetimes_are_settings(database_url, tmp_path, make_user):
    from app import create_app

    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SCHEDULER": "off",
            "SESSION_IDLE_MINUTES": "5",
            "SESSION_MAX_HOURS": "1",
        }
    )
    client = app.test_client()
    user = make_user("reporter")
    try:
        with time_machine.travel(START, tick=False) as clock:
            sign_in(client, user)
            clock.shift(timedelta(minutes=4))
            assert signed_in(client)
            clock.shift(timedelta(minutes=6))
            assert not signed_in(client)
            sign_in(client, user)
            for _ in range(14):
                clock.shift(timedelta(minutes=4))
                assert signed_in(client)
            clock.shift(timedelta(minutes=4))
            assert not signed_in(client)
    finally:
        app.extensions["vigilance.db"].dispose()


@pytest.mark.parametrize(
    "name, value",
    [
        ("SESSION_IDLE_MINUTES", "0"),
        ("SESSION_IDLE_MINUTES", "half an hour"),
        ("SESSION_IDLE_MINUTES", "-5"),
        ("SESSION_MAX_HOURS", "0"),
        ("SESSION_MAX_HOURS", "1000"),
        ("SESSION_IDLE_MINUTES", "700"),  # longer than the 10 hours a session lives
    ],
)
def test_session_settings_are_checked(tmp_path, name, value):
    with pytest.raises(ConfigError, match=f"VIGILANCE_{name}"):
        load_config(tmp_path, {"ENV": "testing", name: value})


def test_session_settings_default_to_a_ward_computers_needs(tmp_path):
    config = load_config(tmp_path, {"ENV": "testing"})
    assert config["SESSION_IDLE_MINUTES"] == 30 and config["SESSION_MAX_HOURS"] == 10


def test_last_seen_is_written_at_most_once_a_minute(app, client, reporter, db):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, reporter)
        clock.shift(timedelta(seconds=30))
        assert signed_in(client)
        assert rows(db)[0].last_seen_at == START
        clock.shift(timedelta(seconds=31))
        assert signed_in(client)
        assert rows(db)[0].last_seen_at == START + timedelta(seconds=61)


def test_a_request_without_a_cookie_reads_nothing(app, client, engine):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/").status_code == 200
        assert client.get("/reports/mine").status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


def test_page_user_is_none_once_the_session_expired(app, client, reporter, db):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, reporter)
        typed = form_fields(client)
        cookie = client.get_cookie("session").value
        with app.test_request_context("/reports/new", method="POST", headers={"Cookie": f"session={cookie}"}):
            assert page_user() is not None
        clock.shift(timedelta(minutes=31))
        with app.test_request_context("/reports/new", method="POST", headers={"Cookie": f"session={cookie}"}):
            assert page_user() is None
        # The form posted after the idle timeout files nothing.
        client.post("/reports/new", data=typed)
    assert count_reports(db) == 0


def test_changing_ones_password_renews_this_session_and_ends_the_others(app, client, reporter, db):
    sign_in(client, reporter)
    elsewhere = app.test_client()
    sign_in(elsewhere, reporter)
    new = "a brand new long passphrase"
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    answer = client.post(
        "/profile/password",
        data={"csrf_token": token, "current_password": PASSWORD, "password": new, "password_confirmation": new},
    )
    assert answer.status_code == 302
    assert signed_in(client) and not signed_in(elsewhere)
    assert [row.end_reason for row in rows(db)] == ["renewed", "account_changed", None]


def test_enabling_an_account_again_does_not_bring_back_its_sessions(app, client, reporter, db, runner):
    from app.cli import cli

    sign_in(client, reporter)
    assert runner.invoke(cli, ["users", "disable", reporter.email]).exit_code == 0
    assert runner.invoke(cli, ["users", "enable", reporter.email]).exit_code == 0
    assert not signed_in(client)
    assert [row.end_reason for row in rows(db)] == ["disabled"]
