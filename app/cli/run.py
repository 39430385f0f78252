"""``vigilance run``: Flask's development server, with the embedded scheduler."""

import os

import click
from flask.cli import ScriptInfo, with_appcontext
from flask.cli import run_command as flask_run_command

from app.config import ConfigError, follow_served_address
from app.start_checks import refuse_demo_accounts


@click.command(
    "run", params=flask_run_command.params, help=flask_run_command.help, short_help=flask_run_command.short_help
)
@click.pass_context
@with_appcontext
def run_command(ctx: click.Context, **options):
    """Flask's development server, with the clocks in the same process unless VIGILANCE_SCHEDULER=off."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    if app.config["ENV"] == "production":
        try:
            refuse_demo_accounts(app.extensions["vigilance.db"])
        except ConfigError as refusal:
            raise click.ClickException(str(refusal)) from refusal
    follow_served_address(app, options["host"], options["port"])
    reloading = options.get("reload") if options.get("reload") is not None else app.debug
    # Under the reloader, the parent process only watches files: the served child runs the clocks.
    if app.config["SCHEDULER"] == "embedded" and (not reloading or os.environ.get("WERKZEUG_RUN_MAIN") == "true"):
        from app.scheduler import start_embedded

        start_embedded(app)
    ctx.invoke(flask_run_command, **options)
