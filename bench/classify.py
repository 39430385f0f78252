"""Classification throughput: in process, and over HTTP under gunicorn next to a bare endpoint.

Run with ``make bench`` (or ``.venv/bin/python -m bench.classify``). Targets (issue 2): at least
20,000 decisions per second in process; over HTTP, measured with wrk, at least 0.7 of the bare
endpoint (``bench/bare_app.py``) served the same way.
"""

import argparse
import contextlib
import io
import json
import os
import random
import sys
import time
from datetime import date
from pathlib import Path

from bench import harness
from routing import EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, decide
from routing.text import normalise

NAMES = [
    "Concentré de globules rouges (CGR)",
    "CPA",
    "Plasma frais congelé traité par amotosalen (PFC-IA)",
    "Albumine humaine 20 %",
    "Immunoglobulines humaines intraveineuses (IgIV)",
    "Facteur VIII plasmatique",
    "Greffe de cornée",
    "Tête fémorale (os de banque)",
    "Cellules souches hématopoïétiques allogéniques (CSH)",
    "Greffe rénale (rein)",
    "Lait maternel du lactarium",
    "Kymriah (tisagenlecleucel)",
    "Zolgensma",
    "Yescarta infusion",
    "Holoclar",
    "Sérum autologue en collyre",
    "Produit inconnu Z-17",
    "Facteur VIII",
]
EVENT_KINDS = list(EventKind)
BEFORE = "classify, --before checkout"


def sample_facts(rng: random.Random, unique: bool) -> Facts:
    name = rng.choice(NAMES)
    if unique:
        # A different string every time, so the normalisation cache cannot help.
        name = f"{name} lot {rng.randrange(10**9)}"
    features = Features()
    origin = None
    if rng.random() < 0.2:
        origin = rng.choice(list(Origin))
        features = Features(
            substantially_manipulated=rng.choice([True, False, None]),
            same_essential_function=rng.choice([True, False, None]),
            intended_action=rng.choice([*IntendedAction, None]),
            recombinant_nucleic_acid=rng.choice([True, False, None]),
        )
    return Facts(
        event_kind=rng.choice(EVENT_KINDS),
        product=ProductFacts(name=name, origin=origin, features=features),
        severity_grade=rng.choice([1, 2, 3, None]),
    )


def bench_in_process(count: int, unique: bool, repeats: int = 3) -> float:
    """Best of *repeats* runs: the machine is shared, the best run is the code's own speed."""
    rng = random.Random(7)
    facts = [sample_facts(rng, unique) for _ in range(count)]
    on = date(2026, 11, 21)
    decide(facts[0], on=on)  # load the rulebook before timing
    rates = []
    for _ in range(repeats):
        normalise.cache_clear()
        started = time.perf_counter()
        for item in facts:
            decide(item, on=on)
        rates.append(count / (time.perf_counter() - started))
    return max(rates)


def http_payloads(unique: bool) -> list[dict]:
    rng = random.Random(11)
    return [
        {
            "event_kind": rng.choice(EVENT_KINDS).value,
            # Unique names defeat the answer cache: the worst case, every request decided anew.
            "product": {"name": f"{rng.choice(NAMES)} lot {i}" if unique else rng.choice(NAMES)},
        }
        for i in range(20_000 if unique else 200)
    ]


def wsgi_cpu_per_request(app, bodies: list[bytes], count: int) -> float:
    """CPU µs per request, the WSGI *app* called directly (no server, no client): its own cost."""

    def start_response(status, _headers, _exc_info=None):
        assert status.startswith("200"), status

    started = time.process_time()
    for index in range(count):
        body = bodies[index % len(bodies)]
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/classify",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "localhost",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        response = app(environ, start_response)
        b"".join(response)
        response.close()
    return (time.process_time() - started) / count * 1e6


def bench_wsgi(unique: bool, count: int = 5_000) -> tuple[float, float]:
    """(service, bare) CPU µs per request in process, best of 3. With every name new, 5,000
    distinct bodies are more than the answer cache holds: every request is decided anew."""
    from app import create_app
    from bench import bare_app

    os.environ.setdefault("VIGILANCE_DATABASE_URL", "sqlite:////tmp/vigilance-bench.db")
    os.environ.setdefault("VIGILANCE_SECRET_KEY", "bench")
    bodies = [json.dumps(payload, ensure_ascii=False).encode() for payload in http_payloads(unique)]
    service, bare = create_app(), bare_app.create_app()
    wsgi_cpu_per_request(service, bodies[-500:], 500)
    wsgi_cpu_per_request(bare, bodies, 500)
    runs = [(wsgi_cpu_per_request(service, bodies, count), wsgi_cpu_per_request(bare, bodies, count)) for _ in range(3)]
    return min(run[0] for run in runs), min(run[1] for run in runs)


def bench_http(args, unique: bool) -> float | None:
    """The service and the bare endpoint served side by side, loaded by wrk in alternating rounds."""
    env = {"VIGILANCE_DATABASE_URL": "sqlite:////tmp/vigilance-bench.db", "VIGILANCE_SECRET_KEY": "bench"}
    target = harness.Target.json("/api/v1/classify", http_payloads(unique))
    with contextlib.ExitStack() as stack:
        bare = stack.enter_context(harness.serving("bench.bare_app:create_app()", env, workers=args.workers))
        service = stack.enter_context(harness.serving("app:create_app()", env, workers=args.workers))
        contenders = {"bare Flask endpoint": (bare, target), "POST /api/v1/classify": (service, target)}
        if args.before:
            # Another checkout served beside, in the same rounds: before and after on one machine.
            before = stack.enter_context(
                harness.serving("app:create_app()", env, workers=args.workers, root=Path(args.before).resolve())
            )
            contenders[BEFORE] = (before, target)
        series = harness.alternate(contenders, rounds=args.rounds, seconds=args.seconds, connections=args.connections)
    if args.before:
        harness.print_comparison(series, measured=BEFORE, yardstick="bare Flask endpoint", target=0.7)
    return harness.print_comparison(
        series, measured="POST /api/v1/classify", yardstick="bare Flask endpoint", target=0.7
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, for both servers")
    parser.add_argument("--connections", type=int, default=4, help="wrk's open connections")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=5, help="per round and endpoint")
    parser.add_argument("--http-only", action="store_true")
    parser.add_argument(
        "--before", metavar="CHECKOUT", help="another checkout (with its .venv) served beside, e.g. a worktree of main"
    )
    args = parser.parse_args()

    harness.say(harness.machine_load())
    if not args.http_only:
        warm = bench_in_process(args.decisions, unique=False)
        cold = bench_in_process(args.decisions, unique=True)
        harness.say(f"in process, names repeated: {warm:,.0f} decisions/s")
        harness.say(f"in process, every name new: {cold:,.0f} decisions/s   (target >= 20,000)")
        for unique, title in ((False, "names repeated"), (True, "every name new")):
            service, bare = bench_wsgi(unique)
            harness.say(
                f"in process, WSGI app called directly, {title}: classify {service:.0f} µs, bare {bare:.0f} µs of CPU"
            )
    for unique, title in ((False, "names clinicians type (200 bodies, repeated)"), (True, "every name new")):
        harness.say(
            f"over HTTP, {title}, wrk {args.connections} connections, gunicorn {args.workers} sync workers, "
            f"{args.rounds} alternating rounds of {args.seconds:g} s:"
        )
        bench_http(args, unique)
    harness.say(harness.machine_load())


if __name__ == "__main__":
    main()
