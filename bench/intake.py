"""Intake over HTTP under gunicorn, next to a bare Flask endpoint storing the same body.

``.venv/bin/python bench/intake_bench.py [--postgres URL]``. Target (issue 3): at least 0.5 of
the bare endpoint's throughput, with p99 latency reported, on SQLite (WAL, 2 workers) and on
PostgreSQL.
"""

import argparse
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bare_insert_app import create_tables  # noqa: E402
from classify_bench import free_port, serve  # noqa: E402
from load import run_load  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.db import make_engine  # noqa: E402
from vigilance import accounts  # noqa: E402
from vigilance.models import metadata  # noqa: E402

BODY = {
    "event_kind": "recipient_adverse_reaction",
    "occurred_at": "2026-11-20T14:30:00+01:00",
    "product": {"name": "CGR phénotypé"},
    "description": "Frissons et hyperthermie à 39,5 °C 30 minutes après le début de la transfusion.",
    "serious": True,
    "severity_grade": 2,
    "patient": {"sex": "F", "birth_year": 1956, "initials": "MD"},
}


def prepare(url: str) -> str:
    """A fresh schema with one reporter; return their token."""
    engine = make_engine(url)
    metadata.create_all(engine)
    with Session(engine) as db:
        place = accounts.create_establishment(db, finess="750000001", name="CHU Bench")
        user = accounts.create_user(db, email="bench@example.org", role="reporter", establishment=place)
        _record, token = accounts.issue_token(db, user=user)
        db.commit()
    engine.dispose()
    return token


def postgres_database(admin_url: str) -> str:
    name = f"vigilance_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def measure(label: str, service_url: str, bare_url: str, args) -> None:
    """Both servers run side by side; the load alternates between them in short rounds.

    This machine's speed drifts within minutes (other tenants, the disk), so measuring one
    endpoint after the other compared two different machines; alternating exposes both to the
    same drift.
    """
    token = prepare(service_url)
    create_tables(bare_url)
    env = {
        **os.environ,
        "VIGILANCE_DATABASE_URL": service_url,
        "VIGILANCE_SECRET_KEY": "bench",
        "BARE_DATABASE_URL": bare_url,
        "BARE_CONNECTION": args.bare_connection,
    }
    endpoints = {
        "bare insert": ("bench.bare_insert_app:create_app()", {}),
        "POST /api/v1/reports": ("app:create_app()", {"Authorization": f"Bearer {token}"}),
    }
    servers, urls = [], {}
    try:
        for name, (spec, _headers) in endpoints.items():
            port = free_port()
            servers.append(serve(spec, port, args.workers, env))
            urls[name] = f"http://127.0.0.1:{port}/api/v1/reports"
        for name, (_spec, headers) in endpoints.items():
            run_load(urls[name], [BODY], args.clients, 1, headers)  # warm up
        rounds: dict[str, list[dict]] = {name: [] for name in endpoints}
        for _ in range(args.rounds):
            for name, (_spec, headers) in endpoints.items():
                rounds[name].append(run_load(urls[name], [BODY], args.clients, args.seconds / args.rounds, headers))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    print(
        f"{label}, bare connection {args.bare_connection} "
        f"({args.rounds} alternating rounds of {args.seconds / args.rounds:.1f} s each):"
    )
    throughput = {}
    for name, results in rounds.items():
        latencies = sorted(latency for result in results for latency in result["latencies"])
        throughput[name] = len(latencies) / args.seconds
        errors = sum(result["errors"] for result in results)
        print(
            f"  {name:>22}: {throughput[name]:,.0f} req/s, p50 {1000 * statistics.median(latencies):.2f} ms, "
            f"p99 {1000 * latencies[int(0.99 * (len(latencies) - 1))]:.2f} ms, errors {errors}"
        )
    ratios = [
        service["per_second"] / bare["per_second"]
        for bare, service in zip(rounds["bare insert"], rounds["POST /api/v1/reports"], strict=False)
    ]
    if any(result["errors"] for results in rounds.values() for result in results):
        print("  some requests failed: no ratio")
        return
    ratio = throughput["POST /api/v1/reports"] / throughput["bare insert"]
    print(
        f"  ratio intake / bare insert: {ratio:.2f}   (target >= 0.50; rounds {min(ratios):.2f} to {max(ratios):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30, help="per endpoint, over all rounds")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--bare-connection",
        choices=("per-request", "kept"),
        default="per-request",
        help="the bare endpoint connects per request (Flask's tutorial) or keeps one per worker",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("VIGILANCE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    measure("SQLite (WAL)", f"sqlite:///{folder / 'service.db'}", f"sqlite:///{folder / 'bare.db'}", args)
    if args.postgres:
        measure("PostgreSQL", postgres_database(args.postgres), postgres_database(args.postgres), args)


if __name__ == "__main__":
    main()
