"""The ``vigilance`` command: Flask's CLI bound to the app factory, plus the service's commands."""

import json
import os
import secrets
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, ScriptInfo
from flask.cli import run_command as flask_run_command
from sqlmodel import select

from app import create_app
from app.config import follow_served_address
from app.db import get_engine
from routing import EventKind, Facts, ProductFacts, Queue, decide
from routing.calendar import REGIONS
from vigilance import accounts, audit, demo, summaries
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput, VigilanceError
from vigilance.i18n import say, translatable
from vigilance.models import ApiToken, Establishment, Role, User
from vigilance.periods import send_moment
from vigilance.storage.transaction import write_transaction


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), name="vigilance")
def cli():
    """Vigilance incident reporting and triage."""


@cli.command(
    "run", params=flask_run_command.params, help=flask_run_command.help, short_help=flask_run_command.short_help
)
@click.pass_context
def run_command(ctx: click.Context, **options):
    """Flask's development server, with the clocks in the same process unless VIGILANCE_SCHEDULER=off."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    follow_served_address(app, options["host"], options["port"])
    reloading = options.get("reload") if options.get("reload") is not None else app.debug
    # Under the reloader, the parent process only watches files: the served child runs the clocks.
    if app.config["SCHEDULER"] == "embedded" and (not reloading or os.environ.get("WERKZEUG_RUN_MAIN") == "true"):
        from app.scheduler import start_embedded

        start_embedded(app)
    ctx.invoke(flask_run_command, **options)


db_cli = AppGroup("db", help="The database schema (Alembic migrations in migrations/).")
cli.add_command(db_cli)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade_command(revision: str):
    """Apply the migrations up to REVISION (default: head). Safe to run again."""
    from app import migrate

    migrate.upgrade(current_app, revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade_command(revision: str):
    """Revert the migrations down to REVISION."""
    from app import migrate

    migrate.downgrade(current_app, revision)


@db_cli.command("current")
def db_current_command():
    """Show the revision the database is at."""
    from app import migrate

    migrate.current(current_app)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not compare the models with the database.")
def db_revision_command(message: str, empty: bool):
    """Write a new migration, compared against the models unless --empty."""
    from app import migrate

    migrate.revision(current_app, message, autogenerate=not empty)


@cli.command("classify")
@click.argument("name")
@click.option(
    "--event-kind",
    default="recipient_adverse_reaction",
    show_default=True,
    type=click.Choice([k.value for k in EventKind]),
)
@click.option("--serious/--not-serious", default=None, help="Whether the event is serious.")
@click.option("--grade", "severity_grade", type=click.IntRange(1, 4), help="Severity grade (1 to 4).")
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Decide under the rules in force that day.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as the API returns it.")
def classify_command(name, event_kind, serious, severity_grade, on_date, lang, as_json):
    """Qualify the product NAME and show where its report would go, why, and by when."""

    tz = current_app.config["TZINFO"]
    on = on_date.date() if on_date else datetime.now(tz).date()
    facts = Facts(
        event_kind=EventKind(event_kind),
        product=ProductFacts(name=name),
        serious=serious,
        severity_grade=severity_grade,
        region=current_app.config["DEFAULT_REGION"],
    )
    decision = decide(facts, on=on).as_dict(lang, say)
    if as_json:
        click.echo(json.dumps(decision, ensure_ascii=False, indent=2))
        return
    headings = [
        heading.render(lang)
        for heading in (
            translatable("Catégorie"),
            translatable("Files"),
            translatable("Explication"),
            translatable("Délais"),
            translatable("Bases légales"),
            translatable("Référentiel"),
        )
    ]
    click.secho(f"{headings[0]}: {decision['category']} ({decision['category_label']})", bold=True)
    queues = ", ".join(
        f"{q} → {decision['authorities'][q]}" if q in decision["authorities"] else q for q in decision["queues"]
    )
    click.echo(f"{headings[1]}: {queues}")
    click.echo(f"{headings[2]}:")
    for number, step in enumerate(decision["explanation"], 1):
        click.echo(f"  {number}. {step}")
    click.echo(f"{headings[3]}:")
    for deadline in decision["deadlines"] or []:
        click.echo(f"  - [{deadline['queue']}] {deadline['description']}")
    click.echo(f"{headings[4]}:")
    for basis in decision["legal_basis"]:
        click.echo(f"  - {basis}")
    rulebook = decision["rulebook"]
    click.echo(f"{headings[5]}: {rulebook['id']} ({rulebook['effective_from']})")


establishments_cli = AppGroup("establishments", help="Health establishments.")
users_cli = AppGroup("users", help="Accounts.")
tokens_cli = AppGroup("tokens", help="API tokens.")
audit_cli = AppGroup("audit", help="The audit trail.")
for group in (establishments_cli, users_cli, tokens_cli, audit_cli):
    cli.add_command(group)


def _fail(error: VigilanceError) -> None:
    details = ""
    if isinstance(error, InvalidInput):
        details = " " + " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.messages("en").items())
    raise click.ClickException(f"{error.say('en')}{details}")


@establishments_cli.command("add")
@click.argument("finess")
@click.option("--name", required=True, help="The establishment's name.")
@click.option(
    "--region", default="metropole", show_default=True, type=click.Choice(sorted(REGIONS)), help="Its holiday calendar."
)
def establishments_add_command(finess, name, region):
    """Register a health establishment by its 9-character FINESS number."""
    try:
        with write_transaction(get_engine()) as db:
            establishment = accounts.create_establishment(db, finess=finess, name=name, region=region)
            click.echo(f"{establishment.finess}\t{establishment.name}\t{establishment.region}")
    except VigilanceError as error:
        _fail(error)


@establishments_cli.command("list")
def establishments_list_command():
    """List the establishments."""
    with write_transaction(get_engine()) as db:
        for establishment in db.exec(select(Establishment).order_by(Establishment.finess)):
            click.echo(f"{establishment.finess}\t{establishment.name}\t{establishment.region}")


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
def users_create_command(email, role, finess, vigilances, password, name, language, coordinator):
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
            )
            click.echo(f"{user.email}\t{user.role}\t{finess or '-'}\t{','.join(user.vigilances) or '-'}")
    except VigilanceError as error:
        _fail(error)
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
        _fail(error)


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", help="Without it, a password is generated and printed once.")
def users_set_password_command(email, password):
    """Set a new password (forgotten, or the account locked out): the lock ends, and every session with it."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with write_transaction(get_engine()) as db:
            accounts.reset_password(db, accounts.user_by_email(db, email), password=password)
    except VigilanceError as error:
        _fail(error)
    click.echo(f"{email}: password set")
    if generated:
        click.echo(f"password: {password}")


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
        _fail(error)
    click.echo(f"token {token_id} revoked")


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


demo_cli = AppGroup("demo", help="Demo data for trying the service.")
cli.add_command(demo_cli)


@demo_cli.command("load")
@click.option("--reports", default=50, show_default=True, help="How many reports to file.")
def demo_load_command(reports):
    """Create the demo establishment, one account per role and some reports (once)."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("No demo data in production.")
    with write_transaction(get_engine()) as db:
        users = demo.load(db, now=utcnow(), reports=reports)
        total = demo.report_count(db)
    click.echo(f"Demo data: {total} reports. Accounts (password: {demo.DEMO_PASSWORD}):")
    for user in users:
        queues = f" [{', '.join(user.vigilances)}]" if user.vigilances else ""
        click.echo(f"  {user.role:<13} {user.email}{queues}")


summaries_cli = AppGroup("summaries", help="Periodic summary emails.")
cli.add_command(summaries_cli)


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
    now = utcnow()
    hour = current_app.config["DIGEST_HOUR"]
    base_url = current_app.config["BASE_URL"]
    engine = get_engine()
    with write_transaction(engine) as db:
        query = select(Establishment).order_by(Establishment.id)
        if finess:
            query = query.where(Establishment.finess == finess)
        establishment_ids = [e.id for e in db.exec(query).all()]
    if not establishment_ids:
        raise click.ClickException(f"No establishment {finess}." if finess else "No establishment yet.")
    total = 0
    for establishment_id in establishment_ids:
        with write_transaction(engine) as db:
            establishment = db.get(Establishment, establishment_id)
            period = summaries.chosen_period(
                kind, on=on.date() if on else None, now=now, hour=hour, calendar=summaries.calendar_of(establishment)
            )
            if not dry_run and send_moment(period, hour) > now:
                # Sent early, a summary would stand for its period and the real one never go out.
                raise click.ClickException(
                    f"{period.key} is not due before {send_moment(period, hour):%Y-%m-%d %H:%M} "
                    "(Europe/Paris); use --dry-run to preview it."
                )
            result = summaries.run(
                db, kind, period, establishment, now=now, hour=hour, base_url=base_url, dry_run=dry_run, again=True
            )
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
                db.rollback()
    click.echo(f"{total} summaries {'would be queued' if dry_run else 'queued'}.")


@cli.command("worker")
def worker_command():
    """Run the clocks and the outbox in the foreground (SIGTERM stops it cleanly)."""
    import logging

    from app.operations import logs
    from app.scheduler import run_worker

    logs.configure_for(current_app)
    # One line per job run would drown what matters; the jobs log what they do.
    # (including "skipped: still running" when a tick finds the previous one busy: expected).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # The app itself, not the context-bound proxy: the jobs run in the scheduler's threads.
    run_worker(current_app._get_current_object())


def main() -> None:
    """Entry point of the ``vigilance`` console script."""
    cli.main(prog_name="vigilance")
