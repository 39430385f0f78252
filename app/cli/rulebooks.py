"""``vigilance rulebook``: the rulebooks shipped, what changes between two, and re-deciding under one."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import get_engine
from routing.diff import diff_rulebooks
from routing.rulebook import shipped_rulebooks
from routing.wording import in_language
from vigilance import redecision
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput
from vigilance.i18n import say
from vigilance.storage.transaction import write_transaction

rulebook_cli = AppGroup("rulebook", help="The rulebooks: list them, compare two, re-decide open reports under one.")

_LANGUAGE = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)


@rulebook_cli.command("list")
@_LANGUAGE
def list_command(lang):
    """One line per rulebook shipped: its id, the day it takes effect, its title."""
    for rulebook in shipped_rulebooks():
        click.echo(f"{rulebook.id}\t{rulebook.effective_from.isoformat()}\t{in_language(rulebook.title, lang, say)}")


@rulebook_cli.command("diff")
@click.argument("old_id")
@click.argument("new_id")
@_LANGUAGE
def diff_command(old_id, new_id, lang):
    """What changes from rulebook OLD_ID to NEW_ID, each change with its legal basis."""
    rulebooks = shipped_rulebooks()
    try:
        old, new = rulebooks.get(old_id), rulebooks.get(new_id)
    except KeyError as unknown:
        known = ", ".join(r.id for r in rulebooks)
        raise click.BadParameter(f"unknown rulebook {unknown} (known: {known})") from None
    changes = diff_rulebooks(old, new)
    click.echo(f"{old.id} ({old.effective_from}) -> {new.id} ({new.effective_from})")
    if changes.is_empty:
        click.echo("No change.")
        return
    click.echo(f"Catalogue entries whose category or queues change: {len(changes.entries)}")
    for entry in changes.entries:
        label = in_language(entry.label, lang, say)
        line = f"  ~ {entry.entry_id} ({label})"
        if entry.category_changes:
            line += f": {entry.category_before} -> {entry.category_after}"
        click.echo(line)
        for kind, before, after in entry.queues:
            click.echo(f"      {kind.value}: [{', '.join(before)}] -> [{', '.join(after)}]")
        _bases(entry.legal_basis)
    for kind, heading in (
        ("qualification", "Qualification rules"),
        ("routing", "Routing rules"),
        ("deadline", "Deadline policies"),
        ("status_watch", "Products whose status may move"),
    ):
        rules = changes.rules_of(kind)
        if not rules:
            continue
        click.echo(f"{heading}: {len(rules)}")
        for change in rules:
            mark = {"added": "+", "removed": "-", "changed": "~"}[change.change]
            click.echo(f"  {mark} {change.rule_id} ({change.change})")
            for field, before, after in change.differences:
                click.echo(f"      {field}: {_short(before, lang)} -> {_short(after, lang)}")
            _bases(change.legal_basis)


def _bases(legal_basis) -> None:
    for basis in legal_basis:
        click.echo(f"      § {basis}")


def _short(value, lang: str) -> str:
    """A field's value on one line: texts in the chosen language."""
    if isinstance(value, dict) and set(value) >= {"fr", "en"}:
        value = value[lang]
    return str(value)


@rulebook_cli.command("redecide")
@click.option("--rulebook", "rulebook_id", required=True, help="The rulebook to re-decide under.")
@click.option("--apply", "apply_", is_flag=True, help="Re-decide them, as one audited batch (default: list only).")
def redecide_command(rulebook_id, apply_):
    """List every open report the rulebook governs whose decision would differ (reference, before,
    after); with --apply, re-decide them as a requalification does."""
    engine = get_engine()
    try:
        with write_transaction(engine) as db:
            if apply_:
                batch = redecision.apply(
                    db, rulebook_id=rulebook_id, actor=None, now=utcnow(), base_url=current_app.config["BASE_URL"]
                )
                found = list(batch.redecisions)
            else:
                found = redecision.preview(db, rulebook_id=rulebook_id)
            governed = redecision.open_reports_governed(db, rulebook_id=rulebook_id)
            rulebook = redecision.rulebook_named(rulebook_id)
    except InvalidInput as refused:
        raise click.BadParameter(refused.messages("en")["rulebook"][0], param_hint="--rulebook") from None
    if not governed:
        # Not a silent empty list: a rulebook not yet in force governs no open report.
        click.echo(
            f"No open report is decided by {rulebook_id} yet: it governs events from "
            f"{rulebook.effective_from.isoformat()}, and no open report's event falls in its span. "
            "Nothing to re-decide; nothing changed."
        )
        return
    for change in found:
        click.echo(f"{change.reference}\t{change.before}\t->\t{change.after}\t({', '.join(change.differences)})")
    if apply_:
        click.echo(
            f"Re-decided {len(found)} report(s) under {rulebook_id}"
            + (f" (batch {batch.batch_id}, {len(batch.opened_items)} item(s) opened)." if found else ".")
        )
    else:
        click.echo(
            f"{len(found)} open report(s) would be re-decided under {rulebook_id}; nothing changed. "
            + (
                f"{governed} open report(s) are decided by it"
                + (": re-deciding any of them would give the same decision." if not found else ".")
            )
        )
