"""``vigilance worker``: the scheduler alone, in the foreground."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@with_appcontext
def worker_command():
    """Run the clocks and the outbox in the foreground (SIGTERM stops it cleanly)."""
    import logging

    from app.scheduler import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    # One line per job run would drown what matters; the jobs log what they do.
    # (including "skipped: still running" when a tick finds the previous one busy: expected).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # The app itself, not the context-bound proxy: the jobs run in the scheduler's threads.
    run_worker(current_app._get_current_object())
