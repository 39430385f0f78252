"""``vigilance establishments``: health establishments."""

import click
from flask.cli import AppGroup
from sqlmodel import select

from app.cli.failures import fail
from app.db import get_engine
from routing.calendar import REGIONS
from vigilance import accounts
from vigilance.errors import VigilanceError
from vigilance.models import Establishment
from vigilance.storage.transaction import write_transaction

establishments_cli = AppGroup("establishments", help="Health establishments.")


@establishments_cli.command("add")
@click.argument("finess")
@click.option("--name", required=True, help="The establishment's name.")
@click.option(
    "--region", default="metropole", show_default=True, type=click.Choice(sorted(REGIONS)), help="Its holiday calendar."
)
def establishments_add_command(finess, name, region):
    """Register a health establishment by its 9-character FINESS number."""
    try:
        with write_transaction(get_engine()) as db:
            establishment = accounts.create_establishment(db, finess=finess, name=name, region=region)
            click.echo(f"{establishment.finess}\t{establishment.name}\t{establishment.region}")
    except VigilanceError as error:
        fail(error)


@establishments_cli.command("list")
def establishments_list_command():
    """List the establishments."""
    with write_transaction(get_engine()) as db:
        for establishment in db.exec(select(Establishment).order_by(Establishment.finess)):
            click.echo(f"{establishment.finess}\t{establishment.name}\t{establishment.region}")
