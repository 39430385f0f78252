"""The queue under load, and claims under contention, on PostgreSQL.

``python -m bench.triage [--postgres URL] [--sizes 10000 1000000] [--claims 100000]``

Targets (issue: triage at scale):

- queue page and queue API: p95 under 100 ms for the first page and for a page deep in the
  queue, and no growth between 10,000 and 1,000,000 reports;
- ``POST /api/v1/queue-items/<id>/claim`` under 8 concurrent claimers: at least 1,000 claims per
  second and zero double claims over 100,000 claims.

For each size, a fresh database is loaded with ``bench.load_reports`` (one establishment,
receipts over the last ``--days`` days, 365 by default), vacuumed and analysed (``VACUUM ANALYZE``: the state
autovacuum brings a table to shortly after a bulk load), then served by
``gunicorn 'app:create_app()'`` (2 sync workers). A haemovigilance correspondent's token and
signed-in session time sequential requests (one at a time): the API's first page and a page
deep in the queue (after the open item at ``--depth`` of the queue, default 90 %, whose cursor
is built as ``encode_queue_cursor`` builds it), and the same two pages of the HTML queue. The
queries of the deep page are then run under ``EXPLAIN (ANALYZE, BUFFERS)`` exactly as the app
sends them (captured from ``vigilance.queues.list_items`` and ``status_counts``).

Claims: a fresh database of new, unassigned haemovigilance items; 8 client processes, each
with its own correspondent's token. On ``--claims`` items they go through the same ids in the
same order, so every item is raced by 8 claimers: exactly one must get 200 and the others 409.
On ``--split-claims`` other items each claims its own eighth (throughput without races). Served
by gunicorn with gthread workers (``--claim-workers`` x ``--claim-threads``, 2 x 4 by default;
``--claim-threads 1``: sync workers). Claims per second are successful claims over the wall
time; the database is then checked: every item held by the claimer that got its 200, its status
and version moved once, one claim audit event per item. PostgreSQL wait events (sampled every
50 ms) and the CPU time of gunicorn, of this database's backends and of the clients are measured
during each run, to say what limits it. ``--in-process-claims`` more items are then claimed by 8
processes calling ``vigilance.triage.claim`` directly (no HTTP, no response document), raced
and then split, to separate HTTP and the response from the database work.

Every database created here is dropped at the end (``--keep`` to keep them).
"""

import argparse
import cProfile
import http.client
import io
import json
import multiprocessing
import os
import pstats
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from array import array
from collections import Counter
from datetime import UTC
from urllib.parse import urlencode

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from app.api.triage import PAGE_SIZE, encode_queue_cursor
from bench import harness, load_reports
from vigilance import accounts, triage
from vigilance.clock import utcnow
from vigilance.errors import Conflict
from vigilance.models import (
    OPEN_ITEM_STATUSES,
    Establishment,
    User,
)
from vigilance.queues import Cursor, QueueFilter, list_items, status_counts
from vigilance.storage.engine import make_engine

QUEUE = "haemovigilance"
CLAIMERS = 8

#: Production refuses a weak key (app/start_checks.py): a fresh random one for each run.
BENCH_SECRET_KEY = secrets.token_urlsafe(48)


# Databases ------------------------------------------------------------------------------------------


def driver_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_database(admin_url: str) -> str:
    name = f"triage_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run_loader(url: str, reports: int, *extra: str) -> float:
    """Load with the CLI (its progress line shows on the terminal); return the seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load_reports",
            "--database-url",
            url,
            "--reports",
            str(reports),
            *extra,
        ],
        check=True,
        cwd=harness.ROOT,
    )
    return time.perf_counter() - started


def vacuum_analyze(url: str) -> float:
    started = time.perf_counter()
    engine = create_engine(driver_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def database_size(url: str) -> str:
    engine = create_engine(driver_url(url))
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar_one()
    engine.dispose()
    return size


def token_for(url: str, email: str) -> tuple[str, int, int]:
    """A fresh API token for *email*; with the user's id and establishment id."""
    engine = make_engine(driver_url(url))
    with Session(engine) as db:
        user = db.scalars(select(User).where(User.email == email)).one()
        _record, token = accounts.issue_token(db, user=user, label="bench")
        db.commit()
        result = token, user.id, user.establishment_id
    engine.dispose()
    return result


# Gunicorn and HTTP ----------------------------------------------------------------------------------


def start_gunicorn(env: dict, workers: int, threads: int = 1) -> harness.Server:
    """The service under gunicorn, once it answers the sign-in page."""
    return harness.start("app:create_app()", env, workers=workers, threads=threads, ready_path="/login")


class Client:
    """One keep-alive connection (reopened when the server closes it), with a cookie jar."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is None and method == "POST":
            headers["Content-Length"] = "0"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            raise
        for value in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, data

    def close(self) -> None:
        self.connection.close()


def sign_in(client: Client, email: str, password: str) -> None:
    """Through the login form, as a browser: CSRF token from the form, then the session cookie."""
    status, page = client.request("GET", "/login")
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    if status != 200 or not match:
        raise RuntimeError(f"login form: {status}")
    body = urlencode({"email": email, "password": password, "csrf_token": match.group(1).decode()}).encode()
    status, _ = client.request("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, body)
    if status != 302:
        raise RuntimeError(f"login refused: {status}")


def timed(client: Client, path: str, headers: dict, count: int, warm_up: int, check) -> dict:
    """*count* sequential GETs of *path* after *warm_up* untimed ones; latencies in ms."""
    for _ in range(warm_up):
        client.request("GET", path, headers)
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        status, body = client.request("GET", path, headers)
        latencies.append(1000 * (time.perf_counter() - started))
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    check(body)
    latencies.sort()
    return {
        "p50": statistics.median(latencies),
        "p95": harness.percentile(latencies, 0.95),
        "max": latencies[-1],
        "mean": statistics.fmean(latencies),
        "n": count,
    }


# The queue ------------------------------------------------------------------------------------------


def deep_cursor(url: str, establishment_id: int, depth: float) -> tuple[str, int, int]:
    """The cursor after the open item at *depth* of the queue (in the queue's own order), the
    number of open items before it, and the queue's open items."""
    engine = create_engine(driver_url(url))
    with engine.connect() as connection:
        where = "queue = :queue AND establishment_id = :place AND status = ANY(:open)"
        params = {"queue": QUEUE, "place": establishment_id, "open": list(OPEN_ITEM_STATUSES)}
        total = connection.execute(text(f"SELECT count(*) FROM queue_items WHERE {where}"), params).scalar_one()
        offset = max(0, min(total - PAGE_SIZE - 1, int(total * depth)))
        urgency_at, serious, item_id = connection.execute(
            text(
                f"SELECT urgency_at, serious, id FROM queue_items WHERE {where} "
                "ORDER BY urgency_at, serious DESC, id OFFSET :offset LIMIT 1"
            ),
            {**params, "offset": offset},
        ).one()
    engine.dispose()
    return encode_queue_cursor(Cursor(urgency_at.astimezone(UTC), serious, item_id)), offset + 1, total


def explain_queue(url: str, user_email: str, cursor: str | None) -> list[tuple[str, str]]:
    """Run the queue page's queries as the app sends them, under EXPLAIN (ANALYZE, BUFFERS)."""
    from app.api.triage import decode_queue_cursor  # needs no request for a valid cursor

    engine = make_engine(driver_url(url))
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        captured.append((statement, parameters))

    with Session(engine) as db:
        actor = db.scalars(select(User).where(User.email == user_email)).one()
        event.listen(engine, "before_cursor_execute", capture)
        try:
            after = decode_queue_cursor(cursor) if cursor else None
            list_items(db, queue=QUEUE, actor=actor, filters=QueueFilter(), after=after, limit=PAGE_SIZE, now=utcnow())
            status_counts(db, queue=QUEUE, actor=actor)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        plans = []
        connection = db.connection()
        for statement, parameters in captured:
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
            plans.append((statement, "\n".join(rows)))
        db.rollback()
    engine.dispose()
    return plans


def profile_page(url: str, token: str, path: str, repeat: int = 20) -> str:
    """cProfile of the API page in process (Flask test client), top functions by own time."""
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET_KEY, "ENV": "production"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        client.get(path, headers=headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path, headers=headers)
    profiler.disable()
    app.extensions["vigilance.db"].dispose()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(vigilance|routing|app)/.*\.py", 14)
    stats.sort_stats("tottime").print_stats(10)
    return out.getvalue()


def queue_bench(args, size: int) -> dict:
    url = create_database(args.postgres)
    result: dict = {"size": size}
    try:
        print(f"\n=== {size:,} reports ({make_url(url).database}) ===", flush=True)
        result["load_s"] = run_loader(url, size, "--days", str(args.days), *(["--quiet"] if args.quiet_load else []))
        result["vacuum_s"] = vacuum_analyze(url)
        result["db_size"] = database_size(url)
        print(
            f"loaded in {result['load_s']:.0f} s, VACUUM ANALYZE {result['vacuum_s']:.0f} s, database {result['db_size']}",
            flush=True,
        )
        finess = load_reports.finess_of(1)
        email = load_reports.email_of(finess, f"{QUEUE}1")
        token, _user_id, place = token_for(url, email)
        cursor, position, open_items = deep_cursor(url, place, args.depth)
        result.update(open_items=open_items, deep_position=position)
        print(
            f"{QUEUE}: {open_items:,} open items; deep page starts after item {position:,} "
            f"(page {position // PAGE_SIZE + 1} of the API, {args.depth:.0%} deep)",
            flush=True,
        )

        env = {
            **os.environ,
            "VIGILANCE_DATABASE_URL": url,
            "VIGILANCE_SECRET_KEY": BENCH_SECRET_KEY,
            "VIGILANCE_ENV": "production",
        }
        server = start_gunicorn(env, workers=args.workers)
        port = server.port
        try:
            bearer = {"Authorization": f"Bearer {token}"}
            api = f"/api/v1/queues/{QUEUE}/items"

            def full_page(body):
                document = json.loads(body)
                assert len(document["items"]) == PAGE_SIZE and document["next"], "API page not full"

            def html_page(body):
                assert body.count(b"/queue-items/") >= 25, "HTML page without its rows"

            client = Client(port)
            result["api_first"] = timed(client, api, bearer, args.requests, args.warm_up, full_page)
            result["api_deep"] = timed(client, f"{api}?cursor={cursor}", bearer, args.requests, args.warm_up, full_page)
            client.close()
            browser = Client(port)
            sign_in(browser, email, load_reports.BENCH_PASSWORD)
            page = f"/queues/{QUEUE}"
            result["html_first"] = timed(browser, page, {}, args.requests, args.warm_up, html_page)
            result["html_deep"] = timed(browser, f"{page}?cursor={cursor}", {}, args.requests, args.warm_up, html_page)
            browser.close()
        finally:
            server.stop()
        for key in ("api_first", "api_deep", "html_first", "html_deep"):
            r = result[key]
            print(
                f"  {key:>10}: p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  max {r['max']:7.1f} ms  "
                f"({r['n']} sequential requests)",
                flush=True,
            )
        print(f"  (load average afterwards: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        for label, at in (("first page", None), ("deep page", cursor)):
            plans = explain_queue(url, email, at)
            result[f"plans_{label}"] = plans
            print(f"\n  EXPLAIN (ANALYZE, BUFFERS) of the {label}'s queries, as the app sends them:")
            for statement, plan in plans:
                print("  --- " + " ".join(statement.split())[:200] + " ...")
                print("    " + plan.replace("\n", "\n    "))
        if args.profile:
            print("\n  cProfile, API first page (in process, 20 requests):")
            print("    " + profile_page(url, token, api).replace("\n", "\n    "))
            print("\n  cProfile, API deep page (in process, 20 requests):")
            print("    " + profile_page(url, token, f"{api}?cursor={cursor}").replace("\n", "\n    "))
    finally:
        if not args.keep:
            drop_database(args.postgres, url)
    return result


# Claims ---------------------------------------------------------------------------------------------


def _claimer(index: int, port: int, token: str, ids: array, barrier, out) -> None:
    client = Client(port)
    headers = {"Authorization": f"Bearer {token}"}
    statuses: Counter = Counter()
    won = array("i")
    latencies = array("d")
    barrier.wait()
    started, cpu = time.monotonic(), time.process_time()
    for item_id in ids:
        begin = time.perf_counter()
        try:
            status, _ = client.request("POST", f"/api/v1/queue-items/{item_id}/claim", headers)
        except (OSError, http.client.HTTPException):
            status = -1
        latencies.append(time.perf_counter() - begin)
        statuses[status] += 1
        if status == 200:
            won.append(item_id)
    finished, cpu = time.monotonic(), time.process_time() - cpu
    client.close()
    out.put((index, started, finished, dict(statuses), won.tobytes(), latencies.tobytes(), cpu))


def _claimer_in_process(index: int, url: str, user_id: int, ids: array, barrier, out) -> None:
    engine = make_engine(driver_url(url))
    with Session(engine, expire_on_commit=False) as db:
        actor = db.get(User, user_id)
        db.get(Establishment, actor.establishment_id)
        db.commit()
    won = array("i")
    conflicts = 0
    barrier.wait()
    started, cpu = time.monotonic(), time.process_time()
    for item_id in ids:
        with Session(engine, expire_on_commit=False) as db:
            try:
                triage.claim(db, item_id=item_id, actor=actor, now=utcnow())
                db.commit()
                won.append(item_id)
            except Conflict:
                db.rollback()
                conflicts += 1
    finished, cpu = time.monotonic(), time.process_time() - cpu
    engine.dispose()
    out.put((index, started, finished, {200: len(won), 409: conflicts}, won.tobytes(), b"", cpu))


def _cpu_seconds(pids) -> float:
    """CPU time of *pids*, with that of their children already gone (a server's exited
    backends or workers count in its cutime/cstime)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving *database* (other databases' are not ours)."""
    found = {}
    marker = f" {database} ".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    command = handle.read()
            except OSError:
                continue
            if command.startswith(b"postgres: ") and marker in command:
                found[int(entry)] = _cpu_seconds([int(entry)])
    return found


def _backend_cpu_since(database: str, before: dict[int, float]) -> float:
    now = _backend_cpu(database)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


class WaitSampler(threading.Thread):
    """Samples what the bench database's backends are doing, every *interval* seconds."""

    def __init__(self, url: str, interval: float = 0.05, ids: array | None = None):
        super().__init__(daemon=True)
        self.url = url
        self.interval = interval
        #: Items being claimed: their progress is shown every 10 s.
        self.ids = ids
        self.samples: Counter = Counter()
        self.count = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        engine = create_engine(driver_url(self.url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            query = text(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            progress = text("SELECT count(*) FROM queue_items WHERE id BETWEEN :a AND :b AND assignee_id IS NOT NULL")
            started = time.monotonic()
            shown = started
            while not self.stopping.is_set():
                for state, kind, name in connection.execute(query):
                    if state == "active":
                        self.samples[f"{kind}:{name}" if kind else "CPU (running)"] += 1
                    elif state == "idle in transaction":
                        self.samples["idle in transaction (app working)"] += 1
                self.count += 1
                if self.ids is not None and time.monotonic() - shown > 10:
                    shown = time.monotonic()
                    done = connection.execute(progress, {"a": min(self.ids), "b": max(self.ids)}).scalar_one()
                    sys.stderr.write(
                        f"\r  claimed {done:,}/{len(self.ids):,} items, "
                        f"{done / (shown - started):,.0f}/s so far, load average {os.getloadavg()[0]:.1f} "
                    )
                    sys.stderr.flush()
                time.sleep(self.interval)
            if self.ids is not None:
                sys.stderr.write("\n")
        engine.dispose()

    def report(self) -> str:
        busy = sum(self.samples.values()) or 1
        return ", ".join(f"{name} {100 * n / busy:.0f} %" for name, n in self.samples.most_common(8))


def race(target, args_for, ids: array, clients: int, split: bool = False) -> dict:
    """Run *clients* processes of *target* over the same *ids* (or, when *split*, each over its
    own share of them); gather their results."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    out = context.Queue()
    shares = [ids[i::clients] if split else ids for i in range(clients)]
    processes = [
        context.Process(target=target, args=(i, *args_for(i), shares[i], barrier, out)) for i in range(clients)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    results = [out.get() for _ in processes]
    for process in processes:
        process.join()
    statuses: Counter = Counter()
    winners: dict[int, list[int]] = {}
    latencies = array("d")
    for index, _s, _f, counted, won, spent, _cpu in results:
        statuses.update(counted)
        for item_id in array("i", won):
            winners.setdefault(item_id, []).append(index)
        latencies.frombytes(spent)
    wall = max(r[2] for r in results) - min(r[1] for r in results)
    ordered = sorted(latencies)
    return {
        "wall": wall,
        "statuses": dict(statuses),
        "client_cpu": sum(r[6] for r in results),
        "winners": winners,
        "pids": [p.pid for p in processes],
        "latency_p50_ms": 1000 * statistics.median(ordered) if ordered else None,
        "latency_p95_ms": 1000 * harness.percentile(ordered, 0.95) if ordered else None,
    }


def verify_claims(url: str, ids: array, winners: dict[int, list[int]], user_ids: list[int]) -> dict:
    """Every item held by exactly the claimer that got its 200; one claim audit event per item."""
    engine = create_engine(driver_url(url))
    first, last = min(ids), max(ids)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, assignee_id, status, version FROM queue_items WHERE id BETWEEN :a AND :b AND queue = :q"),
            {"a": first, "b": last, "q": QUEUE},
        ).all()
        audited = dict(
            connection.execute(
                text("SELECT target, count(*) FROM audit_events WHERE target LIKE :pattern GROUP BY target"),
                {"pattern": "item:%:claim"},
            ).all()
        )
    engine.dispose()
    wanted = set(ids)
    rows = [r for r in rows if r.id in wanted]
    unassigned = sum(1 for r in rows if r.assignee_id is None)
    won_twice = sum(1 for w in winners.values() if len(w) > 1)
    never_won = len(wanted - set(winners))
    wrong_holder = sum(
        1 for r in rows if r.id in winners and len(winners[r.id]) == 1 and r.assignee_id != user_ids[winners[r.id][0]]
    )
    bad_state = sum(1 for r in rows if r.status != "in_progress" or r.version != 2)
    audit_events = sum(audited.get(f"item:{i}:claim", 0) for i in wanted)
    audited_twice = sum(1 for i in wanted if audited.get(f"item:{i}:claim", 0) > 1)
    return {
        "items": len(rows),
        "unassigned": unassigned,
        "won_twice": won_twice,
        "never_won": never_won,
        "wrong_holder": wrong_holder,
        "bad_state": bad_state,
        "audit_events": audit_events,
        "audited_twice": audited_twice,
    }


def _print_claims(label: str, outcome: dict, check: dict, split: bool) -> None:
    ok = outcome["statuses"].get(200, 0)
    requests = sum(outcome["statuses"].values())
    latency = (
        f"; request p50 {outcome['latency_p50_ms']:.1f} ms, p95 {outcome['latency_p95_ms']:.1f} ms"
        if outcome["latency_p50_ms"] is not None
        else ""
    )
    print(
        f"{label}: {ok:,} claims in {outcome['wall']:.1f} s = {ok / outcome['wall']:,.0f} claims/s "
        f"({requests / outcome['wall']:,.0f} claim attempts/s); outcomes {dict(sorted(outcome['statuses'].items()))}"
        f"{latency}"
    )
    double = check["won_twice"] + check["audited_twice"] + check["wrong_holder"]
    expected = "" if split else f", each raced by {CLAIMERS}"
    print(
        f"  check: {check['items']:,} items{expected}; successful claims {ok:,} (= items: {ok == check['items']}); "
        f"unassigned {check['unassigned']}, won twice {check['won_twice']}, never won {check['never_won']}, "
        f"held by another than the winner {check['wrong_holder']}, wrong status/version {check['bad_state']}, "
        f"claim audit events {check['audit_events']:,} (items audited twice {check['audited_twice']}) "
        f"-> double claims: {double}",
        flush=True,
    )


def claim_bench(args) -> dict:
    url = create_database(args.postgres)
    result: dict = {}
    try:
        runs = [("race", args.claims), ("split", args.split_claims)]
        total = sum(n for _m, n in runs) + args.in_process_claims * 2
        print(
            f"\n=== claims on {total:,} new haemovigilance items, {CLAIMERS} claimers ({make_url(url).database}) ===",
            flush=True,
        )
        run_loader(url, total, "--queue", QUEUE, "--status", "new", *(["--quiet"] if args.quiet_load else []))
        vacuum_analyze(url)
        engine = make_engine(driver_url(url))
        tokens, user_ids = [], []
        with Session(engine) as db:
            place = db.scalars(select(Establishment).where(Establishment.finess == load_reports.finess_of(1))).one()
            for number in range(1, CLAIMERS + 1):
                user = accounts.create_user(
                    db,
                    email=f"claimer{number}@bench.example.org",
                    role="correspondent",
                    establishment=place,
                    vigilances=[QUEUE],
                    name=f"Claimer {number}",
                )
                _record, token = accounts.issue_token(db, user=user, label="bench")
                tokens.append(token)
                user_ids.append(user.id)
            db.commit()
            all_ids = (
                db.connection()
                .execute(
                    text("SELECT id FROM queue_items WHERE queue = :q AND assignee_id IS NULL ORDER BY id"),
                    {"q": QUEUE},
                )
                .scalars()
                .all()
            )
        engine.dispose()
        shares = {}
        taken = 0
        for mode, count in [
            *runs,
            ("in-process race", args.in_process_claims),
            ("in-process split", args.in_process_claims),
        ]:
            shares[mode] = array("i", all_ids[taken : taken + count])
            taken += count

        env = {
            **os.environ,
            "VIGILANCE_DATABASE_URL": url,
            "VIGILANCE_SECRET_KEY": BENCH_SECRET_KEY,
            "VIGILANCE_ENV": "production",
        }
        server = start_gunicorn(env, workers=args.claim_workers, threads=args.claim_threads)
        port = server.port
        try:
            # Warm every worker up (imports, first connections) on a few other requests.
            warm = Client(port)
            for _ in range(4 * args.claim_workers):
                warm.request("GET", f"/api/v1/queues/{QUEUE}/items", {"Authorization": f"Bearer {tokens[0]}"})
            warm.close()
            server_pids = server.pids()
            for mode, count in runs:
                if not count:
                    continue
                ids = shares[mode]
                sampler = WaitSampler(url, ids=ids)
                postgres_before = _backend_cpu(make_url(url).database)
                server_before = _cpu_seconds(server_pids)
                sampler.start()
                outcome = race(_claimer, lambda i: (port, tokens[i]), ids, CLAIMERS, split=(mode == "split"))
                sampler.stopping.set()
                sampler.join()
                postgres_cpu = _backend_cpu_since(make_url(url).database, postgres_before)
                server_cpu = _cpu_seconds(server_pids) - server_before
                client_cpu = outcome["client_cpu"]
                check = verify_claims(url, ids, outcome["winners"], user_ids)
                result[mode] = {"outcome": outcome, "check": check}
                how = (
                    "all claimers through the same ids" if mode == "race" else "each claimer its own eighth of the ids"
                )
                served = (
                    f"gunicorn {args.claim_workers} gthread workers x {args.claim_threads} threads"
                    if args.claim_threads > 1
                    else f"gunicorn {args.claim_workers} sync workers"
                )
                _print_claims(f"HTTP, {how} ({served})", outcome, check, mode == "split")
                cores = os.cpu_count() or 1
                wall = outcome["wall"]
                print(
                    f"  CPU used during the run, in cores busy on average (machine: {cores}; "
                    f"load average {os.getloadavg()[0]:.1f}): gunicorn "
                    f"{server_cpu / wall:.2f}, PostgreSQL {postgres_cpu / wall:.2f}, clients {client_cpu / wall:.2f}; "
                    f"per successful claim: gunicorn {1000 * server_cpu / max(1, outcome['statuses'].get(200, 0)):.1f} ms, "
                    f"PostgreSQL {1000 * postgres_cpu / max(1, outcome['statuses'].get(200, 0)):.1f} ms"
                )
                print(
                    f"  PostgreSQL client backends (sampled {sampler.count:,} times, share of non-idle samples): "
                    f"{sampler.report()}",
                    flush=True,
                )
        finally:
            server.stop()

        for mode, split in (("in-process race", False), ("in-process split", True)):
            ids = shares[mode]
            if not len(ids):
                continue
            outcome = race(_claimer_in_process, lambda i: (url, user_ids[i]), ids, CLAIMERS, split=split)
            check = verify_claims(url, ids, outcome["winners"], user_ids)
            result[mode] = {"outcome": outcome, "check": check}
            how = "the same ids" if not split else "each its own eighth of the ids"
            _print_claims(
                f"in process ({CLAIMERS} processes calling vigilance.triage.claim, no HTTP, {how})",
                outcome,
                check,
                split,
            )
    finally:
        if not args.keep:
            drop_database(args.postgres, url)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("VIGILANCE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=200, help="timed sequential requests per page")
    parser.add_argument("--warm-up", type=int, default=10)
    parser.add_argument("--depth", type=float, default=0.9, help="where the deep page starts, 0..1")
    parser.add_argument(
        "--days",
        type=float,
        default=365,
        help="receipts spread over this many past days (how overdue the oldest items are)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for the pages")
    parser.add_argument("--claims", type=int, default=100_000, help="items raced over HTTP by all claimers (0: skip)")
    parser.add_argument(
        "--split-claims", type=int, default=20_000, help="items claimed over HTTP, each claimer its own share (0: skip)"
    )
    parser.add_argument(
        "--in-process-claims", type=int, default=5_000, help="items claimed in process, raced and then split (0: skip)"
    )
    parser.add_argument("--claim-workers", type=int, default=2)
    parser.add_argument("--claim-threads", type=int, default=4, help="1: sync workers")
    parser.add_argument("--profile", action="store_true", help="cProfile the API pages in process")
    parser.add_argument("--quiet-load", action="store_true", help="no progress line while loading")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()

    results = [queue_bench(args, size) for size in args.sizes]
    if len(results) > 1:
        print("\nsummary (ms, p50 / p95; target p95 < 100 and no growth with size):")
        print(f"  {'reports':>10} {'API first':>16} {'API deep':>16} {'HTML first':>16} {'HTML deep':>16}")
        for r in results:
            cells = " ".join(
                f"{r[k]['p50']:7.1f} / {r[k]['p95']:6.1f}" for k in ("api_first", "api_deep", "html_first", "html_deep")
            )
            print(f"  {r['size']:>10,} {cells}")
    if args.claims or args.split_claims or args.in_process_claims:
        claim_bench(args)


if __name__ == "__main__":
    main()
