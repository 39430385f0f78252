"""0015: declarations get the moment they were made, from what the rows already there knew."""

from datetime import UTC, date, datetime

from sqlalchemy import text

from app.cli import cli


def test_existing_declarations_get_the_latest_moment_of_their_day_not_after_their_recording(app, runner):
    from sqlmodel import Session

    from tests.scenarios import file_report, paris
    from vigilance import accounts, triage

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    sqlite = engine.dialect.name == "sqlite"
    # Two declarations as the code of today records them, then the schema as it was before 0015.
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        hv = accounts.create_user(
            db, email="hv@example.org", role="correspondent", establishment=place, vigilances=["haemovigilance"]
        )
        db.commit()
        for n in (1, 2):
            item = file_report(db, reporter, paris(2026, 11, 16, 9, n)).items[0].id
            triage.claim(db, item_id=item, actor=hv, now=paris(2026, 11, 18, 8, 0))
            triage.declare(
                db,
                item_id=item,
                actor=hv,
                authority="ANSM",
                authority_reference=f"EFIT-{n}",
                kind="initial",
                declared_on=date(2026, 11, 18),
                now=paris(2026, 11, 18, 8, 0),
            )
            db.commit()
    assert runner.invoke(cli, ["db", "downgrade", "0011_text_lengths"]).exit_code == 0

    def moment(*args):
        value = datetime(*args, tzinfo=UTC)
        return value.replace(tzinfo=None) if sqlite else value

    with engine.connect() as connection:
        update = text("UPDATE declarations SET recorded_at = :recorded WHERE authority_reference = :reference")
        # Recorded on its day at 15:00 in Paris: made at the latest then.
        connection.execute(update, {"reference": "EFIT-1", "recorded": moment(2026, 11, 18, 14, 0)})
        # Recorded two days after its day: made at the latest at the end of it, in Paris.
        connection.execute(update, {"reference": "EFIT-2", "recorded": moment(2026, 11, 20, 9, 0)})
        connection.execute(text("DELETE FROM audit_pending"))  # as if the service had written them
        connection.commit()

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT authority_reference, declared_at FROM declarations")).all())
        assert connection.execute(text("SELECT count(*) FROM audit_pending")).scalar_one() == 0
    as_utc = {
        row_id: (value if isinstance(value, datetime) else datetime.fromisoformat(value))
        for row_id, value in stored.items()
    }
    as_utc = {row_id: value.replace(tzinfo=UTC) if value.tzinfo is None else value for row_id, value in as_utc.items()}
    assert as_utc["EFIT-1"] == datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    assert as_utc["EFIT-2"] == datetime(2026, 11, 18, 22, 59, 59, 999999, tzinfo=UTC)

    # The table rebuilt on SQLite still has its audit triggers: a write outside the service is noted.
    with engine.connect() as connection:
        connection.execute(text("UPDATE declarations SET kind = 'initial' WHERE authority_reference = 'EFIT-1'"))
        connection.commit()
        noted = connection.execute(text("SELECT table_name FROM audit_pending")).scalars().all()
    assert noted == ["declarations"]

    # And back down.
    assert runner.invoke(cli, ["db", "downgrade", "0011_text_lengths"]).exit_code == 0
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM declarations")).scalar_one() == 2
