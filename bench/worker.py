"""Workers on PostgreSQL: clock throughput, the cost of an idle tick, and a SIGKILL soak.

``python -m bench.worker [--part throughput|idle|soak|all]``

Each part works in databases of its own (``CREATE DATABASE`` on the server given by ``--postgres``,
dropped at the end, even on failure) and starts real ``vigilance worker`` processes, as
``tests/worker/test_worker_processes.py`` does.

throughput
    A fresh schema (``metadata.create_all``), one establishment with a reporter, a haemovigilance
    correspondent and a coordinator, and one report filed through ``intake.submit`` three weeks
    ago. That report is cloned in SQL (``INSERT ... SELECT`` over ``generate_series``: the same
    columns intake wrote, new id, reference and sequence) into ``--reports`` reports, each with its
    queue item and deadline and one escalation timer due in the past (due times 10 ms apart). N
    workers (``VIGILANCE_TICK_SECONDS=0.2``, no SMTP: the outbox only fills) are timed until no
    timer is due; for each N in ``--workers`` a fresh database is loaded. Then, unless
    ``--smtp-seconds 0``, the outbox delivery rate to a local aiosmtpd server, with 1 and 2 workers.

idle
    Timers only, all due in the future (``deadline_id`` NULL: no handler is reached, none being
    due). The cost of one ``clocks.process_due`` plus commit, in process, on an engine built as the
    worker builds it, at ``--idle-small`` and ``--idle-timers`` future timers (and the same with as
    many done timers in the past), with ``EXPLAIN ANALYZE`` of the claim query the worker runs.

soak
    Three workers (``VIGILANCE_TICK_SECONDS=0.5``) sending to an aiosmtpd server in this process;
    a feeder inserts ``--soak-rate`` timers a second (escalations, two emails each, and reminders,
    one email each, on deadlines of their own) due over the whole soak; every ``--soak-interval``
    seconds (randomised +-25 %) one worker is SIGKILLed and a replacement started, ``--soak-cycles``
    times. Then: every timer done, the expected outbox rows per timer, one overdue repeat per
    escalated deadline; every outbox row's Message-ID received (lost), received twice (repeated);
    latency from each timer's due time to the email's arrival.
"""

import argparse
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlmodel import Session

from bench import harness
from bench.harness import ROOT, Databases, machine_load, percentile, say
from routing import EventKind, ProductFacts
from vigilance import accounts, clocks, intake
from vigilance.clock import utcnow
from vigilance.models import Deadline, QueueItem, Report, metadata
from vigilance.storage.engine import make_engine

VIGILANCE = Path(sys.executable).parent / "vigilance"

#: The outbox row in a received Message-ID (``<outbox-{id}@vigilance.invalid>``, as outbox.deliver writes it).
MESSAGE_ID = re.compile(r"^<outbox-(\d+)@vigilance\.invalid>$")
PENDING_DUE = "SELECT count(*) FROM timers WHERE done_at IS NULL AND due_at <= now()"


def vacuum_analyze(engine, *tables: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM ANALYZE {table}"))


# Data ---------------------------------------------------------------------------------------------


def seed(engine, *, received_days_ago: float = 21) -> dict:
    """Schema, establishment, three people, and one report filed through the real intake."""
    metadata.create_all(engine)
    now = utcnow()
    received = now - timedelta(days=received_days_ago)
    with Session(engine, expire_on_commit=False) as session:
        establishment = accounts.create_establishment(session, finess="750000010", name="CHU du banc d'essai")
        reporter = accounts.create_user(
            session, email="reporter@bench.example.org", role="reporter", establishment=establishment
        )
        correspondent = accounts.create_user(
            session,
            email="hv@bench.example.org",
            role="correspondent",
            establishment=establishment,
            vigilances=["haemovigilance"],
        )
        coordinator = accounts.create_user(
            session, email="coordinator@bench.example.org", role="coordinator", establishment=establishment
        )
        # The clocks' emails only: summaries (also queued by the workers) are measured by
        # bench/summaries.py.
        for person in (correspondent, coordinator):
            accounts.update_profile(session, person, daily_digest=False, weekly_summary=False, monthly_report=False)
        stored = intake.submit(
            session,
            actor=reporter,
            now=received,
            draft=intake.Draft(
                event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                occurred_at=received - timedelta(hours=1),
                product=ProductFacts(name="CGR"),
                description="Frissons et hyperthermie pendant la transfusion.",
                serious=True,
                severity_grade=2,
            ),
        )
        session.commit()
    if len(stored.items) != 1 or len(stored.deadlines) != 1:
        raise SystemExit(
            f"bench.worker: the template report has {len(stored.items)} items and "
            f"{len(stored.deadlines)} deadlines; one of each expected"
        )
    return dict(
        report_id=stored.report.id,
        item_id=stored.items[0].id,
        deadline_id=stored.deadlines[0].id,
        year=stored.report.year,
        people=[reporter.id, correspondent.id, coordinator.id],
    )


def _columns(table, leave_out: set[str]) -> list[str]:
    return [c.name for c in table.columns if c.name not in leave_out]


def clone_reports(engine, template: dict, count: int, *, deadline_due: datetime | None = None) -> None:
    """Copy the template report, item and deadline into *count* reports in all (ids 1..count).

    The template itself is report 1 (the first of the database); clones get ids 2..count, the
    references and sequences that follow it, and point at each other by the same id. The
    template's own timers are removed: the caller adds the timers it wants.
    """
    if (template["report_id"], template["item_id"], template["deadline_id"]) != (1, 1, 1):
        raise SystemExit("bench.worker: clone_reports expects a fresh database (template ids 1)")
    report_cols = _columns(Report.__table__, {"id", "reference", "sequence"})
    item_cols = _columns(QueueItem.__table__, {"id", "report_id"})
    deadline_cols = _columns(Deadline.__table__, {"id", "report_id", "queue_item_id"})
    year = template["year"]
    statements = [
        f"""INSERT INTO reports (id, reference, sequence, {", ".join(report_cols)})
            SELECT g, 'VIG-{year}-' || lpad(g::text, 6, '0'), g, {", ".join("r." + c for c in report_cols)}
            FROM reports r, generate_series(2, :count) g WHERE r.id = 1""",
        f"""INSERT INTO queue_items (id, report_id, {", ".join(item_cols)})
            SELECT g, g, {", ".join("q." + c for c in item_cols)}
            FROM queue_items q, generate_series(2, :count) g WHERE q.id = 1""",
        f"""INSERT INTO deadlines (id, report_id, queue_item_id, {", ".join(deadline_cols)})
            SELECT g, g, g, {", ".join("d." + c for c in deadline_cols)}
            FROM deadlines d, generate_series(2, :count) g WHERE d.id = 1""",
        "DELETE FROM timers",
        "UPDATE reference_counters SET last = :count WHERE year = :year",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"count": count, "year": year})
        if deadline_due is not None:
            connection.execute(text("UPDATE deadlines SET due_at = :due, state = 'open'"), {"due": deadline_due})
            connection.execute(
                text("UPDATE queue_items SET next_due_at = :due, urgency_at = :due"), {"due": deadline_due}
            )
        for table in ("reports", "queue_items", "deadlines"):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


def add_due_escalations(engine, *, first_due: datetime, step: timedelta) -> int:
    """One escalation timer per deadline, due at first_due + (id - 1) * step (all in the past)."""
    with engine.begin() as connection:
        return connection.execute(
            text(
                "INSERT INTO timers (kind, due_at, deadline_id, stage) "
                "SELECT 'escalation', :first + (d.id - 1) * :step, d.id, 'due' FROM deadlines d"
            ),
            {"first": first_due, "step": step},
        ).rowcount


def add_bare_timers(
    engine, count: int, *, first_due: datetime, step: timedelta, done_at: datetime | None = None, first_number: int = 1
) -> None:
    """*count* escalation timers with no deadline, due from *first_due*, done or not."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO timers (kind, due_at, stage, done_at, outcome) "
                "SELECT 'escalation', CAST(:first AS timestamptz) + (g - CAST(:n0 AS integer)) * CAST(:step AS interval), "
                "'due', CAST(:done AS timestamptz), CAST(:outcome AS varchar) "
                "FROM generate_series(CAST(:n0 AS integer), CAST(:n1 AS integer)) g"
            ),
            {
                "first": first_due,
                "step": step,
                "done": done_at,
                "outcome": "done" if done_at else None,
                "n0": first_number,
                "n1": first_number + count - 1,
            },
        )


# Workers and mail ---------------------------------------------------------------------------------


class Workers:
    """``vigilance worker`` subprocesses, each logging to a file of its own."""

    def __init__(self, database_url: str, *, tick: float, smtp_url: str | None, log_dir: Path):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VIGILANCE_")}
        self.env.update(
            VIGILANCE_DATABASE_URL=database_url,
            VIGILANCE_SECRET_KEY=secrets.token_urlsafe(48),  # production refuses a weak key
            VIGILANCE_TICK_SECONDS=str(tick),
            VIGILANCE_SCHEDULER="off",
            VIGILANCE_ENV="production",
        )
        if smtp_url:
            self.env["VIGILANCE_SMTP_URL"] = smtp_url
        self.log_dir = log_dir
        self.started = 0
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self) -> subprocess.Popen:
        self.started += 1
        log = self.log_dir / f"worker-{self.started:02d}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(
                [str(VIGILANCE), "worker"],
                env=self.env,
                cwd=str(ROOT),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self, timeout: float = 30) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        ends = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, ends - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def log_summary(self) -> dict:
        counts = Counter()
        examples: list[str] = []
        for log in self.logs:
            for line in log.read_text(errors="replace").splitlines():
                if " ERROR " in line or "Traceback" in line:
                    counts["errors"] += 1
                    if len(examples) < 5:
                        examples.append(line[:300])
                if "maximum number of running instances" in line:
                    counts["skipped runs (job still running at its next tick)"] += 1
                if "Worker started" in line:
                    counts["started"] += 1
                if "Worker stopped" in line:
                    counts["stopped cleanly"] += 1
        return {"counts": dict(counts), "examples": examples}


class Inbox:
    """What the local SMTP server received: (arrival time, Message-ID) per message."""

    def __init__(self):
        self.received: list[tuple[float, str]] = []
        self._parser = BytesHeaderParser(policy=email_policy.compat32)

    async def handle_DATA(self, server, session, envelope):
        arrived = time.time()
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        headers = self._parser.parsebytes(content)
        self.received.append((arrived, str(headers.get("Message-ID", "")).strip()))
        return "250 OK"


class SmtpServer:
    def __init__(self):
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.inbox = Inbox()
        self.url = f"smtp://127.0.0.1:{port}"
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *_exc):
        self.controller.stop()


def scalar(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def wait_for(condition, *, timeout: float, every: float = 0.5) -> bool:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(every)
    return False


# Part 1: throughput -------------------------------------------------------------------------------


def load_throughput_db(dbs: Databases, count: int, label: str):
    name = dbs.create(label)
    engine = create_engine(dbs.url(name))
    started = time.perf_counter()
    template = seed(engine)
    clone_reports(engine, template, count)
    now = utcnow()
    step = timedelta(milliseconds=10)
    timers = add_due_escalations(engine, first_due=now - timedelta(hours=1) - step * count, step=step)
    vacuum_analyze(engine, "reports", "queue_items", "deadlines", "timers", "users", "outbox")
    say(
        f"  loaded {count:,} reports, queue items, deadlines and {timers:,} due escalations "
        f"in {time.perf_counter() - started:.1f} s ({name})"
    )
    return name, engine


def run_clock_workers(
    dbs: Databases, name: str, engine, workers: int, total: int, log_dir: Path, timeout: float
) -> dict:
    pool = Workers(dbs.url(name, "postgresql"), tick=0.2, smtp_url=None, log_dir=log_dir)
    spawned = time.perf_counter()
    first_progress = None
    remaining = total
    try:
        for _ in range(workers):
            pool.start()
        ends = spawned + timeout
        while time.perf_counter() < ends:
            remaining = scalar(engine, PENDING_DUE)
            if first_progress is None and remaining < total:
                first_progress = time.perf_counter()
            if remaining == 0:
                break
            time.sleep(0.25)
        finished = time.perf_counter()
    finally:
        pool.stop_all()
    with engine.connect() as connection:
        window = connection.execute(
            text("SELECT extract(epoch FROM max(done_at) - min(done_at)) FROM timers WHERE kind = 'escalation'")
        ).scalar()
        outcomes = dict(
            connection.execute(
                text("SELECT outcome, count(*) FROM timers WHERE kind = 'escalation' GROUP BY outcome")
            ).all()
        )
        outbox = connection.execute(text("SELECT count(*) FROM outbox")).scalar()
        repeats = connection.execute(text("SELECT count(*) FROM timers WHERE kind = 'overdue_repeat'")).scalar()
        repeats_per_deadline = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT deadline_id FROM timers WHERE kind = 'overdue_repeat' "
                "GROUP BY deadline_id HAVING count(*) > 1) x"
            )
        ).scalar()
    wall = finished - spawned
    busy = finished - (first_progress or spawned)
    return dict(
        workers=workers,
        timers=total,
        remaining=remaining,
        wall_s=wall,
        from_first_s=busy,
        rate_wall=total / wall if remaining == 0 else None,
        rate_busy=total / busy if remaining == 0 else None,
        done_at_window_s=float(window or 0),
        outcomes=outcomes,
        outbox_rows=outbox,
        overdue_repeats=repeats,
        deadlines_repeated_twice=repeats_per_deadline,
        logs=pool.log_summary(),
    )


def measure_delivery(dbs: Databases, name: str, engine, workers: int, seconds: float, log_dir: Path) -> dict:
    with SmtpServer() as smtp:
        pool = Workers(dbs.url(name, "postgresql"), tick=0.2, smtp_url=smtp.url, log_dir=log_dir)
        sent = "SELECT count(*) FROM outbox WHERE state = 'sent'"
        base = scalar(engine, sent)
        try:
            for _ in range(workers):
                pool.start()
            wait_for(lambda: scalar(engine, sent) > base, timeout=60, every=0.1)
            time.sleep(1.0)  # every worker up
            count0, t0 = scalar(engine, sent), time.perf_counter()
            time.sleep(seconds)
            count1, t1 = scalar(engine, sent), time.perf_counter()
        finally:
            pool.stop_all()
        received = len(smtp.inbox.received)
    return dict(
        workers=workers,
        rate=(count1 - count0) / (t1 - t0),
        sent=count1 - count0,
        seconds=t1 - t0,
        received=received,
        logs=pool.log_summary(),
    )


def part_throughput(args, dbs: Databases, log_root: Path) -> dict:
    say(f"\n== throughput: {args.reports:,} due escalations, workers {args.workers} (tick 0.2 s, no SMTP)")
    results = {"clocks": [], "delivery": []}
    last = None
    for workers in args.workers:
        name, engine = load_throughput_db(dbs, args.reports, f"tp{workers}")
        log_dir = log_root / f"throughput-{workers}"
        log_dir.mkdir()
        result = run_clock_workers(dbs, name, engine, workers, args.reports, log_dir, timeout=args.timeout)
        result["load"] = machine_load()
        results["clocks"].append(result)
        if result["remaining"]:
            say(f"  {workers} worker(s): TIMED OUT after {result['wall_s']:.0f} s, {result['remaining']:,} still due")
        else:
            say(
                f"  {workers} worker(s): {args.reports:,} timers in {result['wall_s']:.1f} s from spawn "
                f"= {result['rate_wall']:,.0f} timers/s; {result['from_first_s']:.1f} s from the first handled "
                f"= {result['rate_busy']:,.0f} timers/s"
            )
        say(
            f"      outcomes {result['outcomes']}, outbox rows {result['outbox_rows']:,}, overdue repeats "
            f"{result['overdue_repeats']:,} (deadlines repeated twice: {result['deadlines_repeated_twice']}), "
            f"worker logs {result['logs']['counts']}"
        )
        say(f"      at the end: {result['load']}")
        for line in result["logs"]["examples"]:
            say("      ", line)
        if last is not None:
            last[1].dispose()
            dbs.drop(last[0])
        last = (name, engine)
    if args.smtp_seconds > 0 and last is not None:
        name, engine = last
        pending = scalar(engine, "SELECT count(*) FROM outbox WHERE state = 'pending'")
        say(
            f"  outbox delivery to a local aiosmtpd server ({pending:,} pending, tick 0.2 s, "
            f"{args.smtp_seconds:.0f} s per run):"
        )
        for workers in (1, 2):
            log_dir = log_root / f"delivery-{workers}"
            log_dir.mkdir()
            result = measure_delivery(dbs, name, engine, workers, args.smtp_seconds, log_dir)
            results["delivery"].append(result)
            say(
                f"    {workers} worker(s): {result['rate']:,.1f} emails/s ({result['sent']:,} in "
                f"{result['seconds']:.1f} s), worker logs {result['logs']['counts']}"
            )
    if last is not None:
        last[1].dispose()
        dbs.drop(last[0])
    return results


# Part 2: idle tick --------------------------------------------------------------------------------


def idle_ticks(engine, calls: int) -> list[float]:
    """process_clocks' transaction with nothing due (a session, process_due, commit): ms per call."""
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            handled = clocks.process_due(session, now=utcnow(), base_url="x", batch=200)
            session.commit()
        timings.append((time.perf_counter() - started) * 1000)
        if handled:
            raise SystemExit(f"bench.worker: idle tick handled {handled} timers")
    return timings


def claim_statement(engine) -> tuple[str, dict]:
    """The SQL and parameters ``claim_due`` sends, captured from the driver."""
    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if "SKIP LOCKED" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            clocks.claim_due(session, now=utcnow(), batch=200)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return captured[0]


def explain_claim(engine) -> tuple[str, list[str], list[str]]:
    """The claim query's plan with its parameters (custom plan), and the generic plan a prepared
    statement may switch to (psycopg prepares a statement run five times; so does the worker)."""
    statement, parameters = claim_statement(engine)
    names = sorted(parameters, key=statement.index)
    numbered = statement
    for number, name in enumerate(names, 1):
        numbered = numbered.replace(f"%({name})s", f"${number}")
    with engine.connect() as connection:
        custom = [
            row[0]
            for row in connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
        ]
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql("PREPARE worker_bench_claim AS " + numbered)
        arguments = ", ".join(
            f"'{parameters[name].isoformat()}'"
            if hasattr(parameters[name], "isoformat")
            else str(int(parameters[name]))
            for name in names
        )
        generic = [
            row[0]
            for row in connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE worker_bench_claim({arguments})"
            )
        ]
        connection.exec_driver_sql("DEALLOCATE worker_bench_claim")
        connection.rollback()
    return statement, custom, generic


def part_idle(args, dbs: Databases) -> dict:
    """One database per size, loaded first; then rounds taking turns between them, so that what
    else runs on the machine weighs on every size alike."""
    rounds = 5
    say(
        f"\n== idle tick: process_due + commit with nothing due, {args.idle_calls} calls per size "
        f"({rounds} interleaved rounds, after 20 warm-up calls)"
    )
    now = utcnow()
    setups = [(args.idle_small, 0), (args.idle_timers, 0), (args.idle_timers, args.idle_timers)]
    sizes = []
    for future, done in setups:
        name = dbs.create("idle")
        url = dbs.url(name)
        loader = create_engine(url)
        metadata.create_all(loader)
        started = time.perf_counter()
        add_bare_timers(loader, future, first_due=now + timedelta(days=1), step=timedelta(seconds=1))
        if done:
            add_bare_timers(
                loader,
                done,
                first_due=now - timedelta(days=30),
                step=timedelta(seconds=1),
                done_at=now - timedelta(days=1),
            )
        vacuum_analyze(loader, "timers")
        with loader.connect() as connection:
            index_size = connection.execute(
                text("SELECT pg_size_pretty(pg_relation_size('ix_timers_pending_due'))")
            ).scalar()
            table_size = connection.execute(text("SELECT pg_size_pretty(pg_relation_size('timers'))")).scalar()
        loader.dispose()
        label = f"{future:,} future timers" + (f" + {done:,} done in the past" if done else "")
        say(
            f"  loaded {label} in {time.perf_counter() - started:.1f} s (table {table_size}, "
            f"ix_timers_pending_due {index_size})"
        )
        engine = make_engine(url)  # as the worker builds it (pool_pre_ping included)
        idle_ticks(engine, 20)  # warm the pool, the statement cache, the prepared statement
        sizes.append(
            dict(
                label=label,
                future=future,
                done=done,
                name=name,
                engine=engine,
                timings=[],
                table=table_size,
                index=index_size,
            )
        )
    per_round = max(1, args.idle_calls // rounds)
    for _ in range(rounds):
        for size in sizes:
            size["timings"] += idle_ticks(size["engine"], per_round)
    results = []
    for size in sizes:
        timings = size.pop("timings")
        engine = size.pop("engine")
        statement, plan, generic = explain_claim(engine)
        engine.dispose()
        dbs.drop(size.pop("name"))
        figures = dict(
            calls=len(timings),
            mean_ms=statistics.fmean(timings),
            p50_ms=percentile(timings, 0.5),
            p99_ms=percentile(timings, 0.99),
            max_ms=max(timings),
        )
        results.append(dict(size, plan=plan, generic_plan=generic, **figures))
        say(
            f"  {size['label']}: mean {figures['mean_ms']:.3f} ms, p50 {figures['p50_ms']:.3f} ms, "
            f"p99 {figures['p99_ms']:.3f} ms, max {figures['max_ms']:.3f} ms per tick ({figures['calls']} calls)"
        )
        say("    EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) of the claim query, with its parameters:")
        for line in plan:
            say("      " + line)
        say("    the same as a prepared statement's generic plan:")
        for line in generic:
            say("      " + line)
    say("  claim query: " + " ".join(statement.split()))
    say(f"  ({machine_load()})")
    backlog = claim_backlog(args, dbs) if args.backlog else []
    return {"ticks": results, "backlog": backlog}


def claim_backlog(args, dbs: Databases) -> list[dict]:
    """The claim query with a backlog of due timers: each at its own moment, or all at one.

    Deadlines dated from a report received outside working hours start at the next working
    moment, so many timers can share one due_at; the index is on due_at alone while the claim
    orders by (due_at, id). Each claim here is rolled back: the backlog stays as it was.
    """
    say(f"\n  claim query with {args.backlog:,} timers due (and not done), 20 claims of 200, rolled back:")
    results = []
    now = utcnow()
    for label, step in (
        ("each due at its own moment (10 ms apart)", timedelta(milliseconds=10)),
        ("all due at one moment", timedelta(0)),
    ):
        name = dbs.create("backlog")
        url = dbs.url(name)
        loader = create_engine(url)
        metadata.create_all(loader)
        add_bare_timers(loader, args.backlog, first_due=now - timedelta(days=1), step=step)
        vacuum_analyze(loader, "timers")
        loader.dispose()
        engine = make_engine(url)
        timings = []
        for number in range(25):
            with Session(engine) as session:
                started = time.perf_counter()
                claimed = clocks.claim_due(session, now=utcnow(), batch=200)
                elapsed = time.perf_counter() - started
                session.rollback()
            if number >= 5:
                timings.append(elapsed * 1000)
        _statement, plan, _generic = explain_claim(engine)
        engine.dispose()
        dbs.drop(name)
        result = dict(
            label=label,
            due=args.backlog,
            claimed=len(claimed),
            mean_ms=statistics.fmean(timings),
            max_ms=max(timings),
            plan=plan,
        )
        results.append(result)
        say(f"    {label}: {result['mean_ms']:.1f} ms per claim (max {result['max_ms']:.1f} ms), plan:")
        for line in plan:
            say("      " + line)
    return results


# Part 3: soak -------------------------------------------------------------------------------------


def part_soak(args, dbs: Databases, log_root: Path) -> dict:
    cycles, interval, rate = args.soak_cycles, args.soak_interval, args.soak_rate
    lead = 6.0  # the first timers fall due once the workers are up
    feed_seconds = cycles * interval + 6
    total = int(rate * feed_seconds)
    say(
        f"\n== soak: 3 workers (tick 0.5 s), {total:,} timers due over {feed_seconds:.0f} s "
        f"({rate:g}/s), {cycles} SIGKILL cycles every ~{interval:g} s"
    )
    name = dbs.create("soak")
    engine = create_engine(dbs.url(name), pool_size=4)
    template = seed(engine)
    clone_reports(engine, template, total, deadline_due=utcnow() + timedelta(days=30))
    vacuum_analyze(engine, "reports", "queue_items", "deadlines", "timers", "users", "outbox")
    log_dir = log_root / "soak"
    log_dir.mkdir()
    rng = random.Random(20260101)
    kills: list[float] = []
    feeder_error: list[BaseException] = []

    with SmtpServer() as smtp:
        pool = Workers(dbs.url(name, "postgresql"), tick=0.5, smtp_url=smtp.url, log_dir=log_dir)
        slots = [pool.start() for _ in range(3)]
        t0 = time.time()
        first_due = datetime.fromtimestamp(t0, UTC) + timedelta(seconds=lead)

        def feed():
            """Each second, insert the timers falling due one to two seconds later."""
            try:
                feeder = create_engine(dbs.url(name))
                per_chunk = int(rate)
                for chunk_start in range(0, total, per_chunk):
                    due_0 = first_due + timedelta(seconds=chunk_start / rate)
                    wait = (due_0 - timedelta(seconds=2)).timestamp() - time.time()
                    if wait > 0:
                        time.sleep(wait)
                    rows = []
                    for j in range(chunk_start, min(total, chunk_start + per_chunk)):
                        escalation = j % 2 == 0
                        rows.append(
                            dict(
                                kind="escalation" if escalation else "reminder",
                                due=first_due + timedelta(seconds=j / rate),
                                deadline=j + 1,
                                stage="due" if escalation else "50%",
                            )
                        )
                    with feeder.begin() as connection:
                        connection.execute(
                            text(
                                "INSERT INTO timers (kind, due_at, deadline_id, stage) "
                                "VALUES (:kind, :due, :deadline, :stage)"
                            ),
                            rows,
                        )
                feeder.dispose()
            except BaseException as error:
                feeder_error.append(error)

        feeder_thread = threading.Thread(target=feed, daemon=True)
        try:
            feeder_thread.start()
            time.sleep(lead)
            for cycle in range(cycles):
                time.sleep(rng.uniform(0.75 * interval, 1.25 * interval))
                index = cycle % 3
                pool.kill(slots[index])
                kills.append(time.time())
                slots[index] = pool.start()
            feeder_thread.join(timeout=feed_seconds + 60)
            last_due = first_due + timedelta(seconds=(total - 1) / rate)
            time.sleep(max(0.0, last_due.timestamp() - time.time()))
            drained = wait_for(
                lambda: (
                    scalar(engine, "SELECT count(*) FROM timers WHERE done_at IS NULL AND due_at <= now()") == 0
                    and scalar(engine, "SELECT count(*) FROM outbox WHERE state <> 'sent'") == 0
                ),
                timeout=60,
            )
            time.sleep(2.0)  # a late repeat, if any, has time to arrive
        finally:
            pool.stop_all()
        ended = time.time()
        received = list(smtp.inbox.received)

    with engine.connect() as connection:
        timers = connection.execute(
            text(
                "SELECT id, kind, deadline_id, extract(epoch FROM due_at)::float8, extract(epoch FROM done_at)::float8, outcome "
                "FROM timers WHERE kind IN ('escalation', 'reminder') ORDER BY id"
            )
        ).all()
        outbox = connection.execute(
            text("SELECT id, dedupe_key, state, attempts, extract(epoch FROM sent_at)::float8 FROM outbox")
        ).all()
        repeats = dict(
            connection.execute(
                text("SELECT deadline_id, count(*) FROM timers WHERE kind = 'overdue_repeat' GROUP BY deadline_id")
            ).all()
        )
    engine.dispose()
    dbs.drop(name)

    # Clocks: every timer done, its outbox rows exactly the expected ones.
    expected_rows = {"escalation": 2, "reminder": 1}
    rows_per_timer = Counter(int(key.split(":")[1]) for _id, key, *_rest in outbox if key.startswith("timer:"))
    not_done = [t for t in timers if t[4] is None]
    wrong_rows = [
        (t[0], t[1], rows_per_timer.get(t[0], 0)) for t in timers if rows_per_timer.get(t[0], 0) != expected_rows[t[1]]
    ]
    escalated = {t[2] for t in timers if t[1] == "escalation"}
    repeat_problems = {d: repeats.get(d, 0) for d in escalated if repeats.get(d, 0) != 1}
    repeat_problems.update({d: n for d, n in repeats.items() if d not in escalated})
    clock_lag = [t[4] - t[3] for t in timers if t[4] is not None]

    # Mail: each received message's outbox row, from the id in its Message-ID header.
    due_of_timer = {t[0]: t[3] for t in timers}
    timer_of_row = {row_id: int(key.split(":")[1]) for row_id, key, *_rest in outbox}
    intended = {row_id: f"<outbox-{row_id}@vigilance.invalid>" for row_id, _key, *_rest in outbox}
    arrivals: dict[int, list[float]] = defaultdict(list)
    unknown, intact = [], 0
    for arrived, message_id in received:
        match = MESSAGE_ID.match(message_id)
        if match is None or int(match.group(1)) not in timer_of_row:
            unknown.append(message_id)
            continue
        row_id = int(match.group(1))
        arrivals[row_id].append(arrived)
        intact += message_id == intended[row_id]
    lost = [row_id for row_id in timer_of_row if row_id not in arrivals]
    repeated = {intended[row_id]: len(times) for row_id, times in arrivals.items() if len(times) > 1}
    latency = []
    late = []
    for row_id, times in arrivals.items():
        due = due_of_timer[timer_of_row[row_id]]
        value = min(times) - due
        latency.append(value)
        if value > args.soak_target:
            late.append((value, due, intended[row_id]))
    states = Counter(row[2] for row in outbox)
    attempts = Counter(row[3] for row in outbox)

    result = dict(
        timers=len(timers),
        kills=len(kills),
        duration_s=ended - t0,
        drained=drained,
        feeder_error=repr(feeder_error[0]) if feeder_error else None,
        not_done=len(not_done),
        wrong_outbox_rows=wrong_rows[:20],
        wrong_outbox_row_count=len(wrong_rows),
        overdue_repeat_problems=dict(list(repeat_problems.items())[:20]),
        outcomes=dict(Counter(t[5] for t in timers)),
        outbox_rows=len(outbox),
        outbox_states=dict(states),
        attempts=dict(attempts),
        emails_received=len(received),
        lost=len(lost),
        repeated=sum(n - 1 for n in repeated.values()),
        repeated_ids=list(repeated)[:20],
        unknown=len(unknown),
        unknown_examples=unknown[:5],
        message_ids_intact=intact,
        message_id_example=received[0][1] if received else None,
        latency_p50_s=percentile(latency, 0.5),
        latency_p99_s=percentile(latency, 0.99),
        latency_max_s=max(latency) if latency else None,
        over_target=len(late),
        clock_lag_p50_s=percentile(clock_lag, 0.5),
        clock_lag_p99_s=percentile(clock_lag, 0.99),
        clock_lag_max_s=max(clock_lag) if clock_lag else None,
        logs=pool.log_summary(),
        load=machine_load(),
    )
    if late:
        worst = sorted(late, reverse=True)[:5]
        result["worst_late"] = [
            dict(
                latency_s=v,
                due_after_start_s=d - t0,
                last_kill_before_due_s=(d - max([k for k in kills if k <= d], default=float("nan"))),
                id=m,
            )
            for v, d, m in worst
        ]

    say(
        f"  {result['timers']:,} timers, {result['kills']} SIGKILLs, {result['duration_s']:.0f} s, drained: {drained}"
        + (f", FEEDER ERROR {result['feeder_error']}" if feeder_error else "")
    )
    say(
        f"  clocks: not done {result['not_done']}, timers with other than the expected outbox rows "
        f"{result['wrong_outbox_row_count']}, deadlines without exactly one overdue repeat "
        f"{len(repeat_problems)}; outcomes {result['outcomes']}"
    )
    say(f"  outbox: {result['outbox_rows']:,} rows, states {result['outbox_states']}, attempts {result['attempts']}")
    say(
        f"  inbox: {result['emails_received']:,} received; lost {result['lost']}, repeated {result['repeated']} "
        f"(at most one per kill: {cycles}), unknown {result['unknown']}"
    )
    say(
        f"  Message-ID headers received as the outbox wrote them: {intact:,} of {len(received):,} "
        f"(one received: {result['message_id_example']!r})"
    )
    say(
        f"  due -> received: p50 {result['latency_p50_s']:.2f} s, p99 {result['latency_p99_s']:.2f} s, "
        f"max {result['latency_max_s']:.2f} s; over {args.soak_target:g} s: {result['over_target']}"
    )
    say(
        f"  due -> claimed (done_at): p50 {result['clock_lag_p50_s']:.2f} s, p99 {result['clock_lag_p99_s']:.2f} s, "
        f"max {result['clock_lag_max_s']:.2f} s"
    )
    say(f"  worker logs: {result['logs']['counts']}; at the end: {result['load']}")
    for line in result["logs"]["examples"]:
        say("    ", line)
    for item in result.get("worst_late", []):
        say(
            f"    late: {item['latency_s']:.2f} s, due at +{item['due_after_start_s']:.1f} s, "
            f"{item['last_kill_before_due_s']:.1f} s after the last kill ({item['id']})"
        )
    return result


# Main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("throughput", "idle", "soak", "all"), default="all")
    parser.add_argument(
        "--postgres",
        default=harness.DEFAULT_POSTGRES,
        help="the server (any database on it); the bench creates and drops its own",
    )
    parser.add_argument("--reports", type=int, default=100_000, help="due escalations for the throughput part")
    parser.add_argument(
        "--workers",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[1, 2],
        help="worker counts for the throughput part (default 1,2)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="longest throughput run (s)")
    parser.add_argument(
        "--smtp-seconds", type=float, default=15, help="seconds of outbox delivery measured per worker count (0: skip)"
    )
    parser.add_argument("--idle-small", type=int, default=10_000)
    parser.add_argument("--idle-timers", type=int, default=1_000_000)
    parser.add_argument("--idle-calls", type=int, default=200)
    parser.add_argument(
        "--backlog",
        type=int,
        default=100_000,
        help="due timers for the claim-with-a-backlog measure of the idle part (0: skip)",
    )
    parser.add_argument("--soak-cycles", type=int, default=20)
    parser.add_argument("--soak-interval", type=float, default=8.0)
    parser.add_argument("--soak-rate", type=float, default=20.0, help="timers falling due per second")
    parser.add_argument("--soak-target", type=float, default=5.0, help="latency target (s)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the workers' logs (path printed)")
    args = parser.parse_args()
    if not 1 <= args.soak_cycles <= 100 or not 1 <= args.soak_rate <= 500 or args.reports < 1:
        parser.error("out of range")

    dbs = Databases(args.postgres)
    log_root = Path(tempfile.mkdtemp(prefix="worker_bench_"))
    results = {}
    started = time.perf_counter()
    say(f"worker bench, PostgreSQL at {dbs.base.host}:{dbs.base.port}; {machine_load()}; logs in {log_root}")
    try:
        parts = ("throughput", "idle", "soak") if args.part == "all" else (args.part,)
        for part in parts:
            if part == "throughput":
                results["throughput"] = part_throughput(args, dbs, log_root)
            elif part == "idle":
                results["idle"] = part_idle(args, dbs)
            else:
                results["soak"] = part_soak(args, dbs, log_root)
    finally:
        dbs.drop_all()
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        if not args.keep_logs:
            import shutil

            shutil.rmtree(log_root, ignore_errors=True)
    say(f"\nworker bench done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
