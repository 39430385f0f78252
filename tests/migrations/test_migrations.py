"""Migrations: one head, an empty database upgrades, and the models match the migrated schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app import migrate
from app.cli import cli
from vigilance.models import metadata


@pytest.fixture(autouse=True)
def accounts_as_the_old_code_made_them(monkeypatch):
    """These tests make accounts with today's code on older schemas: today's code also audits
    the administration of accounts, in columns an older audit_events table does not have."""
    from vigilance import accounts

    monkeypatch.setattr(accounts, "_audit", lambda *args, **kwargs: None)


def test_single_head(app):
    script = ScriptDirectory.from_config(migrate.alembic_config(app))
    assert len(script.get_heads()) == 1


# SQLite's reflection cannot read an expression index (the queue's, on NOT serious): SQLAlchemy
# says so and leaves it out of the comparison, which the PostgreSQL run of this test makes.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_queue_items_by_urgency")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_queue_items_by_urgency'"
)
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

    from vigilance import accounts, audit
    from vigilance.models import QueueItem, Report
    from vigilance.storage import status_counts as counts

    assert runner.invoke(cli, ["db", "upgrade", "0005_summaries"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        connection = db.connection()
        statuses = ["new", "new", "in_progress", "closed", "declared", "new", "closed"]
        for n, status in enumerate(statuses, start=1):
            connection.execute(
                Report.__table__.insert(),
                dict(
                    id=n,
                    reference=f"VIG-2026-{n:06d}",
                    year=2026,
                    sequence=n,
                    event_kind="incident",
                    occurred_at=now,
                    received_at=now,
                    product_name="CGR",
                    product_answers={},
                    category="labile_blood_product",
                    queues=["haemovigilance"],
                    rulebook_id="fr",
                    decision={},
                    description="...",
                    serious=n % 2 == 0,
                    reporter_id=reporter.id,
                    establishment_id=place.id,
                    possible_duplicates=[],
                    status="received",
                    created_at=now,
                    updated_at=now,
                ),
            )
            for queue in ("haemovigilance", "biovigilance")[: 1 + n % 2]:
                connection.execute(
                    QueueItem.__table__.insert(),
                    dict(
                        report_id=n,
                        queue=queue,
                        establishment_id=place.id,
                        status=status,
                        serious=False,
                        urgency_at=now,
                        version=1,
                        created_at=now,
                    ),
                )
        # The trail as the single chain wrote it: head row 1, no chain column.
        prev = audit.GENESIS
        for report_id in (1, 2, 3):
            event = dict(
                occurred_at=now,
                actor_id=reporter.id,
                actor_label=reporter.email,
                action="create",
                report_id=report_id,
                target="",
                before=None,
                after=None,
            )
            event["hash"] = audit._digest(prev, event, audit.UNKEYED)  # written before the audit key
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, report_id, target, prev_hash, hash)"
                    " VALUES (:occurred_at, :actor_id, :actor_label, :action, :report_id, :target, :prev_hash, :hash)"
                ),
                {**event, "prev_hash": prev},
            )
            prev = event["hash"]
        connection.execute(sa.text("INSERT INTO audit_head (id, last_hash, count) VALUES (1, :h, 3)"), {"h": prev})
        db.commit()

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    with Session(engine, expire_on_commit=False) as db:
        real = dict(
            db.execute(sa.text("SELECT queue || ':' || status, count(*) FROM queue_items GROUP BY queue, status")).all()
        )
        for queue in ("haemovigilance", "biovigilance"):
            kept = counts.status_counts(db, queue=queue, establishment_id=place.id)
            assert {f"{queue}:{s}": n for s, n in kept.items() if n} == {
                k: v for k, v in real.items() if k.startswith(f"{queue}:")
            }
        assert audit.verify(db).ok and audit.verify(db).checked == 3
        for report_id in (4, None, 5):  # chains 5, the actor's and 6 (chain 1 goes on from the old events)
            audit.record(db, actor=reporter, action="read", now=now, report_id=report_id)
        db.commit()
        chains = db.execute(sa.text("SELECT chain FROM audit_events ORDER BY id")).scalars().all()
        assert chains == [1, 1, 1, 5, audit.chain_of(None, reporter.id), 6]
        result = audit.verify(db)
        assert result.ok and result.checked == 6, result


def test_after_every_migration_the_counts_follow_plain_statements(app, runner):
    """The triggers that keep the counts are there once migrated (a later batch migration that
    rebuilds queue_items on SQLite would drop them), and 0009 recounts what was wrong before."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from sqlmodel import Session

    from routing import EventKind, ProductFacts
    from vigilance import accounts, intake
    from vigilance.storage import status_counts as counts

    # Filed by today's code on today's schema, then taken back to 0008 with its counts lost, as
    # a forgotten explicit call left them before 0009.
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        now = datetime.now(UTC)
        draft = intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now,
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=False,
            severity_grade=1,
        )
        intake.submit(db, draft=draft, actor=reporter, now=now)
        db.commit()
    assert runner.invoke(cli, ["db", "downgrade", "0008_imputability_length"]).exit_code == 0
    with Session(engine, expire_on_commit=False) as db:
        db.execute(sa.text("DELETE FROM queue_status_counts"))  # nothing counted it before 0009
        db.commit()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    with Session(engine, expire_on_commit=False) as db:
        assert counts.status_counts(db, queue="haemovigilance", establishment_id=place.id)["new"] == 1
        db.execute(sa.text("UPDATE queue_items SET status = 'closed'"))
        db.commit()
        kept = counts.status_counts(db, queue="haemovigilance", establishment_id=place.id)
        assert (kept["new"], kept["closed"]) == (0, 1)


def test_0007_puts_closed_items_after_open_ones_and_downgrades_to_what_was_there(app, runner):
    """Upgrade a database whose closed items carry NOTHING_DUE (as closing wrote it before 0007), then go back."""
    from datetime import UTC, datetime

    from sqlmodel import Session, select

    from vigilance import accounts
    from vigilance.models import CLOSED_URGENCY, NOTHING_DUE, QueueItem, Report
    from vigilance.queues import QueueFilter, list_items

    assert runner.invoke(cli, ["db", "upgrade", "0006_queue_counts"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    due = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    # (status, serious, urgency as written before 0007)
    rows = [
        ("closed", True, NOTHING_DUE),
        ("new", False, NOTHING_DUE),
        ("in_progress", False, due),
        ("closed", False, NOTHING_DUE),
        ("declared", True, NOTHING_DUE),
        ("new", False, NOTHING_DUE),
    ]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        correspondent = accounts.create_user(
            db, email="c@example.org", role="correspondent", establishment=place, vigilances=["haemovigilance"]
        )
        db.commit()
        connection = db.connection()
        for n, (status, serious, urgency) in enumerate(rows, start=1):
            connection.execute(
                Report.__table__.insert(),
                dict(
                    id=n,
                    reference=f"VIG-2026-{n:06d}",
                    year=2026,
                    sequence=n,
                    event_kind="incident",
                    occurred_at=now,
                    received_at=now,
                    product_name="CGR",
                    product_answers={},
                    category="labile_blood_product",
                    queues=["haemovigilance"],
                    rulebook_id="fr",
                    decision={},
                    description="...",
                    serious=serious,
                    reporter_id=reporter.id,
                    establishment_id=place.id,
                    possible_duplicates=[],
                    status="received",
                    created_at=now,
                    updated_at=now,
                ),
            )
            connection.execute(
                QueueItem.__table__.insert(),
                dict(
                    id=n,
                    report_id=n,
                    queue="haemovigilance",
                    establishment_id=place.id,
                    status=status,
                    serious=serious,
                    next_due_at=due if urgency == due else None,
                    urgency_at=urgency,
                    version=1,
                    created_at=now,
                ),
            )
        db.commit()

    def urgencies():
        with Session(engine) as db:
            return dict(db.exec(select(QueueItem.id, QueueItem.urgency_at).order_by(QueueItem.id)).all())

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert urgencies() == {1: CLOSED_URGENCY, 2: NOTHING_DUE, 3: due, 4: CLOSED_URGENCY, 5: NOTHING_DUE, 6: NOTHING_DUE}
    with Session(engine) as db:
        page = list_items(
            db,
            queue="haemovigilance",
            actor=correspondent,
            now=now,
            after=None,
            limit=10,
            filters=QueueFilter(statuses=("new", "in_progress", "declared", "closed")),
        )
        assert [item.id for item, _report in page.rows] == [3, 5, 2, 6, 1, 4]
    assert runner.invoke(cli, ["db", "downgrade", "0006_queue_counts"]).exit_code == 0
    assert urgencies() == {n: urgency for n, (_status, _serious, urgency) in enumerate(rows, start=1)}


def test_0008_keeps_long_imputability_levels_and_refuses_a_downgrade_that_would_cut_them(app, runner):
    from sqlalchemy import text

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    assert runner.invoke(cli, ["db", "downgrade", "0007_closed_items_last"]).exit_code == 0  # nothing long yet
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        # An assessment alone, without its item and report: foreign keys off for this insert
        # only (SQLite takes the pragma outside a transaction only).
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        else:
            connection.execute(text("SET session_replication_role = replica"))
        connection.execute(
            text(
                "INSERT INTO assessments (queue_item_id, version, imputability, imputability_scale, seriousness_criteria,"
                " comment, assessed_by, assessed_at) VALUES (1, 1, 'unassessable', 'who-umc-2013', '[]', '', 1,"
                " '2026-11-20 09:00:00')"
            )
        )
        connection.commit()
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        else:
            connection.execute(text("SET session_replication_role = DEFAULT"))
            connection.commit()
    refused = runner.invoke(cli, ["db", "downgrade", "0007_closed_items_last"])
    assert refused.exit_code != 0 and "longer than eight" in str(refused.exception or refused.output)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT imputability FROM assessments")).scalar_one() == "unassessable"


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_queue_items_by_urgency")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_queue_items_by_urgency'"
)
def test_every_migration_goes_down_and_up_again(app, runner):
    """From the head down to an empty database, one step at a time, and back: each downgrade
    undoes its upgrade, so an upgrade gone wrong in production can be backed out."""
    import sqlalchemy as sa

    script = ScriptDirectory.from_config(migrate.alembic_config(app))
    revisions = [revision.revision for revision in script.walk_revisions()]  # head first
    engine = app.extensions["vigilance.db"]

    def tables():
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert tables() == set(metadata.tables)
    for below in [*revisions[1:], "base"]:
        result = runner.invoke(cli, ["db", "downgrade", below])
        assert result.exit_code == 0, (below, result.output, result.exception)
    assert tables() == set()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_after_migrating_the_app_still_refuses_a_row_pointing_nowhere(app, runner):
    """On SQLite, migrations turn foreign keys off; the pooled connection must get them back."""
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["db", "downgrade", "0007_closed_items_last"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO audit_events (occurred_at, chain, actor_label, action, target,"
                " prev_hash, hash, report_id) VALUES ('2026-11-20 09:00:00', 1, 'x', 'read', '',"
                " 'a', 'b', 999)"
            )
        )


def _event_as_0006_wrote_it(db, actor, now):
    """An unkeyed event in chain 1 and its head, as the code of revision 0006 wrote them (today's
    code writes columns that schema does not have)."""
    import sqlalchemy as sa

    from vigilance import audit

    prev, count = db.execute(sa.text("SELECT last_hash, count FROM audit_head WHERE id = 1")).first() or (
        audit.GENESIS,
        0,
    )
    event = dict(occurred_at=now, actor_id=actor.id, actor_label=actor.email, action="read", report_id=None)
    event.update(target="", before=None, after=None)
    event["hash"] = audit._digest(prev, event, audit.UNKEYED)
    db.execute(
        sa.text(
            "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, target, chain, prev_hash, hash)"
            " VALUES (:occurred_at, :actor_id, :actor_label, :action, :target, 1, :prev_hash, :hash)"
        ),
        {**event, "occurred_at": now.replace(tzinfo=None), "prev_hash": prev},
    )
    db.execute(sa.text("DELETE FROM audit_head WHERE id = 1"))
    db.execute(
        sa.text("INSERT INTO audit_head (id, last_hash, count) VALUES (1, :h, :n)"),
        {"h": event["hash"], "n": count + 1},
    )


def test_0006_goes_back_to_one_audit_chain_only_while_the_others_are_empty(app, runner):
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from sqlmodel import Session

    from vigilance import accounts

    assert runner.invoke(cli, ["db", "upgrade", "0006_queue_counts"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        admin = accounts.create_user(db, email="a@example.org", role="admin", establishment=place)
        for _ in range(3):  # events about no report: chain 1
            _event_as_0006_wrote_it(db, admin, now)
        db.commit()

    assert runner.invoke(cli, ["db", "downgrade", "0005_summaries"]).exit_code == 0
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == 3
        assert "chain" not in {c["name"] for c in sa.inspect(connection).get_columns("audit_events")}
        assert connection.execute(sa.text("SELECT id, count FROM audit_head")).all() == [(1, 3)]
        assert "queue_status_counts" not in sa.inspect(connection).get_table_names()

    assert runner.invoke(cli, ["db", "upgrade", "0006_queue_counts"]).exit_code == 0
    with Session(engine, expire_on_commit=False) as db:
        _event_as_0006_wrote_it(db, accounts.user_by_email(db, "a@example.org"), now)
        db.execute(sa.text("UPDATE audit_events SET chain = 2 WHERE id = 4"))  # as a report's event in chain 2
        db.commit()
    refused = runner.invoke(cli, ["db", "downgrade", "0005_summaries"])
    assert refused.exit_code != 0 and "chains other than 1" in str(refused.exception or refused.output)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == 4


def test_0005_downgrade_keeps_the_accounts_and_drops_only_the_summary_settings(app, runner):
    import sqlalchemy as sa
    from sqlmodel import Session

    from vigilance import accounts

    assert runner.invoke(cli, ["db", "upgrade", "0005_summaries"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        accounts.create_user(
            db, email="c@example.org", role="correspondent", establishment=place, vigilances=["haemovigilance"]
        )
        db.commit()

    assert runner.invoke(cli, ["db", "downgrade", "0004_clocks_outbox"]).exit_code == 0
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("users")}
        assert {"daily_digest", "weekly_summary", "monthly_report", "digest_when_empty"}.isdisjoint(columns)
        assert "summary_runs" not in sa.inspect(connection).get_table_names()
        assert connection.execute(sa.text("SELECT email, role FROM users")).all() == [
            ("c@example.org", "correspondent")
        ]


def test_0012_the_seals_follow_every_write_once_migrated(app, runner, monkeypatch):
    """After ``db upgrade`` (not create_all), the triggers note what the service writes, and a
    direct edit is named by the seals."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from sqlmodel import Session

    from routing import EventKind, ProductFacts
    from vigilance import accounts, audit_seals, intake
    from vigilance.storage.transaction import write_transaction

    monkeypatch.undo()  # today's schema: administration is audited as today's code does it
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    now = datetime.now(UTC)
    with write_transaction(engine) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        draft = intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now,
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=False,
            severity_grade=1,
        )
        report_id = intake.submit(db, draft=draft, actor=reporter, now=now).report.id
    with Session(engine) as db:
        assert list(audit_seals.verify(db)) == []
        db.execute(sa.text("UPDATE reports SET serious = :t WHERE id = :id"), {"t": True, "id": report_id})
        db.commit()
        assert f"reports {report_id}: field serious changed outside the service" in map(str, audit_seals.verify(db))


def test_0021_products_are_sealed_once_migrated_and_older_ones_once_sealed_existing(app, runner, monkeypatch):
    """After ``db upgrade``, a product row edited directly is named; the rows 0019 gave reports
    filed before have no seal until ``audit seal-existing``, as after 0012."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from routing import EventKind, ProductFacts
    from tests.scenarios import paris
    from vigilance import accounts, audit_seals, intake
    from vigilance.storage.transaction import write_transaction

    def file_report(db, reporter, received):  # in the caller's write transaction, which seals
        draft = intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=received,
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=False,
            severity_grade=1,
        )
        return intake.submit(db, draft=draft, actor=reporter, now=received)

    monkeypatch.undo()
    # Filed by today's code on today's schema (whose reports have columns 0019 did not know),
    # then taken back to 0019 with its product's seal gone: before 0021 the service sealed none.
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with write_transaction(engine) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        reporter_id = reporter.id
        before = file_report(db, reporter, paris(2026, 11, 16, 9, 0)).report.id
    assert runner.invoke(cli, ["db", "downgrade", "0019_report_products"]).exit_code == 0
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_seals WHERE table_name = 'report_products'"))

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with Session(engine) as db:
        (old,) = db.execute(sa.text("SELECT id FROM report_products WHERE report_id = :r"), {"r": before}).scalars()
        assert f"report_products {old}: row without a seal (inserted outside the service)" in map(
            str, audit_seals.verify(db)
        )
    sealed = runner.invoke(cli, ["audit", "seal-existing"])
    assert sealed.exit_code == 0 and "report_products 1" in sealed.output

    with write_transaction(engine) as db:
        after = file_report(db, db.get(accounts.User, reporter_id), paris(2026, 11, 17, 9, 0)).report.id
    with Session(engine) as db:
        assert list(audit_seals.verify(db)) == []
        (new,) = db.execute(sa.text("SELECT id FROM report_products WHERE report_id = :r"), {"r": after}).scalars()
        db.execute(sa.text("UPDATE report_products SET name = 'Albumine' WHERE id = :id"), {"id": new})
        db.commit()
        assert f"report_products {new}: field name changed outside the service" in map(str, audit_seals.verify(db))

    assert runner.invoke(cli, ["db", "downgrade", "0019_report_products"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
