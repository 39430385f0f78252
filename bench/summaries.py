"""Daily digests at scale: build and queue them for 1,000 correspondents over 1,000,000 reports.

``python -m bench.summaries [--postgres URL] [--reports 1000000] [--establishments 84]
[--keep DBNAME]``

Target (issue: summaries): under 30 s on PostgreSQL, with queries that use indexes.

A fresh database (``CREATE DATABASE``, dropped at the end unless ``--keep``) is loaded with
``bench.load_reports``: *--establishments* establishments with two correspondents per queue
each (84 x 12 = 1,008 correspondents), the reports spread over them and over the last 365 days.
One in five claimed items then gets an unanswered question from its holder, so the "unanswered"
section has work to do. After ``VACUUM ANALYZE``, every establishment's daily run
(``vigilance.summaries.run``: claim the run, build every digest, render it, queue it in the
outbox) is timed in process, one transaction per establishment, as the worker does it.

Then each distinct statement one run sends is run again under ``EXPLAIN (ANALYZE, BUFFERS)``
with the parameters it was sent with; the plans are written to ``bench/plans/daily_digests.txt``
and any sequential scan of a large table is reported.
"""

import argparse
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from statistics import median

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bench.harness import ROOT
from vigilance import summaries
from vigilance.models import Establishment, OutboxMessage

PLANS = ROOT / "bench" / "plans" / "daily_digests.txt"
LARGE_TABLES = ("reports", "queue_items", "deadlines", "information_requests", "assessments", "timers")
HOUR = 7


def psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_database(admin_url: str, name: str) -> str:
    admin = create_engine(psycopg_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(psycopg_url(admin_url)).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(psycopg_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def load(url: str, reports: int, establishments: int) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load_reports",
            "--database-url",
            url,
            "--reports",
            str(reports),
            "--establishments",
            str(establishments),
        ],
        check=True,
        cwd=ROOT,
    )
    return time.monotonic() - started


def add_questions(engine) -> int:
    """One claimed item in five gets an unanswered question from its holder."""
    with engine.begin() as connection:
        asked = connection.execute(
            text(
                "INSERT INTO information_requests (queue_item_id, report_id, question, asked_by, asked_at) "
                "SELECT id, report_id, 'Volume transfusé ?', assignee_id, created_at + interval '1 hour' "
                "FROM queue_items WHERE assignee_id IS NOT NULL AND status = 'in_progress' AND id % 5 = 0"
            )
        ).rowcount
        # A plain UPDATE: the kept status counts move by trigger (vigilance.storage.status_counts).
        connection.execute(
            text(
                "UPDATE queue_items SET status = 'awaiting_information' "
                "WHERE status = 'in_progress' AND id IN (SELECT queue_item_id FROM information_requests)"
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return asked


class StatementLog:
    """Every statement the runs send, with the parameters of its first sending."""

    def __init__(self, engine):
        self.first: dict[str, object] = {}
        self.counts: Counter = Counter()
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, _conn, _cursor, statement, parameters, _context, _executemany):
        self.counts[statement] += 1
        self.first.setdefault(statement, parameters)


def run_all(engine, now: datetime) -> tuple[list[float], int, int, int]:
    with Session(engine) as session:
        places = session.exec(select(Establishment).order_by(Establishment.id)).all()
    durations, queued, empty, correspondents = [], 0, 0, 0
    for place in places:
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            establishment = session.get(Establishment, place.id)
            period = summaries.latest_due("daily", now, hour=HOUR, calendar=summaries.calendar_of(establishment))
            result = summaries.run(
                session, "daily", period, establishment, now=now, hour=HOUR, base_url="https://vigilance.example.org"
            )
            session.commit()
        durations.append(time.perf_counter() - started)
        queued += result.queued
        empty += result.skipped_empty
        correspondents += result.queued + result.skipped_empty
    return durations, queued, empty, correspondents


def explain(engine, log: StatementLog) -> list[str]:
    """Write the plan of each distinct statement; return the sequential scans of large tables."""
    warnings = []
    lines = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in log.first.items():
            if not statement.lstrip().upper().startswith("SELECT"):
                lines.append(f"-- sent {log.counts[statement]} times (write, not explained)\n{statement}\n")
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            lines.append(f"-- sent {log.counts[statement]} times\n{statement}\n{plan}\n")
            for table in LARGE_TABLES:
                if re.search(rf"Seq Scan on {table}\b", plan):
                    warnings.append(f"sequential scan of {table} in: {statement[:120]}...")
        raw.rollback()
    finally:
        raw.close()
    PLANS.parent.mkdir(exist_ok=True)
    PLANS.write_text("\n".join(lines))
    return warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--establishments", type=int, default=84)
    parser.add_argument("--keep", help="keep (and reuse, if loaded) the database of this name")
    options = parser.parse_args()
    name = options.keep or f"vigilance_bench_summaries_{uuid.uuid4().hex[:8]}"
    reuse = False
    if options.keep:
        admin = create_engine(psycopg_url(options.postgres), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            reuse = bool(connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first())
        admin.dispose()
    url = (
        make_url(psycopg_url(options.postgres)).set(database=name).render_as_string(hide_password=False)
        if reuse
        else create_database(options.postgres, name)
    )
    try:
        engine = create_engine(url)
        if not reuse:
            seconds = load(url, options.reports, options.establishments)
            print(
                f"loaded {options.reports:,} reports in {seconds:.0f} s; "
                f"{add_questions(engine):,} unanswered questions added"
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM outbox WHERE dedupe_key LIKE 'summary:%'"))
            connection.execute(text("DELETE FROM summary_runs"))
            counts = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM queue_items), "
                    "(SELECT count(*) FROM users WHERE role = 'correspondent')"
                )
            ).one()
        print(f"database: {counts[0]:,} reports, {counts[1]:,} queue items, {counts[2]:,} correspondents")
        log = StatementLog(engine)
        now = datetime.now(UTC)
        started = time.perf_counter()
        durations, queued, empty, correspondents = run_all(engine, now)
        total = time.perf_counter() - started
        statements = sum(log.counts.values())
        print(
            f"daily digests: {correspondents:,} correspondents in {len(durations)} establishments, "
            f"{queued:,} queued, {empty:,} empty left out, in {total:.1f} s "
            f"(per establishment p50 {median(durations) * 1000:.0f} ms, max {max(durations) * 1000:.0f} ms; "
            f"{statements:,} statements, {statements / max(correspondents, 1):.1f} per correspondent)"
        )
        with Session(engine) as session:
            assert (
                session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("summary:daily:%")))
                .all()
                .__len__()
                == queued
            )
        warnings = explain(engine, log)
        print(f"plans of {len(log.first)} distinct statements written to {PLANS.relative_to(ROOT)}")
        for warning in warnings:
            print("WARNING:", warning)
        print("target: under 30 s —", "met" if total < 30 else "NOT met")
        engine.dispose()
    finally:
        if not options.keep:
            drop_database(options.postgres, name)


if __name__ == "__main__":
    main()
