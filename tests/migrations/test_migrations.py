"""Migrations: one head, an empty database upgrades, and the models match the migrated schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app import migrate
from app.cli import cli
from vigilance.models import metadata


def test_single_head(app):
    script = ScriptDirectory.from_config(migrate.alembic_config(app))
    assert len(script.get_heads()) == 1


# SQLite's reflection cannot read an expression index (the queue's, on NOT serious): SQLAlchemy
# says so and leaves it out of the comparison, which the PostgreSQL run of this test makes.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_queue_items_by_urgency")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index 'ix_queue_items_by_urgency'")
def test_db_upgrade_is_idempotent_and_matches_the_models(app, runner):
    for _ in range(2):
        result = runner.invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
    engine = app.extensions["vigilance.db"]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_0006_counts_the_items_already_there_and_the_audit_chain_goes_on(app, runner):
    """Upgrade a database holding items and a single-chain audit trail (as written before 0006)."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from sqlmodel import Session

    from vigilance import accounts, audit, counts
    from vigilance.models import QueueItem, Report

    assert runner.invoke(cli, ["db", "upgrade", "0005_summaries"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000001", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        connection = db.connection()
        statuses = ["new", "new", "in_progress", "closed", "declared", "new", "closed"]
        for n, status in enumerate(statuses, start=1):
            connection.execute(Report.__table__.insert(), dict(
                id=n, reference=f"VIG-2026-{n:06d}", year=2026, sequence=n, event_kind="incident", occurred_at=now,
                received_at=now, product_name="CGR", product_answers={}, category="labile_blood_product",
                queues=["haemovigilance"], rulebook_id="fr", decision={}, description="...", serious=n % 2 == 0,
                reporter_id=reporter.id, establishment_id=place.id, possible_duplicates=[], status="received",
                created_at=now, updated_at=now))
            for queue in ("haemovigilance", "biovigilance")[: 1 + n % 2]:
                connection.execute(QueueItem.__table__.insert(), dict(
                    report_id=n, queue=queue, establishment_id=place.id, status=status, serious=False,
                    urgency_at=now, version=1, created_at=now))
        # The trail as the single chain wrote it: head row 1, no chain column.
        prev = audit.GENESIS
        for report_id in (1, 2, 3):
            event = dict(occurred_at=now, actor_id=reporter.id, actor_label=reporter.email, action="create",
                         report_id=report_id, target="", before=None, after=None)
            event["hash"] = audit._digest(prev, event)
            connection.execute(sa.text(
                "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, report_id, target, prev_hash, hash)"
                " VALUES (:occurred_at, :actor_id, :actor_label, :action, :report_id, :target, :prev_hash, :hash)"),
                {**event, "prev_hash": prev})
            prev = event["hash"]
        connection.execute(sa.text("INSERT INTO audit_head (id, last_hash, count) VALUES (1, :h, 3)"), {"h": prev})
        db.commit()

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    with Session(engine, expire_on_commit=False) as db:
        real = dict(db.execute(sa.text(
            "SELECT queue || ':' || status, count(*) FROM queue_items GROUP BY queue, status")).all())
        for queue in ("haemovigilance", "biovigilance"):
            kept = counts.status_counts(db, queue=queue, establishment_id=place.id)
            assert {f"{queue}:{s}": n for s, n in kept.items() if n} == {k: v for k, v in real.items()
                                                                       if k.startswith(f"{queue}:")}
        assert audit.verify(db).ok and audit.verify(db).checked == 3
        for report_id in (4, None, 5):  # chains 5, 1 (after the old events) and 6
            audit.record(db, actor=reporter, action="read", now=now, report_id=report_id)
        db.commit()
        assert db.execute(sa.text("SELECT chain FROM audit_events ORDER BY id")).scalars().all() == [1, 1, 1, 5, 1, 6]
        result = audit.verify(db)
        assert result.ok and result.checked == 6, result
