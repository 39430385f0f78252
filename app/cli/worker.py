"""``vigilance worker``: the scheduler alone, in the foreground."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@with_appcontext
def worker_command():
    """Run the clocks and the outbox in the foreground (SIGTERM stops it cleanly)."""
    import logging

    from app.operations import logs
    from app.scheduler import run_worker

    logs.configure_for(current_app)
    # One line per job run would drown what matters; the jobs log what they do.
    # (including "skipped: still running" when a tick finds the previous one busy: expected).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # The app itself, not the context-bound proxy: the jobs run in the scheduler's threads.
    run_worker(current_app._get_current_object())
