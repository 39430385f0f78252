"""``vigilance demo``: demo data for trying the service."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import get_engine
from vigilance import demo
from vigilance.clock import utcnow
from vigilance.storage.transaction import write_transaction

demo_cli = AppGroup("demo", help="Demo data for trying the service.")


@demo_cli.command("load")
@click.option("--reports", default=50, show_default=True, help="How many reports to file.")
def demo_load_command(reports):
    """Create the demo establishment, one account per role and some reports (once)."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("No demo data in production.")
    with write_transaction(get_engine()) as db:
        users = demo.load(db, now=utcnow(), reports=reports, base_url=current_app.config["BASE_URL"])
        total = demo.report_count(db)
    click.echo(f"Demo data: {total} reports. Accounts (password: {demo.DEMO_PASSWORD}):")
    for user in users:
        queues = f" [{', '.join(user.vigilances)}]" if user.vigilances else ""
        click.echo(f"  {user.role:<13} {user.email}{queues}")
