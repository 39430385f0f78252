"""The audit trail proves itself: every way of editing the database behind the service's back
is named by ``vigilance audit verify`` (the real command, in a subprocess), on SQLite and on
PostgreSQL; a database only the service wrote verifies.

Run on PostgreSQL with ``VIGILANCE_TEST_DATABASE_URL`` (each test makes its own database).
"""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.report_payloads import a_report
from vigilance import audit

VIGILANCE = Path(sys.executable).with_name("vigilance")


def vigilance(database_url, checkpoint_dir, *args):
    env = {
        **os.environ,
        "VIGILANCE_ENV": "testing",
        "VIGILANCE_DATABASE_URL": database_url,
        "VIGILANCE_SECRET_KEY": "test-secret-key",
        "VIGILANCE_AUDIT_CHECKPOINT_DIR": str(checkpoint_dir),
        "VIGILANCE_SCHEDULER": "off",
    }
    return subprocess.run([str(VIGILANCE), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def worked(app, client, make_user, token_for, db):
    """Reports filed, claimed, assessed and declared through the API: every covered table has
    rows, and many chains have events."""
    reporter = token_for(make_user("reporter"))
    hv = token_for(make_user("correspondent", vigilances=["haemovigilance"]))
    for _ in range(10):
        assert client.post("/api/v1/reports", json=a_report(), headers=reporter).status_code == 201
    items = client.get("/api/v1/queues/haemovigilance/items", headers=hv).get_json()["items"]
    for item in items[:4]:
        assert client.post(f"/api/v1/queue-items/{item['id']}/claim", json={}, headers=hv).status_code == 200
        assessed = client.post(
            f"/api/v1/queue-items/{item['id']}/assess",
            json={"based_on_version": 0, "severity_grade": 2, "imputability": "2"},
            headers=hv,
        )
        assert assessed.status_code == 200, assessed.get_json()
        declared = client.post(
            f"/api/v1/queue-items/{item['id']}/declarations",
            json={
                "authority": "ANSM",
                "authority_reference": f"EFIT-{item['id']}",
                "declared_on": date.today().isoformat(),
            },
            headers=hv,
        )
        assert declared.status_code == 200, declared.get_json()
    return hv


def _rehash_without_the_key(connection, chain):
    """What someone with the database but not the key can do: rewrite an event and hash the
    chain again from it, head included."""
    events = (
        connection.execute(text("SELECT * FROM audit_events WHERE chain = :c ORDER BY id"), {"c": chain})
        .mappings()
        .all()
    )
    target = events[1]["id"]
    connection.execute(text("UPDATE audit_events SET actor_label = 'someone-else' WHERE id = :id"), {"id": target})
    prev = events[0]["hash"]
    for event in events[1:]:
        row = dict(
            connection.execute(text("SELECT * FROM audit_events WHERE id = :id"), {"id": event["id"]}).mappings().one()
        )
        for name in ("before", "after"):
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
        if isinstance(row["occurred_at"], str):
            row["occurred_at"] = datetime.fromisoformat(row["occurred_at"]).replace(tzinfo=UTC)
        new = audit._digest(prev, row, audit.UNKEYED)  # the only hash there is without the key
        connection.execute(
            text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": prev, "h": new, "id": row["id"]},
        )
        prev = new
    connection.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = :c"), {"h": prev, "c": chain})
    return target


def _behind_the_service(database_url):
    """A connection of someone who can write to the database, outside the service's code."""
    return create_engine(database_url)


def test_every_edit_behind_the_service_s_back_is_named(app, database_url, worked, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    clean = vigilance(database_url, checkpoints, "audit", "verify")
    assert clean.returncode == 0, clean.stderr
    assert "audit trail intact" in clean.stdout
    for _ in range(2):
        taken = vigilance(database_url, checkpoints, "audit", "checkpoint")
        assert taken.returncode == 0, taken.stderr
    assert vigilance(database_url, checkpoints, "audit", "verify").returncode == 0

    engine = _behind_the_service(database_url)
    expected = []
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        # Past the foreign keys, and on PostgreSQL past every trigger too (as a superuser can):
        # nothing the attacker might switch off helps them.
        connection.execute(text("SET session_replication_role = replica" if postgres else "PRAGMA foreign_keys = OFF"))
        lengths = dict(connection.execute(text("SELECT chain, count(*) FROM audit_events GROUP BY chain")).all())
        a, b, c = sorted((n for n, length in lengths.items() if length >= 3), key=lambda n: -lengths[n])[:3]

        rewritten = _rehash_without_the_key(connection, a)
        expected.append(f"event {rewritten} (chain {a}):")

        # The last two events removed, the head rolled back to the one before.
        last_ids = (
            connection.execute(text("SELECT id FROM audit_events WHERE chain = :c ORDER BY id DESC LIMIT 2"), {"c": b})
            .scalars()
            .all()
        )
        connection.execute(text("DELETE FROM audit_events WHERE id IN (:x, :y)"), {"x": last_ids[0], "y": last_ids[1]})
        kept = connection.execute(
            text("SELECT hash FROM audit_events WHERE chain = :c ORDER BY id DESC LIMIT 1"), {"c": b}
        ).scalar_one()
        connection.execute(
            text("UPDATE audit_head SET last_hash = :h, count = :n WHERE id = :c"),
            {"h": kept, "n": lengths[b] - 2, "c": b},
        )
        expected.append(f"chain {b}: {lengths[b] - 2} events where checkpoint")

        # A whole chain emptied, its head reset.
        connection.execute(text("DELETE FROM audit_events WHERE chain = :c"), {"c": c})
        connection.execute(
            text("UPDATE audit_head SET last_hash = :h, count = 0 WHERE id = :c"), {"h": audit.GENESIS, "c": c}
        )
        expected.append(f"chain {c}: 0 events where checkpoint")

        # Each covered table: a field edited, a row deleted, a row inserted.
        edits = {
            "reports": ("description", "'Rien de grave.'"),
            "queue_items": ("status", "'closed'"),
            "assessments": ("severity_grade", "1"),
            "declarations": ("authority_reference", "'EFIT-FORGED'"),
            "deadlines": ("waiver_reason", "'forged'"),
            "report_products": ("category", "'medicine'"),
        }
        forged_unique = {
            "reports": {"reference": "VIG-1999-999999", "year": 1999, "sequence": 999999},
            "queue_items": {"queue": "forged"},
            "assessments": {"version": 99},
            "declarations": {},
            "deadlines": {},
            "report_products": {"position": 99},
        }
        for table, (field, value) in edits.items():
            ids = connection.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
            edited, deleted = ids[0], ids[1]
            connection.execute(text(f"UPDATE {table} SET {field} = {value} WHERE id = :id"), {"id": edited})
            expected.append(f"{table} {edited}: field {field} changed")
            row = dict(
                connection.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": deleted}).mappings().one()
            )
            connection.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": deleted})
            expected.append(f"{table} {deleted}: row deleted")
            forged = {**row, **forged_unique[table], "id": max(ids) + 100}
            forged = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in forged.items()}
            columns = ", ".join(f'"{name}"' for name in forged)
            connection.execute(
                text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + name for name in forged)})"), forged
            )
            expected.append(f"{table} {max(ids) + 100}: row without a seal")

        # A seal rewritten to match an edit (its MAC cannot be).
        target = connection.execute(
            text("SELECT row_id FROM audit_seals WHERE table_name = 'reports' ORDER BY row_id DESC LIMIT 1")
        ).scalar_one()
        connection.execute(
            text("UPDATE audit_seals SET fields = :f WHERE table_name = 'reports' AND row_id = :id"),
            {"f": json.dumps({"description": "0" * 16}), "id": target},
        )
        expected.append(f"reports {target}: seal altered")
    engine.dispose()

    # A checkpoint file edited (its count lowered to hide a truncation).
    first = sorted(checkpoints.glob("checkpoint-*.json"))[0]
    document = json.loads(first.read_text())
    document["chains"][0]["count"] = max(0, document["chains"][0]["count"] - 1)
    first.write_text(json.dumps(document))
    expected.append(f"checkpoint {first.name}: signature does not match")

    result = vigilance(database_url, checkpoints, "audit", "verify")
    assert result.returncode == 1
    missing = [line for line in expected if line not in result.stderr]
    assert not missing, result.stderr


def test_a_database_only_the_service_wrote_verifies_after_the_worker_s_day(app, database_url, worked, tmp_path, client):
    checkpoints = tmp_path / "checkpoints"
    assert vigilance(database_url, checkpoints, "audit", "checkpoint").returncode == 0
    # More work after the checkpoint: the chains grow past it, and that is no finding.
    items = client.get("/api/v1/queues/haemovigilance/items", headers=worked).get_json()["items"]
    assert client.post(f"/api/v1/queue-items/{items[-1]['id']}/claim", json={}, headers=worked).status_code == 200
    result = vigilance(database_url, checkpoints, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "1 checkpoints" in result.stdout
