"""0027: the mark of imported reports, a table of its own (no existing table changes)."""

from sqlalchemy import inspect

from app.cli import cli


def test_report_imports_come_and_go_with_the_revision(app, runner):
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    inspector = inspect(engine)
    assert "report_imports" in inspector.get_table_names()
    assert {c["name"] for c in inspector.get_columns("report_imports")} == {
        "report_id",
        "imported_at",
        "imported_by",
        "file_sha256",
        "line",
    }
    reports_before = {c["name"] for c in inspector.get_columns("reports")}

    result = runner.invoke(cli, ["db", "downgrade", "0025_case_files"])
    assert result.exit_code == 0, result.output
    inspector = inspect(engine)
    assert "report_imports" not in inspector.get_table_names()
    assert {c["name"] for c in inspector.get_columns("reports")} == reports_before

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert "report_imports" in inspect(engine).get_table_names()
