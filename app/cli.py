"""The ``vigilance`` command: Flask's CLI bound to the app factory, plus the service's commands."""

import json
import os
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup

from app import create_app
from routing import EventKind, Facts, ProductFacts, decide


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), name="vigilance")
def cli():
    """Vigilance incident reporting and triage."""


db_cli = AppGroup("db", help="The database schema (Alembic migrations in migrations/).")
cli.add_command(db_cli)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade_command(revision: str):
    """Apply the migrations up to REVISION (default: head). Safe to run again."""
    from app import migrate

    migrate.upgrade(current_app, revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade_command(revision: str):
    """Revert the migrations down to REVISION."""
    from app import migrate

    migrate.downgrade(current_app, revision)


@db_cli.command("current")
def db_current_command():
    """Show the revision the database is at."""
    from app import migrate

    migrate.current(current_app)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not compare the models with the database.")
def db_revision_command(message: str, empty: bool):
    """Write a new migration, compared against the models unless --empty."""
    from app import migrate

    migrate.revision(current_app, message, autogenerate=not empty)


@cli.command("classify")
@click.argument("name")
@click.option(
    "--event-kind",
    default="recipient_adverse_reaction",
    show_default=True,
    type=click.Choice([k.value for k in EventKind]),
)
@click.option("--serious/--not-serious", default=None, help="Whether the event is serious.")
@click.option("--grade", "severity_grade", type=click.IntRange(1, 4), help="Severity grade (1 to 4).")
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Decide under the rules in force that day.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as the API returns it.")
def classify_command(name, event_kind, serious, severity_grade, on_date, lang, as_json):
    """Qualify the product NAME and show where its report would go, why, and by when."""

    tz = current_app.config["TZINFO"]
    on = on_date.date() if on_date else datetime.now(tz).date()
    facts = Facts(
        event_kind=EventKind(event_kind),
        product=ProductFacts(name=name),
        serious=serious,
        severity_grade=severity_grade,
        region=current_app.config["DEFAULT_REGION"],
    )
    decision = decide(facts, on=on).as_dict(lang)
    if as_json:
        click.echo(json.dumps(decision, ensure_ascii=False, indent=2))
        return
    headings = {
        "fr": ("Catégorie", "Files", "Explication", "Délais", "Bases légales", "Référentiel"),
        "en": ("Category", "Queues", "Explanation", "Deadlines", "Legal basis", "Rulebook"),
    }[lang]
    click.secho(f"{headings[0]}: {decision['category']} ({decision['category_label']})", bold=True)
    queues = ", ".join(
        f"{q} → {decision['authorities'][q]}" if q in decision["authorities"] else q
        for q in decision["queues"]
    )
    click.echo(f"{headings[1]}: {queues}")
    click.echo(f"{headings[2]}:")
    for number, step in enumerate(decision["explanation"], 1):
        click.echo(f"  {number}. {step}")
    click.echo(f"{headings[3]}:")
    for deadline in decision["deadlines"] or []:
        click.echo(f"  - [{deadline['queue']}] {deadline['description']}")
    click.echo(f"{headings[4]}:")
    for basis in decision["legal_basis"]:
        click.echo(f"  - {basis}")
    rulebook = decision["rulebook"]
    click.echo(f"{headings[5]}: {rulebook['id']} ({rulebook['effective_from']})")


def main() -> None:
    """Entry point of the ``vigilance`` console script."""
    # The single-process default runs the clocks inside the web process; a WSGI server does not.
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        os.environ.setdefault("VIGILANCE_SCHEDULER", "embedded")
    cli.main(prog_name="vigilance")
