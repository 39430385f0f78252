"""The timed jobs: fixed, declared once, each running in an app context with its own session.

The clocks themselves are rows (timers, outbox): these jobs only look for what is due. Any
number of processes may run them; row claiming keeps work from being done twice.
"""

import logging
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.config import mail_sender
from app.mail import SmtpMailer
from app.operations import metrics
from vigilance import audit_checkpoints, clocks, drafts, outbox, summaries
from vigilance.clock import utcnow
from vigilance.models import AuditCheckpoint, Establishment
from vigilance.periods import Period
from vigilance.storage.transaction import read_only, write_transaction
from vigilance.storage.writers_lock import alone_or_not_at_all

logger = logging.getLogger("vigilance.worker")

#: How many timers one transaction handles: small enough that a killed worker loses little.
CLOCK_BATCH = 500
#: How many emails one run of the delivery job sends (each in its own transaction) over one
#: SMTP connection.
OUTBOX_BATCH = 200
#: A test hook, not a setting: the path of a marker file. When set, ``vigilance worker`` holds
#: each clock batch that handled timers, uncommitted, writing the marker and waiting until it is
#: removed, so that a test can kill the worker inside a batch for sure (tests/worker).
TEST_PAUSE_IN_BATCH = "VIGILANCE_TEST_PAUSE_IN_BATCH"


def process_clocks(app: Flask) -> int:
    """Handle every due timer, a batch per transaction, until none is due or the worker stops."""
    engine = app.extensions["vigilance.db"]
    stopping = app.extensions.get("vigilance.stopping")
    pause = app.extensions.get("vigilance.test_pause_in_batch")
    total = 0
    while stopping is None or not stopping.is_set():
        with write_transaction(engine) as session:
            handled = clocks.process_due(session, now=utcnow(), base_url=app.config["BASE_URL"], batch=CLOCK_BATCH)
            if pause is not None and handled:
                _hold_batch(pause, handled)
        total += handled
        if handled < CLOCK_BATCH:
            return total
    return total


def _hold_batch(marker: Path, handled: int) -> None:
    """The test hook: the batch is handled and not committed; say so in *marker*, wait until it is removed."""
    written = marker.with_name(marker.name + ".tmp")
    written.write_text(f"{os.getpid()} {handled}\n")
    written.replace(marker)  # whole, at once: a reader never finds it empty
    logger.warning("Clocks: %s timers handled, not committed; waiting until %s is removed", handled, marker)
    while marker.exists():
        time.sleep(0.05)


def deliver_mail(app: Flask) -> int:
    url = app.config.get("SMTP_URL")
    if not url:
        return 0  # no SMTP configured: mail stays in the outbox, readable by admins
    mailer = app.extensions.setdefault("vigilance.mailer", SmtpMailer(url, sender=mail_sender(app.config)))
    engine = app.extensions["vigilance.db"]
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    try:
        if not database or database == ":memory:":
            return outbox.deliver(engine, mailer, now_fn=utcnow, batch=OUTBOX_BATCH)
        # SQLite: one sender at a time, sending outside any transaction, so that the database's
        # single writer (intake included) never waits for the mail server.
        with alone_or_not_at_all(f"{os.path.abspath(database)}-outbox") as alone:
            if not alone:
                return 0  # another process is delivering; this one's turn comes at a later tick
            return outbox.deliver(engine, mailer, now_fn=utcnow, batch=OUTBOX_BATCH, sole_sender=True)
    finally:
        mailer.close()


def run_summaries(
    engine: Engine,
    runs: Iterable[tuple[str, Period, int]],
    *,
    hour: int,
    base_url: str,
    now: datetime | None = None,
    dry_run: bool = False,
    again: bool = False,
    stopping: threading.Event | None = None,
    keep_going: bool = False,
) -> Iterator[tuple[Establishment, Period, summaries.RunResult]]:
    """Do each summary run (kind, period, establishment id) in a transaction of its own, in turn,
    and yield what it did: the worker's job and ``vigilance summaries send`` both go through here.

    *runs* is read lazily, so its producer may stop the loop by raising. *now* is fixed for every
    run when given, the clock's time at each run when not. A dry run composes only and its
    transaction is rolled back; what it composed stays readable (the session closes without
    expiring it). With *keep_going*, a failing run is logged and the next one tried, so that one
    establishment's failure does not keep the others' summaries from going out.
    """
    for kind, period, establishment_id in runs:
        if stopping is not None and stopping.is_set():
            return
        # A dry run's transaction is rolled back; what it composed stays readable.
        transaction = Session(engine, expire_on_commit=False) if dry_run else write_transaction(engine)
        try:
            with transaction as session:
                establishment = session.get(Establishment, establishment_id)
                result = summaries.run(
                    session,
                    kind,
                    period,
                    establishment,
                    now=now or utcnow(),
                    hour=hour,
                    base_url=base_url,
                    dry_run=dry_run,
                    again=again,
                )
        except Exception:
            if not keep_going:
                raise
            logger.exception(
                "Summaries %s for establishment %s failed; tried again next tick", period.key, establishment_id
            )
            continue
        yield establishment, period, result


def queue_summaries(app: Flask) -> int:
    """Queue the summaries whose time has come, one run (kind, period, establishment) per transaction.

    Two workers may both see a run as due: the second one's claim finds it taken and does nothing.
    """
    engine = app.extensions["vigilance.db"]
    hour = app.config["DIGEST_HOUR"]
    with Session(engine) as session:
        due = [
            (kind, period, establishment.id)
            for kind, period, establishment in summaries.due_runs(read_only(session), now=utcnow(), hour=hour)
        ]
    queued = 0
    for establishment, period, result in run_summaries(
        engine,
        due,
        hour=hour,
        base_url=app.config["BASE_URL"],
        stopping=app.extensions.get("vigilance.stopping"),
        keep_going=True,
    ):
        if result.claimed:
            logger.info(
                "Summaries %s for establishment %s: %s queued, %s empty digests left out",
                period.key,
                establishment.id,
                result.queued,
                result.skipped_empty,
            )
        queued += result.queued
    return queued


def purge_drafts(app: Flask) -> int:
    """Delete the report drafts nobody touched for VIGILANCE_DRAFT_RETENTION_DAYS days."""
    with write_transaction(app.extensions["vigilance.db"]) as session:
        return drafts.purge(session, now=utcnow(), retention=timedelta(days=app.config["DRAFT_RETENTION_DAYS"]))


def take_checkpoint(app: Flask) -> int:
    """The day's signed checkpoint of the audit chains' heads, once a day (local date), however
    many workers run: the day's row is claimed in the transaction that writes the file."""
    today = utcnow().astimezone(app.config["TZINFO"]).date()
    if app.extensions.get("vigilance.checkpoint_day") == today:
        return 0  # known taken: no statement at all on the other ticks of the day
    engine = app.extensions["vigilance.db"]
    with Session(engine) as session:
        taken = read_only(session).exec(select(AuditCheckpoint.id).where(AuditCheckpoint.scheduled_on == today)).first()
    if taken is None:
        with write_transaction(engine) as session:
            checkpoint = audit_checkpoints.take(
                session, Path(app.config["AUDIT_CHECKPOINT_DIR"]), now=utcnow(), scheduled_on=today
            )
        if checkpoint is not None:
            logger.info("Audit checkpoint %s written (digest %s)", checkpoint.file_name, checkpoint.digest)
    app.extensions["vigilance.checkpoint_day"] = today
    return 1 if taken is None else 0


#: The declared jobs: (id, function), each run every TICK_SECONDS.
JOBS = (
    ("clocks", process_clocks),
    ("outbox", deliver_mail),
    ("summaries", queue_summaries),
    ("audit_checkpoint", take_checkpoint),
)


def _guarded(app: Flask, job_id: str, function):
    def run():
        started = time.monotonic()
        try:
            with app.app_context():
                done = function(app)
            if done:
                logger.info("%s: %s done in %.2f s", job_id, done, time.monotonic() - started)
        except Exception:  # a failing tick must not stop the next one; it is logged
            logger.exception("%s failed", job_id)
        finally:
            metrics.note_tick(job_id)

    return run


def register_jobs(scheduler, app: Flask) -> None:
    interval = app.config["TICK_SECONDS"]
    for job_id, function in JOBS:
        # First run at once: what fell due while no worker ran is done on start.
        scheduler.add_job(
            _guarded(app, job_id, function),
            "interval",
            seconds=interval,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=utcnow(),
        )
    # Once a day (and at start): a draft's age is counted in days, one pass a day is enough.
    scheduler.add_job(
        _guarded(app, "drafts", purge_drafts),
        "interval",
        days=1,
        id="drafts",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        next_run_time=utcnow(),
    )


def start_embedded(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    register_jobs(scheduler, app)
    scheduler.start()
    app.extensions["vigilance.scheduler"] = scheduler
    logger.info("Embedded scheduler started (every %s s)", app.config["TICK_SECONDS"])
    return scheduler


def run_worker(app: Flask) -> None:
    """Run the jobs in the foreground until SIGTERM or SIGINT; the batch in hand is finished."""
    scheduler = BlockingScheduler(timezone="UTC")
    register_jobs(scheduler, app)
    # Set on SIGTERM: the batch in hand is finished and committed, then the loops stop.
    stopping = app.extensions["vigilance.stopping"] = threading.Event()

    def stop(signum, _frame):
        if not stopping.is_set():
            stopping.set()
            logger.info("Worker stopping (signal %s): finishing the current batch", signum)
            threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if os.environ.get(TEST_PAUSE_IN_BATCH):
        if app.config["ENV"] == "production":
            logger.error("%s is a test hook: ignored in production", TEST_PAUSE_IN_BATCH)
        else:
            app.extensions["vigilance.test_pause_in_batch"] = Path(os.environ[TEST_PAUSE_IN_BATCH])
            logger.warning(
                "%s set: each clock batch waits, uncommitted, for %s to be removed",
                TEST_PAUSE_IN_BATCH,
                os.environ[TEST_PAUSE_IN_BATCH],
            )
    heartbeat = max(60.0, app.config["TICK_SECONDS"])
    scheduler.add_job(lambda: logger.info("Worker alive"), "interval", seconds=heartbeat, id="heartbeat")
    logger.info(
        "Worker started: clocks, summaries and outbox every %s s, SMTP %s",
        app.config["TICK_SECONDS"],
        "configured" if app.config.get("SMTP_URL") else "not configured (mail stays in the outbox)",
    )
    scheduler.start()
    logger.info("Worker stopped")
