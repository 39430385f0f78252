"""``vigilance import``: establishments (FINESS extract), accounts and past cases, from a file.

``--dry-run`` lists every problem by line and stores nothing; without it, the file is stored
whole in one transaction, or not at all. A progress bar runs on standard error.
"""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlmodel import Session

from app.cli.failures import fail
from app.db import get_engine
from vigilance import imports
from vigilance.clock import utcnow
from vigilance.errors import VigilanceError
from vigilance.i18n import say
from vigilance.storage.transaction import read_only, write_transaction

import_cli = AppGroup("import", help="Import establishments, accounts or past cases from a file.")


def _bar(dry_run: bool):
    """A click progress bar on standard error, fed by the import's ``progress(phase, done, total)``."""
    state: dict = {"bar": None, "shown": 0}

    def progress(phase: str, done: int, total: int) -> None:
        passes = 1 if dry_run else 2
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=max(total * passes, 1), label="import", file=sys.stderr)
            state["bar"].__enter__()
        position = done + (total if phase == "store" else 0)
        state["bar"].update(position - state["shown"])
        state["shown"] = position

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)

    return progress, close


def _run(kind: str, file: Path, dry_run: bool, **options) -> None:
    data = file.read_bytes()
    progress, close = _bar(dry_run)
    try:
        if dry_run:
            with Session(get_engine()) as db:  # reads only, and ends without committing
                read_only(db)
                outcome = imports.preview(db, kind=kind, data=data, progress=progress, **options)
        else:
            with write_transaction(get_engine()) as db:
                outcome = imports.apply(
                    db,
                    kind=kind,
                    data=data,
                    actor=None,
                    now=utcnow(),
                    file_name=file.name,
                    progress=progress,
                    **options,
                )
    except imports.ImportRefused as refusal:
        close()
        _problems(refusal.outcome)
        sys.exit(1)
    except VigilanceError as error:
        close()
        fail(error)
    close()
    _problems(outcome)
    verb = "would create" if outcome.dry_run else "created"
    click.echo(
        f"{kind}: {outcome.records} records; {verb} {outcome.created}, "
        f"{'would update' if outcome.dry_run else 'updated'} {outcome.updated}, unchanged {outcome.unchanged}"
        + (" (dry run: nothing stored)" if outcome.dry_run else "")
    )
    if outcome.problems:
        sys.exit(1)


def _problems(outcome: imports.Outcome) -> None:
    for problem in outcome.problems:
        click.echo(f"line {problem.line}: {problem.field}: {say(problem.message, 'en')}", err=True)
    if outcome.problems:
        click.echo(f"{len(outcome.problems)} problem(s): nothing stored.", err=True)


_dry_run = click.option("--dry-run", is_flag=True, help="Check every line and list the problems; store nothing.")


@import_cli.command("establishments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_dry_run
def import_establishments_command(file, dry_run):
    """Register or update establishments from the national FINESS extract (etalab format)."""
    _run("establishments", file, dry_run)


@import_cli.command("accounts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_dry_run
def import_accounts_command(file, dry_run):
    """Create accounts (without password) from a CSV file: email, role, establishment, vigilances..."""
    _run("accounts", file, dry_run)


@import_cli.command("cases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_dry_run
@click.option("--establishment", required=True, help="FINESS of the establishment the cases belong to.")
@click.option("--reporter", help="Email of the account that reported them, for cases that name none.")
def import_cases_command(file, dry_run, establishment, reporter):
    """Import past cases (CSV or JSON), each decided under the rulebook of its date."""
    _run("cases", file, dry_run, establishment=establishment, reporter=reporter)
