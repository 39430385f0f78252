"""Classification throughput: in process, and over HTTP under gunicorn next to a bare endpoint.

Run with ``make bench`` (or ``.venv/bin/python bench/classify_bench.py``). Targets (issue 2):
at least 20,000 decisions per second in process; over HTTP at least 0.7 of the bare endpoint.
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import run_load  # noqa: E402

from routing import EventKind, Facts, Features, IntendedAction, Origin, ProductFacts, decide  # noqa: E402
from routing.text import normalise  # noqa: E402

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app_spec: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app_spec} did not start")


def bench_http(workers: int, clients: int, seconds: float, unique: bool) -> tuple[dict, dict]:
    rng = random.Random(11)
    payloads = [
        {
            "event_kind": rng.choice(EVENT_KINDS).value,
            # Unique names defeat the answer cache: the worst case, every request decided anew.
            "product": {"name": f"{rng.choice(NAMES)} lot {i}" if unique else rng.choice(NAMES)},
        }
        for i in range(20_000 if unique else 200)
    ]
    env = {**os.environ, "VIGILANCE_DATABASE_URL": "sqlite:////tmp/vigilance-bench.db", "VIGILANCE_SECRET_KEY": "bench"}
    results = {}
    for label, spec in (("bare", "bench.bare_app:create_app()"), ("classify", "app:create_app()")):
        port = free_port()
        server = serve(spec, port, workers, env)
        try:
            run_load(f"http://127.0.0.1:{port}/api/v1/classify", payloads, clients, 2)  # warm up
            results[label] = run_load(f"http://127.0.0.1:{port}/api/v1/classify", payloads, clients, seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return results["bare"], results["classify"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    warm = bench_in_process(args.decisions, unique=False)
    cold = bench_in_process(args.decisions, unique=True)
    print(f"in process, names repeated: {warm:,.0f} decisions/s")
    print(f"in process, every name new: {cold:,.0f} decisions/s   (target >= 20,000)")
    for unique, title in ((False, "names clinicians type (200 requests, repeated)"), (True, "every name new")):
        bare, served = bench_http(args.workers, args.clients, args.seconds, unique)
        print(f"over HTTP, {title}:")
        for label, result in (("bare Flask endpoint", bare), ("POST /api/v1/classify", served)):
            print(
                f"  {label:>22}: {result['per_second']:,.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
                f"p99 {result['p99_ms']:.2f} ms, errors {result['errors']}"
            )
        print(f"  ratio classify / bare: {served['per_second'] / bare['per_second']:.2f}   (target >= 0.70)")


if __name__ == "__main__":
    main()
