"""Intake over HTTP under gunicorn, next to a bare Flask endpoint storing the same body.

``.venv/bin/python bench/intake_bench.py [--postgres URL]``. Target (issue 3): at least 0.5 of
the bare endpoint's throughput, with p99 latency reported, on SQLite (WAL, 2 workers) and on
PostgreSQL.
"""

import argparse
import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

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
    token = prepare(service_url)
    env = {**os.environ, "VIGILANCE_DATABASE_URL": service_url, "VIGILANCE_SECRET_KEY": "bench",
           "BARE_DATABASE_URL": bare_url}
    results = {}
    for name, spec, headers in (
        ("bare insert", "bench.bare_insert_app:create_app()", {}),
        ("POST /api/v1/reports", "app:create_app()", {"Authorization": f"Bearer {token}"}),
    ):
        port = free_port()
        server = serve(spec, port, args.workers, env)
        try:
            url = f"http://127.0.0.1:{port}/api/v1/reports"
            run_load(url, [BODY], args.clients, 1, headers)  # warm up
            results[name] = run_load(url, [BODY], args.clients, args.seconds, headers)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{label}:")
    for name, result in results.items():
        print(f"  {name:>22}: {result['per_second']:,.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
              f"p99 {result['p99_ms']:.2f} ms, errors {result['errors']}")
    ratio = results["POST /api/v1/reports"]["per_second"] / results["bare insert"]["per_second"]
    print(f"  ratio intake / bare insert: {ratio:.2f}   (target >= 0.50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", default=os.environ.get("VIGILANCE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    measure("SQLite (WAL)", f"sqlite:///{folder / 'service.db'}", f"sqlite:///{folder / 'bare.db'}", args)
    if args.postgres:
        measure("PostgreSQL", postgres_database(args.postgres), postgres_database(args.postgres), args)


if __name__ == "__main__":
    main()
