"""docs/deployment.md, run: every shell block of the guide, in its order, with real gunicorn, a
real `vigilance worker` and a real backup and restore, on SQLite and (when
VIGILANCE_TEST_DATABASE_URL is set) on a PostgreSQL database of its own.

The guide's paths move into a temporary folder and its port to a free one; nothing else of a
block is changed. A report filed before the backup must be there after the restore.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app import PROJECT_ROOT
from tests.conftest import POSTGRES_URL, postgres_admin_url
from tests.ports import free_port
from vigilance import accounts, audit_keys

GUIDE = PROJECT_ROOT / "docs" / "deployment.md"
BLOCK = re.compile(r"^```sh test=([\w-]+)\n(.*?)^```$", re.M | re.S)
#: The guide's production values, and what each becomes in the test.
GUIDE_DATABASE = "postgresql://vigilance@127.0.0.1:5432/vigilance"


def guide_blocks() -> dict[str, str]:
    return dict(BLOCK.findall(GUIDE.read_text()))


def test_every_shell_block_of_the_guide_is_run_here():
    guide = GUIDE.read_text()
    shell_blocks = re.findall(r"^```(?:sh|bash|shell|console)\b.*$", guide, re.M)
    assert all(" test=" in opening for opening in shell_blocks), shell_blocks
    assert set(guide_blocks()) == {
        "environment",
        "environment-sqlite",
        "secret-key",
        "setup",
        "web",
        "worker",
        "check",
        "backup-sqlite",
        "restore-sqlite",
        "backup-postgres",
        "restore-postgres",
    }


class Deployment:
    """The guide's machine, in a temporary folder: its settings file, its commands, its servers."""

    def __init__(self, tmp_path: Path, database_url: str | None):
        self.root = tmp_path
        self.port = free_port()
        self.replacements = {
            "/srv/vigilance": str(PROJECT_ROOT),
            # The programs of the environment running the tests (the checkout's .venv under make).
            ".venv/bin/": f"{Path(sys.executable).parent}/",
            "/etc/vigilance": str(tmp_path / "etc"),
            "/var/lib/vigilance": str(tmp_path / "lib"),
            "/var/backups/vigilance": str(tmp_path / "backups"),
            "127.0.0.1:8000": f"127.0.0.1:{self.port}",
        }
        if database_url:
            self.replacements[GUIDE_DATABASE] = database_url
        guide = GUIDE.read_text()
        assert all(value in guide for value in self.replacements), "the guide no longer says where things are"
        self.blocks = {name: self.moved(body) for name, body in guide_blocks().items()}
        (tmp_path / "etc").mkdir()
        (tmp_path / "lib").mkdir()
        settings = self.blocks["environment"]
        if not database_url:
            settings += self.blocks["environment-sqlite"]
        self.settings_file = tmp_path / "etc" / "vigilance.env"
        self.settings_file.write_text(settings)
        # The test suite's own settings (its cheap password hashing, its database) stay out.
        self.environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("VIGILANCE_", "PROMETHEUS_", "GUNICORN_"))
        }
        self.servers: list[tuple[subprocess.Popen, Path]] = []

    def moved(self, body: str) -> str:
        for guide_value, test_value in self.replacements.items():
            body = body.replace(guide_value, test_value)
        return body

    def shell(self, commands: str) -> str:
        """The commands as the guide runs them: in the checkout, with the settings loaded."""
        return f"cd {PROJECT_ROOT}\nset -a; . {self.settings_file}; set +a\n{commands}"

    def run(self, block: str) -> str:
        return self._bash(self.blocks[block], block)

    def _bash(self, commands: str, label: str) -> str:
        finished = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", self.shell(commands)],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert finished.returncode == 0, f"{label}:\n{finished.stdout}\n{finished.stderr}"
        return finished.stdout

    def start(self, block: str) -> Path:
        log = self.root / f"{block}-{len(self.servers)}.log"
        with log.open("w") as output:  # the server writes to its own copy of the descriptor
            server = subprocess.Popen(
                ["bash", "-c", self.shell("exec " + self.blocks[block].strip())],
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.servers.append((server, log))
        return log

    def stop(self) -> None:
        for server, _log in self.servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
        for server, log in self.servers:
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                raise AssertionError(f"did not stop on SIGTERM:\n{log.read_text()[-3000:]}") from None
        self.servers = []

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict | str, dict]:
        data = json.dumps(body).encode() if body is not None else None
        sent = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(sent, timeout=30) as answer:
                status, raw, answer_headers = answer.status, answer.read().decode(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            status, raw, answer_headers = error.code, error.read().decode(), dict(error.headers)
        try:
            return status, json.loads(raw), answer_headers
        except ValueError:
            return status, raw, answer_headers

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            for server, log in self.servers:
                assert server.poll() is None, f"a server ended:\n{log.read_text()[-3000:]}"
            time.sleep(0.3)
        raise AssertionError("gunicorn never became ready")

    def metrics(self) -> str:
        token = re.search(r"^VIGILANCE_METRICS_TOKEN=(.*)$", self.settings_file.read_text(), re.M).group(1)
        status, body, _headers = self.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
        assert status == 200
        return body


def a_reporter_token(database_url: str) -> str:
    """A reporter of the guide's establishment and an API token, made here: as commands, each
    would cost a start of the app (seconds on a loaded machine) for nothing the guide says."""
    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    # Audited in the trail the service keeps: under the guide's audit key.
    audit_keys.use_key(re.search(r"^VIGILANCE_AUDIT_KEY=(.+)$", GUIDE.read_text(), re.M).group(1))
    try:
        with Session(engine) as session:
            reporter = accounts.create_user(
                session,
                email="reporter@chu.example",
                role="reporter",
                establishment=accounts.establishment_by_finess(session, "750712184"),
                vigilances=[],
                password="another long passphrase",
            )
            _record, token = accounts.issue_token(session, user=reporter)
            session.commit()
    finally:
        engine.dispose()
    return token


def follow_the_guide(deployment: Deployment, kind: str, lose_the_data, database_url: str) -> None:
    deployment.run("secret-key")
    deployment.run("setup")
    web_log = deployment.start("web")
    worker_log = deployment.start("worker")
    try:
        deployment.wait_until_ready()
        deployment.run("check")

        # A reporter files a report through the API, with a request id as nginx would send.
        token = a_reporter_token(database_url)
        bearer = {"Authorization": f"Bearer {token}"}
        status, report, headers = deployment.request(
            "POST",
            "/api/v1/reports",
            {
                "event_kind": "recipient_adverse_reaction",
                "occurred_at": "2026-11-20T14:30:00+01:00",
                "product": {"name": "CGR"},
                "description": "Frissons pendant la transfusion.",
                "serious": True,
                "severity_grade": 2,
            },
            {**bearer, "X-Request-Id": "guide-filing-1"},
        )
        assert status == 201, report
        assert headers["X-Request-Id"] == "guide-filing-1"
        # The headers the guide says the service sets, HSTS included in production.
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"

        # The worker, a process of its own, shows its ticks in the web's metrics (one folder).
        deadline = time.monotonic() + 90
        while 'vigilance_worker_last_tick_timestamp_seconds{job="clocks"}' not in deployment.metrics():
            assert time.monotonic() < deadline, "the worker's tick never showed in /metrics"
            time.sleep(0.5)
        # Requests counted in whichever gunicorn worker answered, added up.
        assert re.search(
            r'vigilance_http_requests_total\{endpoint="health.readyz",method="GET",status="200"\}', deployment.metrics()
        )

        deployment.run(f"backup-{kind}")
    finally:
        deployment.stop()

    # Production: every line is JSON, gunicorn's own included (gunicorn.conf.py), and the worker's.
    lines = [json.loads(line) for line in web_log.read_text().splitlines()]
    assert "gunicorn.error" in {line["logger"] for line in lines}
    assert "vigilance.worker" in {json.loads(line)["logger"] for line in worker_log.read_text().splitlines()}
    filing = [line for line in lines if line["request_id"] == "guide-filing-1"]
    assert {"vigilance.access", "vigilance.intake"} <= {line["logger"] for line in filing}
    assert token not in web_log.read_text()

    lose_the_data()
    deployment.run(f"restore-{kind}")
    deployment.start("web")
    try:
        deployment.wait_until_ready()
        status, restored, _headers = deployment.request("GET", f"/api/v1/reports/{report['id']}", headers=bearer)
        assert status == 200 and restored["reference"] == report["reference"]
    finally:
        deployment.stop()


def test_the_guide_on_sqlite(tmp_path):
    deployment = Deployment(tmp_path, database_url=None)
    database = tmp_path / "lib" / "vigilance.db"

    def lose_the_data():
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)

    follow_the_guide(deployment, "sqlite", lose_the_data, f"sqlite:///{database}")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="VIGILANCE_TEST_DATABASE_URL not set")
def test_the_guide_on_postgresql(tmp_path):
    name = f"vigilance_guide_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = postgres_admin_url().set(drivername="postgresql", database=name).render_as_string(False)
    try:
        deployment = Deployment(tmp_path, database_url=database_url)

        def lose_the_data():
            emptied = create_engine(postgres_admin_url().set(database=name), isolation_level="AUTOCOMMIT")
            with emptied.connect() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            emptied.dispose()

        follow_the_guide(deployment, "postgres", lose_the_data, database_url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
