"""The audit chain: intact after normal work, broken and located after tampering."""

from sqlalchemy import text

from app.cli import cli
from tests.app.test_reports_api import a_report


def file_three(client, make_user, token_for):
    headers = token_for(make_user("reporter"))
    ids = [client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()["id"] for _ in range(3)]
    for report_id in ids:
        client.get(f"/api/v1/reports/{report_id}", headers=headers)
    return ids


def test_intact_chain_verifies(client, make_user, token_for, runner):
    file_three(client, make_user, token_for)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0
    assert "6 events" in result.output


def test_an_altered_event_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("UPDATE audit_events SET actor_label = 'someone-else' WHERE id = 2"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "at event 2" in result.output and "altered" in result.output


def test_a_removed_event_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("DELETE FROM audit_events WHERE id = 3"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "at event 4" in result.output


def test_removing_the_last_events_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("DELETE FROM audit_events WHERE id > 4"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "removed at the end" in result.output
