"""Intake over HTTP under gunicorn, next to a bare Flask endpoint storing the same body.

``python -m bench.intake [--postgres URL]``. Target (issue 3): at least 0.5 of the bare
endpoint's throughput, with p99 latency reported, on SQLite (WAL, 2 workers) and on PostgreSQL.
Both servers run side by side and wrk loads them in alternating rounds (``bench.harness``).
"""

import argparse
import tempfile
from pathlib import Path

from sqlmodel import Session

from app.db import make_engine
from bench import harness
from bench.bare_insert_app import create_tables
from vigilance import accounts
from vigilance.models import metadata

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
        place = accounts.create_establishment(db, finess="750000010", name="CHU Bench")
        user = accounts.create_user(db, email="bench@example.org", role="reporter", establishment=place)
        _record, token = accounts.issue_token(db, user=user)
        db.commit()
    engine.dispose()
    return token


def measure(label: str, service_url: str, bare_url: str, args) -> float | None:
    token = prepare(service_url)
    create_tables(bare_url)
    env = {
        "VIGILANCE_DATABASE_URL": service_url,
        "VIGILANCE_SECRET_KEY": "bench",
        "BARE_DATABASE_URL": bare_url,
        "BARE_CONNECTION": args.bare_connection,
    }
    bare_target = harness.Target.json("/api/v1/reports", [BODY])
    intake_target = harness.Target.json("/api/v1/reports", [BODY], {"Authorization": f"Bearer {token}"})
    harness.say(
        f"{label}, bare connection {args.bare_connection} "
        f"({args.rounds} alternating rounds of {args.seconds:g} s each, wrk {args.connections} connections):"
    )
    with (
        harness.serving("bench.bare_insert_app:create_app()", env, workers=args.workers) as bare,
        harness.serving("app:create_app()", env, workers=args.workers) as service,
    ):
        series = harness.alternate(
            {"bare insert": (bare, bare_target), "POST /api/v1/reports": (service, intake_target)},
            rounds=args.rounds,
            seconds=args.seconds,
            connections=args.connections,
        )
    return harness.print_comparison(series, measured="POST /api/v1/reports", yardstick="bare insert", target=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4, help="wrk's open connections")
    parser.add_argument("--seconds", type=float, default=5, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--bare-connection",
        choices=("per-request", "kept"),
        default="per-request",
        help="the bare endpoint connects per request (Flask's tutorial) or keeps one per worker",
    )
    parser.add_argument("--postgres", default=harness.DEFAULT_POSTGRES, help="empty: SQLite only")
    args = parser.parse_args()
    harness.say(harness.machine_load())
    folder = Path(tempfile.mkdtemp())
    measure("SQLite (WAL)", f"sqlite:///{folder / 'service.db'}", f"sqlite:///{folder / 'bare.db'}", args)
    if args.postgres:
        with harness.Databases(args.postgres) as databases:
            service, bare = databases.create("intake"), databases.create("bare")
            measure("PostgreSQL", databases.url(service, "postgresql"), databases.url(bare, "postgresql"), args)
    harness.say(harness.machine_load())


if __name__ == "__main__":
    main()
