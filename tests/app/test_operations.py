"""Operations: settings from the environment, the sender and links of emails, health, request
ids, log lines and metrics, as an operator running the service sees them."""

import io
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import PROJECT_ROOT, create_app, migrate, scheduler
from app.config import ConfigError, follow_served_address, load_config, mail_sender
from app.operations import logs
from routing import EventKind, ProductFacts
from tests.ports import free_port
from vigilance import intake, outbox
from vigilance.clock import utcnow
from vigilance.outbox import Email


@pytest.fixture
def clean_environment(monkeypatch):
    """No VIGILANCE_* variable from the developer's shell or from another test."""
    for name in list(os.environ):
        if name.startswith("VIGILANCE_"):
            monkeypatch.delenv(name)
    return monkeypatch


# Each variable the service has always read, with a value other than its default and that value
# as the setting holds it.
EVERY_VARIABLE = [
    (
        "VIGILANCE_DATABASE_URL",
        "postgresql://vigilance@db.example/vigilance",
        "DATABASE_URL",
        "postgresql+psycopg://vigilance@db.example/vigilance",
    ),
    ("VIGILANCE_SECRET_KEY", "1e3", "SECRET_KEY", "1e3"),
    ("VIGILANCE_SMTP_URL", "smtp://mail.example:2525", "SMTP_URL", "smtp://mail.example:2525"),
    ("VIGILANCE_SCHEDULER", "off", "SCHEDULER", "off"),
    ("VIGILANCE_TIMEZONE", "America/Cayenne", "TIMEZONE", "America/Cayenne"),
    ("VIGILANCE_ENV", "testing", "ENV", "testing"),
    ("VIGILANCE_DEFAULT_REGION", "guyane", "DEFAULT_REGION", "guyane"),
    ("VIGILANCE_BASE_URL", "https://vigilance.chu.example/", "BASE_URL", "https://vigilance.chu.example"),
    ("VIGILANCE_TICK_SECONDS", "0.5", "TICK_SECONDS", 0.5),
    ("VIGILANCE_DIGEST_HOUR", "6", "DIGEST_HOUR", 6),
    ("VIGILANCE_PASSWORD_HASH", "pbkdf2:sha256:1000", "PASSWORD_HASH", "pbkdf2:sha256:1000"),
    ("VIGILANCE_MAIL_FROM", "Vigilance <pv@chu.example>", "MAIL_FROM", "Vigilance <pv@chu.example>"),
    ("VIGILANCE_LOG_FORMAT", "json", "LOG_FORMAT", "json"),
    ("VIGILANCE_LOG_LEVEL", "warning", "LOG_LEVEL", "WARNING"),
    ("VIGILANCE_METRICS_TOKEN", "0123", "METRICS_TOKEN", "0123"),
]


@pytest.mark.parametrize(("variable", "value", "key", "expected"), EVERY_VARIABLE, ids=[v[0] for v in EVERY_VARIABLE])
def test_each_variable_sets_its_setting(clean_environment, tmp_path, variable, value, key, expected):
    clean_environment.setenv(variable, value)
    assert load_config(tmp_path)[key] == expected


def test_an_empty_variable_keeps_the_default(clean_environment, tmp_path):
    clean_environment.setenv("VIGILANCE_SMTP_URL", "")
    clean_environment.setenv("VIGILANCE_DIGEST_HOUR", "")
    config = load_config(tmp_path)
    assert config["SMTP_URL"] is None and config["DIGEST_HOUR"] == 7


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VIGILANCE_MAIL_FROM", "vigilance", "VIGILANCE_MAIL_FROM must be an email address"),
        ("VIGILANCE_BASE_URL", "vigilance.example", "VIGILANCE_BASE_URL must be an http"),
        ("VIGILANCE_LOG_FORMAT", "xml", "VIGILANCE_LOG_FORMAT must be 'json' or 'text'"),
        ("VIGILANCE_METRICS_NETWORKS", "10.0.0.0/8, intranet", "VIGILANCE_METRICS_NETWORKS"),
    ],
)
def test_an_unusable_operations_setting_is_refused_by_name(clean_environment, tmp_path, variable, value, message):
    clean_environment.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_the_sender_is_vigilance_at_the_host_of_the_base_url_unless_chosen(clean_environment, tmp_path):
    clean_environment.setenv("VIGILANCE_BASE_URL", "https://vigilance.chu-lyon.example:8443/app")
    assert mail_sender(load_config(tmp_path)) == "vigilance@vigilance.chu-lyon.example"
    clean_environment.setenv("VIGILANCE_MAIL_FROM", "pharmacovigilance@chu-lyon.example")
    assert mail_sender(load_config(tmp_path)) == "pharmacovigilance@chu-lyon.example"


def test_vigilance_run_links_to_the_port_it_serves_unless_a_base_url_is_set(clean_environment, tmp_path):
    app = create_app(
        {"ENV": "testing", "SECRET_KEY": "k", "AUDIT_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/v.db"}
    )
    follow_served_address(app, "127.0.0.1", 5701)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5701"
    assert mail_sender(app.config) == "vigilance@127.0.0.1"

    clean_environment.setenv("VIGILANCE_BASE_URL", "https://vigilance.chu.example")
    chosen = create_app(
        {"ENV": "testing", "SECRET_KEY": "k", "AUDIT_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/v.db"}
    )
    follow_served_address(chosen, "127.0.0.1", 5701)
    assert chosen.config["BASE_URL"] == "https://vigilance.chu.example"


def test_make_run_passes_the_port_to_every_command_as_the_base_url(tmp_path):
    """`make run PORT=5701` with the Makefile's own recipe; the commands it runs are stand-ins
    that write down the base URL they were given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen"
    (bin_dir / "vigilance").write_text(f'#!/bin/sh\necho "$VIGILANCE_BASE_URL $1" >> {seen}\n')
    (bin_dir / "vigilance").chmod(0o755)
    installed = tmp_path / "installed"
    installed.touch()  # newer than pyproject.toml: make installs nothing
    environment = {k: v for k, v in os.environ.items() if k != "VIGILANCE_BASE_URL"}
    make = ["make", "-s", "-C", str(PROJECT_ROOT), "run", f"BIN={bin_dir}", f"INSTALLED={installed}"]

    subprocess.run([*make, "PORT=5701"], env=environment, check=True, timeout=60)
    assert seen.read_text().split("\n")[:3] == [
        "http://127.0.0.1:5701 db",
        "http://127.0.0.1:5701 demo",
        "http://127.0.0.1:5701 run",
    ]
    seen.unlink()
    subprocess.run([*make, "PORT=5701"], env={**environment, "VIGILANCE_BASE_URL": "https://v.example"}, check=True)
    assert set(seen.read_text().split()) >= {"https://v.example"} and "5701" not in seen.read_text()


def test_every_email_goes_out_from_the_configured_sender(app, engine, db, make_user, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, BASE_URL="https://vigilance.chu-lyon.example")
    user = make_user("correspondent", vigilances=["haemovigilance"])
    email = Email(subject="Rappel", text="Voir le signalement.", html="<p>Voir le signalement.</p>")
    outbox.enqueue(db, key="ops:1", recipient=user, email=email, now=utcnow())
    db.commit()
    assert scheduler.deliver_mail(app) == 1
    ((_recipients, message),) = smtp_server.inbox.messages
    assert message["From"] == "vigilance@vigilance.chu-lyon.example"


# --- Health -----------------------------------------------------------------------------------


def test_healthz_answers_without_sign_in_even_when_the_database_is_gone(tmp_path):
    app = create_app(
        {"ENV": "testing", "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/folder/vigilance.db"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ready_only_at_the_migrations_head(app, client):
    not_migrated = client.get("/readyz")
    assert not_migrated.status_code == 503
    assert not_migrated.get_json()["status"] == "not_migrated"
    assert "vigilance db upgrade" in not_migrated.get_json()["errors"]["migrations"][0]

    migrate.upgrade(app)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready"}

    migrate.downgrade(app, "-1")
    behind = client.get("/readyz")
    assert behind.status_code == 503 and list(behind.get_json()["errors"]) == ["migrations"]


def test_readyz_says_when_the_database_does_not_answer(tmp_path):
    app = create_app(
        {"ENV": "testing", "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/folder/vigilance.db"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "errors": {"database": ["The database does not answer."]}}


# --- Request ids and log lines ----------------------------------------------------------------


@pytest.fixture
def log_lines():
    """What the service's log handler writes, as JSON objects, one per line."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure(log_format="json", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_every_response_carries_a_request_id_and_a_well_formed_one_is_kept(client):
    kept = client.get("/healthz", headers={"X-Request-Id": "nginx-5f2b7c1e9a"})
    assert kept.headers["X-Request-Id"] == "nginx-5f2b7c1e9a"
    for refused in ("x" * 200, "<script>", "a b", ""):
        replaced = client.get("/healthz", headers={"X-Request-Id": refused})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"]), refused
    ids = {client.get(path).headers["X-Request-Id"] for path in ("/healthz", "/no-such-page", "/api/v1/reports/1")}
    assert len(ids) == 3  # errors too, and a new one each time


def test_a_request_id_is_in_every_log_line_of_its_request(app, client, make_user, token_for, log_lines):
    app.config["ACCESS_LOG"] = True
    headers = {**token_for(make_user("reporter")), "X-Request-Id": "req-filing-1"}
    report = {
        "event_kind": "recipient_adverse_reaction",
        "occurred_at": "2026-11-20T14:30:00+01:00",
        "product": {"name": "CGR"},
        "description": "Frissons et hyperthermie à 39,2 °C chez Mme Dupont.",
        "serious": False,
    }
    assert client.post("/api/v1/reports", json=report, headers=headers).status_code == 201

    lines = [line for line in log_lines() if line["request_id"] == "req-filing-1"]
    assert {line["logger"] for line in lines} >= {"vigilance.intake", "vigilance.access"}
    (access,) = [line for line in lines if line["logger"] == "vigilance.access"]
    assert access["endpoint"].startswith("reports.")  # the Flask endpoint, not the path
    assert access["status"] == 201 and access["path"] == "/api/v1/reports"
    assert all(line["request_id"] in ("req-filing-1", "-") for line in log_lines())
    assert "Dupont" not in json.dumps(log_lines())


def test_no_log_line_holds_a_password_or_a_token(app, client, make_user, token_for, log_lines):
    app.config["ACCESS_LOG"] = True
    user = make_user("reporter", password="Tr0ub4dor&3-horse")
    headers = token_for(user)
    token = headers["Authorization"].split()[1]
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": user.email, "password": "Tr0ub4dor&3-horse", "csrf_token": csrf})
    client.post("/login", data={"email": user.email, "password": "wrong-Tr0ub4dor", "csrf_token": csrf})
    client.get("/api/v1/reports/999999?password=Tr0ub4dor&3-horse", headers=headers)
    # What an unexpected error could drag in: the header, a password pair, a token, in its message.
    try:
        raise RuntimeError(f"upstream refused Authorization: Bearer {token} (password=Tr0ub4dor&3-horse)")
    except RuntimeError:
        logging.getLogger("vigilance.test").exception("Failed with token=%s", token)

    written = json.dumps(log_lines())
    assert len(log_lines()) >= 5
    assert "Tr0ub4dor" not in written and token not in written
    assert "Bearer [redacted]" in written


def test_a_database_error_logs_no_value_of_the_failed_statement(engine, log_lines):
    # Refused (no region): SQLAlchemy's error names the statement and its values.
    insert = text("INSERT INTO establishments (finess, name) VALUES (:finess, :name)")
    patient = "Mme Jeanne Dupont, née le 3 mars 1956"
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"finess": "750000010", "name": patient})
    except IntegrityError:
        logging.getLogger("vigilance.test").exception("Insert failed")
    (line,) = log_lines()
    assert "IntegrityError" in line["exception"] and "[parameters: redacted]" in line["exception"]
    assert "Dupont" not in line["exception"]


def test_one_access_line_per_request_only_when_asked(app, client, log_lines, monkeypatch, tmp_path):
    client.get("/healthz")
    assert not [line for line in log_lines() if line["logger"] == "vigilance.access"]
    monkeypatch.setenv("VIGILANCE_ACCESS_LOG", "on")
    assert load_config(tmp_path)["ACCESS_LOG"] is True
    app.config["ACCESS_LOG"] = True
    client.get("/healthz")
    assert [line["path"] for line in log_lines() if line["logger"] == "vigilance.access"] == ["/healthz"]


def test_development_lines_are_readable_and_carry_the_request_id(app, client):
    app.config["ACCESS_LOG"] = True
    stream = io.StringIO()
    handler = logs.configure(log_format="text", stream=stream)
    try:
        client.get("/healthz", headers={"X-Request-Id": "dev-42"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert re.search(r"INFO \[dev-42\] vigilance.access: GET /healthz 200 [\d.]+ ms", stream.getvalue())


def test_the_worker_writes_json_lines_in_production(app, database_url):
    migrate.upgrade(app)
    environment = {
        **os.environ,
        "VIGILANCE_ENV": "production",
        "VIGILANCE_SECRET_KEY": secrets.token_urlsafe(48),
        "VIGILANCE_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "VIGILANCE_DATABASE_URL": database_url,
        "VIGILANCE_TICK_SECONDS": "0.3",
    }
    environment.pop("VIGILANCE_SMTP_URL", None)
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "vigilance"), "worker"],
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(worker.stderr.readline())
        assert first["logger"] == "vigilance.worker" and first["message"].startswith("Worker started")
        # "Worker started" is logged just before the scheduler starts; a SIGTERM in between is
        # lost (app/scheduler.py run_worker): let it start.
        time.sleep(1.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        rest = worker.communicate(timeout=30)[1]
    lines = [json.loads(line) for line in rest.splitlines()]
    assert lines[-1]["message"] == "Worker stopped" and {"time", "level", "process"} <= set(lines[-1])


# --- Metrics ----------------------------------------------------------------------------------


def scrape(client, **headers):
    return client.get("/metrics", headers=headers)


def sample(exposition: str, name: str, **labels) -> float | None:
    """The value of one series in a Prometheus text exposition."""
    for family in text_string_to_metric_families(exposition):
        for series in family.samples:
            if series.name == name and all(series.labels.get(k) == v for k, v in labels.items()):
                return series.value
    return None


def test_metrics_answer_a_token_or_an_allowed_network_and_nobody_else(app, client):
    assert scrape(client).status_code == 404  # nothing configured: nobody
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    assert scrape(client).status_code == 404
    assert scrape(client, Authorization="Bearer not-the-token").status_code == 404
    assert scrape(client, Authorization="Bearer s3cret-metrics-token").status_code == 200

    app.config["METRICS_NETWORKS"] = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.9"}).status_code == 404


def test_requests_are_counted_and_timed_per_endpoint_not_per_path(app, client, make_user, token_for):
    app.config["METRICS_TOKEN"] = "t"
    before = scrape(client, Authorization="Bearer t").get_data(as_text=True)
    headers = token_for(make_user("reporter"))
    for report_id in (101, 102, 103):
        client.get(f"/api/v1/reports/{report_id}", headers=headers)
    client.get("/wp-admin/setup.php")
    after = scrape(client, Authorization="Bearer t").get_data(as_text=True)

    endpoint = app.url_map.bind("localhost").match("/api/v1/reports/101")[0]
    counted = {"endpoint": endpoint, "method": "GET", "status": "404"}
    assert (
        sample(after, "vigilance_http_requests_total", **counted)
        - (sample(before, "vigilance_http_requests_total", **counted) or 0)
        == 3
    )
    assert sample(after, "vigilance_http_request_duration_seconds_count", endpoint=endpoint) >= 3
    assert sample(after, "vigilance_http_requests_total", endpoint="unmatched", status="404") >= 1
    assert "/api/v1/reports/101" not in after and "wp-admin" not in after


def test_a_method_a_client_makes_up_adds_no_series(app, client):
    app.config["METRICS_TOKEN"] = "t"
    for made_up in ("BREW", "PROPFIND", "X" * 40):
        client.open("/wp-admin/setup.php", method=made_up)
    after = scrape(client, Authorization="Bearer t").get_data(as_text=True)
    assert "BREW" not in after and "PROPFIND" not in after and "X" * 40 not in after
    assert sample(after, "vigilance_http_requests_total", endpoint="unmatched", method="OTHER") >= 3


def test_metrics_tell_the_outbox_backlog_the_due_timers_and_the_last_tick(app, engine, db, client, make_user):
    app.config["METRICS_TOKEN"] = "t"
    reporter = make_user("reporter")
    make_user("correspondent", vigilances=["haemovigilance"])
    weeks_ago = utcnow() - timedelta(days=21)
    intake.submit(
        db,
        actor=reporter,
        now=weeks_ago,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=weeks_ago - timedelta(hours=1),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    exposition = scrape(client, Authorization="Bearer t").get_data(as_text=True)
    assert sample(exposition, "vigilance_database_up") == 1
    assert sample(exposition, "vigilance_timers_due") >= 1
    pending = sample(exposition, "vigilance_outbox_backlog")

    started = time.time()
    scheduler.process_clocks(app)  # escalations and reminders go to the outbox
    scheduler.register_jobs(_RunNow(), app)  # each job, run once as the scheduler runs it
    exposition = scrape(client, Authorization="Bearer t").get_data(as_text=True)
    assert sample(exposition, "vigilance_timers_due") == 0
    assert sample(exposition, "vigilance_outbox_backlog") > pending
    for job in ("clocks", "outbox", "summaries"):
        assert sample(exposition, "vigilance_worker_last_tick_timestamp_seconds", job=job) >= started


class _RunNow:
    """Stands in for APScheduler's add_job: runs each job once, at once."""

    def add_job(self, function, *_args, **_kwargs):
        function()


def test_vigilance_run_on_another_port_links_its_emails_to_that_port(
    database_url, db, make_user, smtp_server, tmp_path
):
    """The bug this fixes: `make run PORT=5701` served on 5701 and every email linked to 5000."""
    reporter = make_user("reporter")
    weeks_ago = utcnow() - timedelta(days=21)
    intake.submit(
        db,
        actor=reporter,
        now=weeks_ago,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=weeks_ago - timedelta(hours=1),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    # Made after the filing, so that the first email is the run's own (a reminder or an escalation),
    # not an alert the filing owed them.
    make_user("correspondent", vigilances=["haemovigilance"], daily_digest=False)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGILANCE_")}
    environment.update(
        VIGILANCE_DATABASE_URL=database_url,
        VIGILANCE_SECRET_KEY="run-test",
        VIGILANCE_AUDIT_KEY=os.environ["VIGILANCE_AUDIT_KEY"],
        VIGILANCE_AUDIT_CHECKPOINT_DIR=str(tmp_path / "audit-checkpoints"),
        VIGILANCE_PASSWORD_HASH=os.environ["VIGILANCE_PASSWORD_HASH"],
        VIGILANCE_SMTP_URL=smtp_server.url,
        VIGILANCE_TICK_SECONDS="0.3",
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "vigilance"), "run", "--port", str(port), "--no-reload"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not smtp_server.inbox.messages:
            assert time.monotonic() < deadline and server.poll() is None, "no email from the embedded scheduler"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    _recipients, message = smtp_server.inbox.messages[0]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"http://127.0.0.1:{port}/" in body and ":5000/" not in body
    assert message["From"] == "vigilance@127.0.0.1"
