"""``vigilance users``: accounts."""

import secrets

import click
from flask.cli import AppGroup
from sqlmodel import select

from app.cli.failures import fail
from app.db import get_engine
from routing import Queue
from vigilance import accounts
from vigilance.errors import VigilanceError
from vigilance.models import Establishment, Role, User
from vigilance.storage.transaction import write_transaction

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--establishment", "finess", help="FINESS of the user's establishment.")
@click.option(
    "--vigilance",
    "vigilances",
    multiple=True,
    type=click.Choice([q.value for q in Queue]),
    help="A queue the correspondent works (repeatable).",
)
@click.option("--password", help="Without it, a password is generated and printed once.")
@click.option("--name", default="")
@click.option("--language", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
@click.option("--coordinator", is_flag=True, help="An admin who also sees reports as a coordinator.")
@click.option("--rpps", help="The person's RPPS number (11 digits; its key is checked).")
def users_create_command(email, role, finess, vigilances, password, name, language, coordinator, rpps):
    """Create an account."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with write_transaction(get_engine()) as db:
            establishment = accounts.establishment_by_finess(db, finess) if finess else None
            user = accounts.create_user(
                db,
                email=email,
                role=role,
                establishment=establishment,
                vigilances=vigilances,
                password=password,
                name=name,
                language=language,
                is_coordinator=coordinator,
                rpps=rpps,
            )
            click.echo(f"{user.email}\t{user.role}\t{finess or '-'}\t{','.join(user.vigilances) or '-'}")
    except VigilanceError as error:
        fail(error)
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("list")
def users_list_command():
    """List the accounts."""
    with write_transaction(get_engine()) as db:
        rows = db.exec(select(User, Establishment).join(Establishment, isouter=True).order_by(User.email))
        for user, establishment in rows:
            state = "active" if user.is_active else "disabled"
            click.echo(
                f"{user.email}\t{user.role}\t{establishment.finess if establishment else '-'}\t"
                f"{','.join(user.vigilances) or '-'}\t{state}"
            )


@users_cli.command("disable")
@click.argument("email")
def users_disable_command(email):
    """Disable an account: its sessions and tokens stop working at once."""
    _set_active(email, False)
    click.echo(f"{email} disabled")


@users_cli.command("enable")
@click.argument("email")
def users_enable_command(email):
    """Enable a disabled account again (its tokens not revoked work again)."""
    _set_active(email, True)
    click.echo(f"{email} enabled")


def _set_active(email: str, active: bool) -> None:
    try:
        with write_transaction(get_engine()) as db:
            accounts.set_active(db, accounts.user_by_email(db, email), active)
    except VigilanceError as error:
        fail(error)


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", help="Without it, a password is generated and printed once.")
def users_set_password_command(email, password):
    """Set a new password (a forgotten one): every page session of the account ends."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with write_transaction(get_engine()) as db:
            accounts.reset_password(db, accounts.user_by_email(db, email), password=password)
    except VigilanceError as error:
        fail(error)
    click.echo(f"{email}: password set")
    if generated:
        click.echo(f"password: {password}")
