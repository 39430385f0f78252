"""0017: a report says whether its reaction was unexpected; reports filed before say nothing."""

from sqlalchemy import inspect, text

from app.cli import cli


def test_reports_filed_before_keep_an_unknown_unexpectedness(app, runner):
    from sqlmodel import Session

    from tests.scenarios import file_report, paris
    from vigilance import accounts

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        file_report(db, reporter, paris(2026, 11, 16, 9, 0))

    assert runner.invoke(cli, ["db", "downgrade", "0014_alerts"]).exit_code == 0
    assert "unexpected" not in {c["name"] for c in inspect(engine).get_columns("reports")}

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        # count() of a column counts its values: none is known for a report filed before.
        assert connection.execute(text("SELECT count(*), count(unexpected) FROM reports")).one() == (1, 0)
