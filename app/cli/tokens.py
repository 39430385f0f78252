"""``vigilance tokens``: API tokens."""

import click
from flask.cli import AppGroup
from sqlmodel import select

from app.cli.failures import fail
from app.db import get_engine
from vigilance import accounts
from vigilance.clock import utcnow
from vigilance.errors import VigilanceError
from vigilance.models import ApiToken, User
from vigilance.storage.transaction import write_transaction

tokens_cli = AppGroup("tokens", help="API tokens.")


@tokens_cli.command("issue")
@click.argument("email")
@click.option("--label", default="", help="What the token is for.")
def tokens_issue_command(email, label):
    """Create an API token for EMAIL; the token alone is the last line printed."""
    with write_transaction(get_engine()) as db:
        user = db.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None or not user.is_active:
            raise click.ClickException(f"No active account {email}.")
        record, token = accounts.issue_token(db, user=user, label=label)
        click.echo(f"token {record.id} for {user.email} (shown once, store it now):")
    click.echo(token)


@tokens_cli.command("list")
@click.option("--email", help="Only this user's tokens.")
def tokens_list_command(email):
    """List tokens (never their value)."""
    with write_transaction(get_engine()) as db:
        query = select(ApiToken, User).join(User).order_by(ApiToken.id)
        if email:
            query = query.where(User.email == email.strip().lower())
        for token, user in db.exec(query):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
            click.echo(f"{token.id}\t{user.email}\t{token.label or '-'}\t{state}\t{used}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke_command(token_id):
    """Revoke a token by its number (see `tokens list`)."""
    try:
        with write_transaction(get_engine()) as db:
            accounts.revoke_token(db, token_id=token_id, now=utcnow())
    except VigilanceError as error:
        fail(error)
    click.echo(f"token {token_id} revoked")
