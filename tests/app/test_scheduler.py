"""The declared jobs, embedded in the single-node web process or run by the worker."""

from apscheduler.schedulers.background import BackgroundScheduler

from app import create_app
from app.scheduler import register_jobs


def test_the_jobs_are_declared_once_with_fixed_ids(app):
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    register_jobs(scheduler, app)  # a second registration replaces, never duplicates
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"clocks", "outbox", "summaries"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())


def test_embedded_mode_runs_the_jobs_inside_the_web_process(database_url, tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "x", "SCHEDULER": "embedded"})
    scheduler = app.extensions["vigilance.scheduler"]
    try:
        assert scheduler.running
        assert {job.id for job in scheduler.get_jobs()} == {"clocks", "outbox", "summaries"}
    finally:
        scheduler.shutdown(wait=True)
        app.extensions["vigilance.db"].dispose()


def test_under_a_wsgi_server_no_scheduler_starts(app):
    assert "vigilance.scheduler" not in app.extensions
