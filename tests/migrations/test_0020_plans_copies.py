"""0020: follow-up steps and information copies; timers gain their step and keep their partial index."""

from sqlalchemy import inspect, text

from app.cli import cli


def _pending_index(engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return "n/a"
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_timers_pending_due'")
        ).scalar()


def test_the_timers_keep_their_pending_index_and_a_filed_report_schedules_its_plan(app, runner):
    from sqlmodel import Session, select

    from tests.scenarios import file_report, paris
    from vigilance import accounts
    from vigilance.models import FollowupStep, Timer

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    before = _pending_index(engine)
    assert (before and "done_at IS NULL" in before.replace('"', "")) or before == "n/a"
    assert runner.invoke(cli, ["db", "downgrade", "0017_new_vigilances"]).exit_code == 0
    tables = inspect(engine).get_table_names()
    assert "followup_steps" not in tables and "information_copies" not in tables
    assert "followup_step_id" not in {c["name"] for c in inspect(engine).get_columns("timers")}
    assert _pending_index(engine) == before
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _pending_index(engine) == before
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        item = file_report(db, reporter, paris(2026, 11, 16, 9, 0)).items[0]
        steps = db.exec(select(FollowupStep).where(FollowupStep.queue_item_id == item.id)).all()
        assert len(steps) == 2
        assert len(db.exec(select(Timer).where(Timer.kind == "followup_due")).all()) == 2
