"""``vigilance db``: the database schema (Alembic migrations in migrations/)."""

import click
from flask import current_app
from flask.cli import AppGroup

db_cli = AppGroup("db", help="The database schema (Alembic migrations in migrations/).")


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
