"""The declared jobs, embedded in the single-node web process or run by the worker."""

from apscheduler.schedulers.background import BackgroundScheduler

from app import create_app
from app.cli import cli
from app.scheduler import register_jobs
from vigilance.models import metadata


def test_the_jobs_are_declared_once_with_fixed_ids(app):
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    register_jobs(scheduler, app)  # a second registration replaces, never duplicates
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"clocks", "outbox", "summaries", "drafts", "audit_checkpoint"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())


def test_vigilance_run_runs_the_jobs_inside_the_web_process(database_url, monkeypatch):
    import flask.cli

    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "x", "SCHEDULER": "embedded"})
    metadata.create_all(app.extensions["vigilance.db"])
    seen = {}

    def serve(*args, **kwargs):  # instead of blocking on a socket: look at the app being served
        scheduler = app.extensions.get("vigilance.scheduler")
        seen["jobs"] = {job.id for job in scheduler.get_jobs()} if scheduler and scheduler.running else set()

    monkeypatch.setattr(flask.cli, "run_simple", serve)
    try:
        result = app.test_cli_runner().invoke(cli, args=["run", "--port", "5999"])
        assert result.exit_code == 0, result.output
        assert seen["jobs"] == {"clocks", "outbox", "summaries", "drafts", "audit_checkpoint"}
    finally:
        if "vigilance.scheduler" in app.extensions:
            app.extensions["vigilance.scheduler"].shutdown(wait=True)
        app.extensions["vigilance.db"].dispose()


def test_no_other_command_starts_a_scheduler(database_url):
    # `db upgrade` used to run the clocks against tables it had not yet created.
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "x", "SCHEDULER": "embedded"})
    try:
        result = app.test_cli_runner().invoke(cli, args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "vigilance.scheduler" not in app.extensions
    finally:
        app.extensions["vigilance.db"].dispose()


def test_under_a_wsgi_server_no_scheduler_starts(database_url):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "x", "SCHEDULER": "embedded"})
    assert "vigilance.scheduler" not in app.extensions
    app.extensions["vigilance.db"].dispose()
