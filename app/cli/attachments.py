"""``vigilance attachments``: the attached files' store."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.attachment_doors import store_of
from app.db import get_engine
from vigilance import attachments
from vigilance.clock import utcnow
from vigilance.storage.transaction import read_only

attachments_cli = AppGroup("attachments", help="Attached files.")


@attachments_cli.command("sweep")
def attachments_sweep_command():
    """Remove the stored files that no attachment names, once an hour old (a process killed
    between writing a file and committing its row; a downgraded database)."""
    from sqlmodel import Session

    with Session(get_engine()) as db:
        removed = attachments.sweep_orphans(read_only(db), store_of(current_app), now=utcnow())
        db.rollback()
    click.echo(f"removed {removed} orphan files")
