"""Operations: settings from the environment, the sender and links of emails, health, request
ids, log lines and metrics, as an operator running the service sees them."""

import os
import subprocess

import pytest

from app import PROJECT_ROOT, create_app, scheduler
from app.config import ConfigError, follow_served_address, load_config, mail_sender
from vigilance import outbox
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
    app = create_app({"ENV": "testing", "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/v.db"})
    follow_served_address(app, "127.0.0.1", 5701)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5701"
    assert mail_sender(app.config) == "vigilance@127.0.0.1"

    clean_environment.setenv("VIGILANCE_BASE_URL", "https://vigilance.chu.example")
    chosen = create_app({"ENV": "testing", "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/v.db"})
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
