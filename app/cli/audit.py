"""``vigilance audit``: the audit trail."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import get_engine
from vigilance import audit, audit_checkpoints, audit_seals, audit_verification
from vigilance.clock import utcnow
from vigilance.storage.transaction import read_only, write_transaction

audit_cli = AppGroup("audit", help="The audit trail.")

#: Findings printed one by one; past that, how many more.
SHOWN = 200


@audit_cli.command("verify")
def audit_verify_command():
    """Check the chains, the checkpoints and the seals of every audited row; exit 1 if anything fails."""
    from sqlmodel import Session

    with Session(get_engine()) as db:
        result = audit_verification.verify(read_only(db), checkpoint_dir=_checkpoint_dir())
        db.rollback()
    if result.ok:
        click.echo(
            f"audit trail intact: {result.events} events, {result.checkpoints} checkpoints, every audited row sealed"
        )
        return
    click.echo(f"audit trail BROKEN: {len(result.findings)} findings ({result.events} good events)", err=True)
    for finding in result.findings[:SHOWN]:
        click.echo(f"- {finding}", err=True)
    if len(result.findings) > SHOWN:
        click.echo(f"… and {len(result.findings) - SHOWN} more", err=True)
    sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint_command():
    """Write a signed checkpoint of every chain's head to VIGILANCE_AUDIT_CHECKPOINT_DIR now."""
    with write_transaction(get_engine()) as db:
        checkpoint = audit_checkpoints.take(db, _checkpoint_dir(), now=utcnow())
    click.echo(f"checkpoint {checkpoint.file_name}: {len(checkpoint.heads)} chains, digest {checkpoint.digest}")


@audit_cli.command("seal-existing")
def audit_seal_existing_command():
    """Seal the audited rows that have none (once, after upgrading to 0012); recorded in the trail."""
    with write_transaction(get_engine()) as db:
        counts = audit_seals.seal_unsealed(db)
        audit.record(db, actor=None, action="seal-existing", now=utcnow(), target="audit_seals", after=counts)
    click.echo("sealed: " + ", ".join(f"{table} {count}" for table, count in counts.items()))


def _checkpoint_dir() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"])
