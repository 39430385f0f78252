"""The audit chain: intact after normal work, broken and located after tampering."""

from sqlalchemy import text

from app.cli import cli
from tests.report_payloads import a_report
from tests.scenarios import file_report
from vigilance import audit
from vigilance.clock import utcnow
from vigilance.models import AuditEvent


def file_three(client, make_user, token_for):
    """Events 1 to 3: the establishment, the account and its token (administration is audited);
    4 to 6: the reports filed; 7 to 9: read."""
    headers = token_for(make_user("reporter"))
    ids = [client.post("/api/v1/reports", json=a_report(), headers=headers).get_json()["id"] for _ in range(3)]
    for report_id in ids:
        client.get(f"/api/v1/reports/{report_id}", headers=headers)
    return ids


def test_intact_chain_verifies(client, make_user, token_for, runner):
    file_three(client, make_user, token_for)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0
    assert "9 events" in result.output


def test_an_altered_event_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("UPDATE audit_events SET actor_label = 'someone-else' WHERE id = 2"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "event 2 (" in result.output and "altered" in result.output


def test_a_removed_event_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)  # events 4-6: the reports filed; 7-9: read
    db.execute(text("DELETE FROM audit_events WHERE id = 6"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    # Found at the next event of the same report's chain: its read.
    assert "event 9 (" in result.output


def test_a_report_s_events_are_one_chain_and_reports_spread_over_chains(client, make_user, token_for, db):
    ids = file_three(client, make_user, token_for)
    rows = db.execute(text("SELECT report_id, chain FROM audit_events WHERE report_id IS NOT NULL ORDER BY id")).all()
    chains = {}
    for report_id, chain in rows:
        chains.setdefault(report_id, set()).add(chain)
    assert all(len(c) == 1 for c in chains.values())
    assert len({c for cs in chains.values() for c in cs}) == len(ids)


def test_removing_a_whole_chain_with_its_head_is_found(client, make_user, token_for, runner, db):
    report_id = file_three(client, make_user, token_for)[1]
    chain = db.execute(text("SELECT chain FROM audit_events WHERE report_id = :r"), {"r": report_id}).scalars().first()
    db.execute(text("DELETE FROM audit_events WHERE chain = :c"), {"c": chain})
    db.execute(text("DELETE FROM audit_head WHERE id = :c"), {"c": chain})
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "head is missing" in result.output


def test_an_event_moved_to_another_chain_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("UPDATE audit_events SET chain = chain % 16 + 1 WHERE id = 8"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "event 8 (" in result.output


def test_removing_the_last_events_is_found(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("DELETE FROM audit_events WHERE id > 7"))
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "removed at the end" in result.output


def test_a_list_read_records_its_events_chain_by_chain(client, make_user, token_for, db):
    """One transaction writing several events takes the chains' heads in one order, the same
    for every such transaction, so that two of them cannot wait for each other."""
    reporter = make_user("reporter")
    headers = token_for(reporter)
    for _ in range(20):
        client.post("/api/v1/reports", json=a_report(), headers=headers)
    assert client.get("/api/v1/reports", headers=headers).status_code == 200
    chains = db.execute(text("SELECT chain FROM audit_events WHERE action = 'read' ORDER BY id")).scalars().all()
    assert len(chains) == 20 and len(set(chains)) > 1
    assert chains == sorted(chains)


def test_the_audit_module_takes_the_heads_in_order_whatever_the_caller_gives(db, make_user):
    """Events about several reports given in any order are recorded chain by chain (the heads'
    lock order); their hashes come back in the order given."""
    reporter, actor = make_user("reporter"), make_user("coordinator")
    reports = [file_report(db, reporter, utcnow()).report.id for _ in range(3)]
    already = db.scalar(text("SELECT max(id) FROM audit_events"))
    given = [reports[2], reports[0], reports[1]]
    hashes = audit.record_all(
        db, [audit.Event("read", report_id=n, target="t") for n in given], actor=actor, now=utcnow()
    )
    db.commit()
    rows = db.execute(
        text("SELECT report_id, chain, hash FROM audit_events WHERE id > :already ORDER BY id"), {"already": already}
    ).all()
    assert [r.chain for r in rows] == sorted(r.chain for r in rows)
    assert sorted(r.report_id for r in rows) == sorted(reports)
    assert hashes == [{r.report_id: r.hash for r in rows}[n] for n in given]
    assert audit.verify(db).ok


def test_a_chain_hashed_again_under_another_key_does_not_verify(client, make_user, token_for, db):
    """The links are MACs under the audit key: the same events with another key are refused."""
    from vigilance import audit_keys

    file_three(client, make_user, token_for)
    assert audit.verify(db).ok
    try:
        audit_keys.use_key("someone-else-s-key-0123456789-abcdefghijklmn")
        result = audit.verify(db)
    finally:
        audit_keys.use_key(client.application.config["AUDIT_KEY"])
    assert not result.ok and "keyed hash" in result.reason


def test_a_keyed_chain_cannot_go_back_to_unkeyed_links(client, make_user, token_for, runner, db):
    """Events from before the key stay verifiable, but an unkeyed event after a keyed one is
    someone rewriting the chain without the key."""
    file_three(client, make_user, token_for)
    chain, last = db.execute(text("SELECT chain, max(id) FROM audit_events GROUP BY chain ORDER BY 2 DESC")).first()
    event = db.get(AuditEvent, last)
    forged = audit._digest(event.prev_hash, event, audit.UNKEYED)
    db.execute(text("UPDATE audit_events SET scheme = 'sha256', hash = :h WHERE id = :id"), {"h": forged, "id": last})
    db.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = :c"), {"h": forged, "c": chain})
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {last} (chain {chain}): unkeyed event after keyed ones" in result.output


def test_rows_written_before_the_seals_are_sealed_once_and_that_is_audited(client, make_user, token_for, runner, db):
    file_three(client, make_user, token_for)
    db.execute(text("DELETE FROM audit_seals"))  # as after migration 0012: no row has a seal yet
    db.commit()
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 1
    sealed = runner.invoke(cli, ["audit", "seal-existing"])
    assert sealed.exit_code == 0 and "reports 3" in sealed.output
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
    db.rollback()
    assert db.execute(text("SELECT count(*) FROM audit_events WHERE action = 'seal-existing'")).scalar_one() == 1


def test_a_product_edited_deleted_or_added_behind_the_service_s_back_is_named(client, make_user, token_for, runner, db):
    """A report's products decide its queues: each row is sealed as the report is."""
    first, second, _third = file_three(client, make_user, token_for)
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
    edited, deleted = (
        db.execute(text("SELECT id FROM report_products WHERE report_id = :r"), {"r": report}).scalar_one()
        for report in (first, second)
    )
    db.execute(text("UPDATE report_products SET category = 'medicine' WHERE id = :id"), {"id": edited})
    db.execute(text("DELETE FROM report_products WHERE id = :id"), {"id": deleted})
    db.execute(
        text(
            "INSERT INTO report_products (id, report_id, position, name, answers, category, is_principal) "
            "VALUES (9999, :r, 1, 'Albumine', '{}', 'blood_derived_medicine', false)"
        ),
        {"r": first},
    )
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"report_products {edited}: field category changed outside the service" in result.output
    assert f"report_products {deleted}: row deleted (its seal remains)" in result.output
    assert "report_products 9999: row without a seal" in result.output


def test_products_written_by_the_service_verify(client, make_user, token_for, runner, db):
    """Two products in one report, each sealed when filed: nothing to report."""
    headers = token_for(make_user("reporter"))
    filed = client.post("/api/v1/reports", json=a_report(product={"name": "CGR et albumine"}), headers=headers)
    assert filed.status_code == 201, filed.get_json()
    products = db.execute(text("SELECT count(*) FROM report_products")).scalar_one()
    sealed = db.execute(text("SELECT count(*) FROM audit_seals WHERE table_name = 'report_products'")).scalar_one()
    assert products == sealed == 2
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
