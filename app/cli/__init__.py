"""The ``vigilance`` command: Flask's CLI bound to the app factory, plus the service's commands.

One module per command group; this one only assembles them.
"""

import sys

import click
from flask.cli import FlaskGroup

from app import create_app
from app.cli.attachments import attachments_cli
from app.cli.audit import audit_cli
from app.cli.classify import classify_command
from app.cli.db import db_cli
from app.cli.demo import demo_cli
from app.cli.establishments import establishments_cli
from app.cli.imports import import_cli
from app.cli.rulebooks import rulebook_cli
from app.cli.run import run_command
from app.cli.summaries import summaries_cli
from app.cli.tokens import tokens_cli
from app.cli.users import users_cli
from app.cli.worker import worker_command
from app.config import ConfigError


# Built for a command, not to serve: `vigilance run` checks what serving needs itself (app/cli/run.py).
@click.group(cls=FlaskGroup, create_app=lambda: create_app(serving=False), name="vigilance")
def cli():
    """Vigilance incident reporting and triage."""


# In the order ``vigilance --help`` lists them, as before the split.
for command in (
    run_command,
    db_cli,
    classify_command,
    rulebook_cli,
    establishments_cli,
    users_cli,
    import_cli,
    tokens_cli,
    audit_cli,
    attachments_cli,
    demo_cli,
    summaries_cli,
    worker_command,
):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``vigilance`` console script."""
    try:
        cli.main(prog_name="vigilance")
    except ConfigError as refusal:
        # A setting to correct, not a bug: its name and what is wrong, without a traceback.
        sys.exit(f"Error: {refusal}")
