"""The one harness every benchmark uses: serve an app under gunicorn, drive it with wrk, compare.

wrk is a C load generator (Debian package ``wrk``): Python clients would share the machine's two
cores with the servers and flatten every ratio. Two endpoints compared are served side by side
and loaded in alternating rounds, because this shared VM's speed drifts within minutes:
measured one after the other, two endpoints would be measured on two different machines.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def say(*parts) -> None:
    print(*parts, flush=True)


def machine_load() -> str:
    """The load average: other processes on a 2-core machine move every figure here."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def percentile(values: Iterable[float], fraction: float) -> float:
    """The value at *fraction* (0 to 1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Gunicorn -----------------------------------------------------------------------------------------


@dataclass
class Server:
    """A gunicorn serving one app on a local port."""

    process: subprocess.Popen
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def pids(self) -> list[int]:
        """The arbiter and its workers (for CPU accounting)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        found = [self.process.pid]
        if children.exists():
            found += [int(pid) for pid in children.read_text().split()]
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(
    app_spec: str,
    env: dict,
    *,
    workers: int = 2,
    threads: int = 1,
    ready_path: str | None = None,
    root: Path = ROOT,
) -> Server:
    """Start ``gunicorn app_spec`` and wait until it accepts connections (and answers *ready_path*).

    *root*: another checkout of the project (with its own ``.venv``), to serve its code instead.
    """
    port = free_port()
    gunicorn = GUNICORN if root == ROOT else root / ".venv" / "bin" / "gunicorn"
    command = [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    process = subprocess.Popen([*command, app_spec], cwd=root, env={**os.environ, **env})
    for _ in range(300):
        try:
            if ready_path is None:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return Server(process, port)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path)
            connection.getresponse().read()
            connection.close()
            return Server(process, port)
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn {app_spec} did not start")


@contextmanager
def serving(app_spec: str, env: dict, **options) -> Iterator[Server]:
    server = start(app_spec, env, **options)
    try:
        yield server
    finally:
        server.stop()


# wrk ------------------------------------------------------------------------------------------------

# Requests cycle through the bodies; the summary is printed as one JSON line (latencies in µs).
_WRK_SCRIPT = """
local bodies = {%(bodies)s}
local index = 0
wrk.method = "%(method)s"
%(headers)s
request = function()
  index = index + 1
  return wrk.format(nil, "%(path)s", nil, bodies[(index %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK-SUMMARY {"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "status_errors": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    level = "="
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


@dataclass
class Target:
    """What one wrk run sends: a method and path on a server, headers, and bodies taken in turn."""

    path: str
    bodies: list[str] = field(default_factory=lambda: [""])
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})

    @classmethod
    def json(cls, path: str, payloads: list, headers: dict | None = None) -> "Target":
        return cls(
            path,
            [json.dumps(payload, ensure_ascii=False) for payload in payloads],
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def script(self) -> str:
        headers = "\n".join(f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in self.headers.items())
        return _WRK_SCRIPT % {
            "bodies": ",\n".join(_lua_string(body) for body in self.bodies),
            "method": self.method,
            "headers": headers,
            "path": self.path,
        }


@dataclass
class Round:
    """One wrk run's figures."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk(server: Server, target: Target, seconds: float, *, connections: int = 4, threads: int = 1) -> Round:
    """Load *target* on *server* for *seconds* with *connections* open connections."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(target.script())
    try:
        result = subprocess.run(
            [
                "wrk",
                "--threads",
                str(threads),
                "--connections",
                str(connections),
                "--duration",
                f"{max(1, round(seconds))}s",  # wrk takes whole seconds
                "--timeout",
                "10s",
                "--script",
                script.name,
                server.url(target.path),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK-SUMMARY "))
    summary = json.loads(line.removeprefix("WRK-SUMMARY "))
    return Round(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        errors=summary["socket_errors"] + summary["status_errors"],
        p50_ms=summary["p50_us"] / 1000,
        p90_ms=summary["p90_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        max_ms=summary["max_us"] / 1000,
    )


def warm(server: Server, target: Target, seconds: float, *, connections: int = 4, requests: int = 50) -> None:
    """Load until at least *requests* were answered: a worker's first requests load what it
    needs (rulebooks, calendars, templates), several seconds on a busy machine."""
    for _ in range(60):
        if wrk(server, target, seconds, connections=connections).requests >= requests:
            return
    raise RuntimeError(f"{server.url(target.path)} hardly answers")


@dataclass
class Series:
    """The rounds of one endpoint in an alternating comparison."""

    rounds: list[Round] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return sum(r.requests for r in self.rounds) / sum(r.seconds for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    def median_of(self, name: str) -> float:
        return percentile([getattr(r, name) for r in self.rounds], 0.5)


def alternate(
    contenders: dict[str, tuple[Server, Target]],
    *,
    rounds: int,
    seconds: float,
    connections: int = 4,
    warm_up: float = 2,
) -> dict[str, Series]:
    """Load each contender in turn, *rounds* times, *seconds* each (after warming each up)."""
    for server, target in contenders.values():
        warm(server, target, warm_up, connections=connections)
    series = {name: Series() for name in contenders}
    for _ in range(rounds):
        for name, (server, target) in contenders.items():
            series[name].rounds.append(wrk(server, target, seconds, connections=connections))
    return series


def print_comparison(series: dict[str, Series], *, measured: str, yardstick: str, target: float | None) -> float | None:
    """Print each contender's throughput and latency, then the ratio *measured* / *yardstick*
    over all rounds with its spread from round to round. No ratio when a request failed."""
    for name, values in series.items():
        say(
            f"  {name:>24}: {values.per_second:,.0f} req/s, p50 {values.median_of('p50_ms'):.2f} ms, "
            f"p99 {values.median_of('p99_ms'):.2f} ms (medians of the rounds), errors {values.errors}"
        )
    if any(values.errors for values in series.values()):
        say("  some requests failed: no ratio")
        return None
    ratios = [
        ours.per_second / theirs.per_second
        for ours, theirs in zip(series[measured].rounds, series[yardstick].rounds, strict=True)
    ]
    ratio = series[measured].per_second / series[yardstick].per_second
    wanted = f"target >= {target:.2f}; " if target is not None else ""
    say(f"  ratio {measured} / {yardstick}: {ratio:.2f}   ({wanted}rounds {min(ratios):.2f} to {max(ratios):.2f})")
    return ratio


# Scratch PostgreSQL databases ---------------------------------------------------------------------

DEFAULT_POSTGRES = os.environ.get("VIGILANCE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


class Databases:
    """Creates databases on a PostgreSQL server and drops every one it created (``keep`` to keep them)."""

    def __init__(self, server_url: str, prefix: str = "vigilance_bench"):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(server_url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.prefix = prefix
        self.created: list[str] = []

    def create(self, label: str = "") -> str:
        """A new empty database; its name."""
        import uuid

        from sqlalchemy import text

        name = "_".join(part for part in (self.prefix, label, uuid.uuid4().hex[:8]) if part)
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return name

    def url(self, name: str, driver: str = "postgresql+psycopg") -> str:
        return self.base.set(database=name, drivername=driver).render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            try:
                self.drop(name)
            except Exception as error:
                say(f"  (could not drop {name}: {error})")
        self.admin.dispose()

    def __enter__(self) -> "Databases":
        return self

    def __exit__(self, *_exc) -> None:
        self.drop_all()
