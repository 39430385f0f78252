"""What the audit trail covers beyond reports: administration, list reads, its key, its checkpoints."""

import json
import secrets
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import cli
from app.config import ConfigError, load_config
from app.scheduler import take_checkpoint
from tests.page_session import PASSWORD, csrf_from, sign_in
from tests.report_payloads import a_report
from vigilance import summaries
from vigilance.models import Establishment
from vigilance.periods import period_containing


def events(db, since=0):
    db.rollback()  # a fresh snapshot: see what the requests committed
    rows = db.execute(
        text("SELECT id, actor_label, action, target, before, after FROM audit_events WHERE id > :n ORDER BY id"),
        {"n": since},
    ).mappings()
    # Plain SQL: SQLite gives the JSON columns back as text.
    return [
        {k: json.loads(v) if k in ("before", "after") and isinstance(v, str) else v for k, v in r.items()} for r in rows
    ]


def last_id(db):
    db.rollback()
    return db.execute(text("SELECT coalesce(max(id), 0) FROM audit_events")).scalar_one()


# The key -----------------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_strong_audit_key(monkeypatch, tmp_path):
    monkeypatch.setenv("VIGILANCE_ENV", "production")
    secret_key = secrets.token_urlsafe(48)
    monkeypatch.setenv("VIGILANCE_SECRET_KEY", secret_key)
    monkeypatch.setenv("VIGILANCE_PASSWORD_HASH", "scrypt")
    monkeypatch.delenv("VIGILANCE_AUDIT_KEY")
    with pytest.raises(ConfigError, match="VIGILANCE_AUDIT_KEY is required in production"):
        load_config(tmp_path)
    assert not (tmp_path / "audit_key").exists()
    for weak in ("short-key", "a" * 64, "ab" * 40, "a-long-enough-production-audit-key-0123456789"):
        monkeypatch.setenv("VIGILANCE_AUDIT_KEY", weak)
        with pytest.raises(ConfigError, match="VIGILANCE_AUDIT_KEY is too weak"):
            load_config(tmp_path)
    monkeypatch.setenv("VIGILANCE_AUDIT_KEY", secret_key)
    with pytest.raises(ConfigError, match="VIGILANCE_AUDIT_KEY must differ from VIGILANCE_SECRET_KEY"):
        load_config(tmp_path)
    audit_key = secrets.token_urlsafe(48)
    monkeypatch.setenv("VIGILANCE_AUDIT_KEY", audit_key)
    assert load_config(tmp_path)["AUDIT_KEY"] == audit_key


def test_development_generates_one_audit_key_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("VIGILANCE_AUDIT_KEY")
    first = load_config(tmp_path)["AUDIT_KEY"]
    assert load_config(tmp_path)["AUDIT_KEY"] == first and len(first) >= 40
    assert first != load_config(tmp_path)["SECRET_KEY"]
    assert stat.S_IMODE((tmp_path / "audit_key").stat().st_mode) == 0o600


# Administration ----------------------------------------------------------------------------


def test_account_and_token_administration_from_the_command_line_is_audited(app, runner, db, establishment):
    since = last_id(db)
    commands = [
        ["users", "create", "nurse@example.org", "--role", "reporter", "--establishment", "750000010"],
        ["users", "disable", "nurse@example.org"],
        ["users", "enable", "nurse@example.org"],
        ["users", "set-password", "nurse@example.org", "--password", "another long password"],
        ["tokens", "issue", "nurse@example.org", "--label", "ward script"],
        ["tokens", "revoke", "1"],
    ]
    for command in commands:
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
    found = events(db, since)
    assert [e["action"] for e in found] == [
        "account.create",
        "account.disable",
        "account.enable",
        "password.reset",
        "token.issue",
        "token.revoke",
    ]
    assert {e["actor_label"] for e in found} == {"system"}
    assert found[0]["target"].startswith("user:") and "nurse@example.org" in json.dumps(found[0]["after"])
    assert "another long password" not in json.dumps([dict(e) for e in found], default=str)
    assert result.exit_code == 0 and runner.invoke(cli, ["audit", "verify"]).exit_code == 0


def test_the_administrator_s_page_actions_and_a_person_s_settings_are_audited(
    app, client, db, make_user, establishment
):
    admin = make_user("admin", password=PASSWORD)
    reporter = make_user("reporter", password=PASSWORD)
    since = last_id(db)
    sign_in(client, admin)
    token = csrf_from(client.get("/admin/accounts").get_data(as_text=True))
    created = client.post(
        "/admin/accounts",
        data={"csrf_token": token, "email": "new@example.org", "role": "reporter", "establishment": establishment.id},
    )
    assert created.status_code == 200
    client.post(f"/admin/accounts/{reporter.id}/password", data={"csrf_token": token})
    client.post(f"/admin/accounts/{reporter.id}/active", data={"csrf_token": token, "active": "0"})
    found = events(db, since)
    assert [(e["action"], e["actor_label"]) for e in found] == [
        ("account.create", admin.email),
        ("password.reset", admin.email),
        ("account.disable", admin.email),
    ]

    person = make_user("coordinator", password=PASSWORD)
    since = last_id(db)
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, person)
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    client.post("/profile", data={"csrf_token": token, "language": "en", "daily_digest": "on"})
    (changed,) = [e for e in events(db, since) if e["action"] == "settings.update"]
    assert changed["actor_label"] == person.email
    assert changed["before"]["language"] == "fr" and changed["after"]["language"] == "en"


# Reads of lists ----------------------------------------------------------------------------


def test_a_queue_list_and_its_search_are_one_audited_read_each_with_the_filters(app, client, db, make_user, token_for):
    reporter = token_for(make_user("reporter"))
    for _ in range(3):
        client.post("/api/v1/reports", json=a_report(), headers=reporter)
    hv = make_user("correspondent", vigilances=["haemovigilance"], password=PASSWORD)
    headers = token_for(hv)
    since = last_id(db)
    listed = client.get("/api/v1/queues/haemovigilance/items?status=new&q=CGR", headers=headers)
    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 3
    (read,) = events(db, since)
    assert (read["action"], read["actor_label"], read["target"]) == ("list", hv.email, "api:queue:haemovigilance")
    assert read["after"]["filters"] == {"statuses": ["new"], "search": "CGR"}
    assert read["after"]["shown"] == 3

    sign_in(client, hv)
    since = last_id(db)
    assert client.get("/queues/haemovigilance?q=phénotypé").status_code == 200
    (read,) = events(db, since)
    assert (read["action"], read["target"]) == ("list", "page:queue:haemovigilance")
    assert read["after"]["filters"] == {"search": "phénotypé"}


# Checkpoints -------------------------------------------------------------------------------


def test_the_daily_checkpoint_is_taken_once_whatever_the_number_of_workers(
    app, engine, database_url, tmp_path, client, make_user, token_for
):
    from app import create_app

    client.post("/api/v1/reports", json=a_report(), headers=token_for(make_user("reporter")))
    directory = Path(app.config["AUDIT_CHECKPOINT_DIR"])
    other = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "x",
            "SCHEDULER": "off",
            "AUDIT_CHECKPOINT_DIR": str(directory),
        }
    )
    try:
        assert take_checkpoint(app) == 1
        assert take_checkpoint(other) == 0  # the day's row is there: taken by the first worker
        assert take_checkpoint(app) == 0
    finally:
        other.extensions["vigilance.db"].dispose()
    (written,) = directory.glob("checkpoint-*.json")
    document = json.loads(written.read_text())
    assert sum(chain["count"] for chain in document["chains"]) >= 3
    assert app.test_cli_runner().invoke(cli, ["audit", "verify"]).exit_code == 0


def test_the_coordinators_weekly_summary_quotes_the_latest_checkpoint_digest(app, db, staff, week):
    runner = app.test_cli_runner()
    taken = runner.invoke(cli, ["audit", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    digest = taken.output.strip().rsplit(" ", 1)[-1]
    db.rollback()
    establishment = db.get(Establishment, staff["coordinator"].establishment_id)
    composed, _ = summaries.compose_run(
        db,
        "weekly",
        period_containing("weekly", date(2026, 11, 16)),
        establishment,
        now=datetime(2026, 11, 23, 8, tzinfo=UTC),
        hour=7,
        base_url="http://x",
    )
    assert composed
    for message in composed:
        assert digest in message.email.text and digest in message.email.html
