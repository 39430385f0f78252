"""``vigilance audit``: the audit trail."""

import sys

import click
from flask.cli import AppGroup

from app.db import get_engine
from vigilance import audit
from vigilance.storage.transaction import write_transaction

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def audit_verify_command():
    """Recompute the audit chain; exit 1 at the first broken link."""
    with write_transaction(get_engine()) as db:
        result = audit.verify(db)
    if result.ok:
        click.echo(f"audit trail intact: {result.checked} events")
        return
    where = f" at event {result.broken_at}" if result.broken_at else ""
    click.echo(f"audit trail BROKEN{where} after {result.checked} good events: {result.reason}", err=True)
    sys.exit(1)
