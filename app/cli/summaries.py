"""``vigilance summaries``: periodic summary emails."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from app.db import get_engine
from vigilance import summaries
from vigilance.clock import utcnow
from vigilance.models import Establishment
from vigilance.periods import send_moment
from vigilance.storage.transaction import write_transaction

summaries_cli = AppGroup("summaries", help="Periodic summary emails.")


@summaries_cli.command("send")
@click.option(
    "--period",
    "kind",
    required=True,
    type=click.Choice(summaries.SENT),
    help="daily: each correspondent's digest; weekly and monthly: the coordinators' summaries.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day, or a day of the week or month, to summarise [default: the latest period due].",
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; queue and record nothing.")
@click.option("--establishment", "finess", help="Only this establishment (FINESS).")
def summaries_send_command(kind, on, dry_run, finess):
    """Queue (or preview) one period's summaries; whoever already has theirs gets nothing twice."""
    from app.scheduler import run_summaries

    now = utcnow()
    hour = current_app.config["DIGEST_HOUR"]
    engine = get_engine()
    with write_transaction(engine) as db:
        query = select(Establishment).order_by(Establishment.id)
        if finess:
            query = query.where(Establishment.finess == finess)
        establishments = db.exec(query).all()
    if not establishments:
        raise click.ClickException(f"No establishment {finess}." if finess else "No establishment yet.")

    def runs():
        """Each establishment's period, checked as its turn comes (those before it are queued)."""
        for establishment in establishments:
            period = summaries.chosen_period(
                kind, on=on.date() if on else None, now=now, hour=hour, calendar=summaries.calendar_of(establishment)
            )
            if not dry_run and send_moment(period, hour) > now:
                # Sent early, a summary would stand for its period and the real one never go out.
                raise click.ClickException(
                    f"{period.key} is not due before {send_moment(period, hour):%Y-%m-%d %H:%M} "
                    "(Europe/Paris); use --dry-run to preview it."
                )
            yield kind, period, establishment.id

    total = 0
    for establishment, period, result in run_summaries(
        engine, runs(), hour=hour, base_url=current_app.config["BASE_URL"], now=now, dry_run=dry_run, again=True
    ):
        count = len(result.emails) if dry_run else result.queued
        total += count
        already = "" if dry_run else f", {len(result.emails) - result.queued} already queued before"
        click.echo(
            f"{establishment.finess} {establishment.name}: {period.key}: {count} "
            f"{'would be queued' if dry_run else 'queued'}{already}, "
            f"{result.skipped_empty} empty digests left out"
        )
        if dry_run:
            for composed in result.emails:
                click.echo(f"\n--- To: {composed.recipient.email} ({composed.recipient.language})")
                click.echo(f"Subject: {composed.email.subject}\n")
                click.echo(composed.email.text.rstrip())
    click.echo(f"{total} summaries {'would be queued' if dry_run else 'queued'}.")
