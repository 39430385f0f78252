"""Production refuses to start with a guessable secret key or with demo accounts that can sign in,
saying which setting or what is wrong: real ``vigilance run`` and gunicorn processes."""

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import select

from app import PROJECT_ROOT, create_app
from app.config import ConfigError, load_config
from app.start_checks import secret_key_weakness
from tests.ports import free_port
from vigilance import demo
from vigilance.clock import utcnow
from vigilance.models import User

BIN = Path(sys.executable).parent
WEAK_KEYS = {
    "x": "1 characters",
    "0123456789abcdef0123456": "23 characters",
    "change-me-to-the-output-of-python3-secrets-token-urlsafe-48": "published example",
    "CHANGEME-please-CHANGEME-please-CHANGEME": "published example",
    demo.DEMO_PASSWORD: "published example",
    "a" * 64: "easy to guess",
    "0123456789abcdef" * 4: "easy to guess",
    "correcthorsebatterystaplecorrecthorsebatterystaple": "easy to guess",
    "vigilance-vigilance-vigilance-vigilance": "easy to guess",
}


def production_environment(database_url: str, secret_key: str) -> dict[str, str]:
    """The environment of a production process, without the test suite's own settings."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIGILANCE_", "PROMETHEUS_", "GUNICORN_"))}
    environment.update(
        VIGILANCE_ENV="production",
        VIGILANCE_SECRET_KEY=secret_key,
        # Another start check requires it in production; harmless where it is not read yet.
        VIGILANCE_AUDIT_KEY=secrets.token_urlsafe(48),
        VIGILANCE_DATABASE_URL=database_url,
        VIGILANCE_PASSWORD_HASH="pbkdf2:sha256:1000",
        VIGILANCE_SCHEDULER="off",
    )
    return environment


def refused(command: list[str], environment: dict[str, str]) -> str:
    """Run *command*, which must end by itself with a non-zero status; what it wrote."""
    finished = subprocess.run(command, env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0, finished.stdout + finished.stderr
    return finished.stdout + finished.stderr


@pytest.mark.parametrize(("key", "reason"), WEAK_KEYS.items())
def test_production_refuses_a_weak_secret_key_naming_the_setting(monkeypatch, tmp_path, key, reason):
    monkeypatch.setenv("VIGILANCE_ENV", "production")
    monkeypatch.setenv("VIGILANCE_SECRET_KEY", key)
    monkeypatch.setenv("VIGILANCE_PASSWORD_HASH", "scrypt")
    with pytest.raises(ConfigError, match=f"VIGILANCE_SECRET_KEY is too weak for production: .*{reason}"):
        load_config(tmp_path)


def test_random_keys_are_accepted_and_development_is_not_checked(monkeypatch, tmp_path):
    for key in (secrets.token_urlsafe(32), secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_urlsafe(80)):
        assert secret_key_weakness(key) is None, key
    monkeypatch.setenv("VIGILANCE_SECRET_KEY", "x")
    assert load_config(tmp_path)["SECRET_KEY"] == "x"


def test_vigilance_run_and_gunicorn_refuse_a_weak_key(database_url):
    environment = production_environment(database_url, "short-key")
    port = str(free_port())
    for command in (
        [str(BIN / "vigilance"), "run", "--port", port],
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:create_app()"],
    ):
        output = refused(command, environment)
        assert "VIGILANCE_SECRET_KEY is too weak for production" in output, command
    # The command says it as a setting to correct, not as a bug.
    assert refused([str(BIN / "vigilance"), "db", "upgrade"], environment).startswith(
        "Error: VIGILANCE_SECRET_KEY is too weak"
    )


def test_serving_refuses_demo_accounts_until_they_are_disabled(db, database_url, tmp_path):
    demo.load(db, now=utcnow(), reports=0)
    db.commit()
    environment = production_environment(database_url, secrets.token_urlsafe(48))
    port = free_port()
    gunicorn = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:create_app()"]
    for command in (gunicorn, [str(BIN / "vigilance"), "run", "--port", str(port)]):
        output = refused(command, environment)
        assert "Demo accounts can sign in to this production database" in output, command
        assert "admin@demo.vigilance.fr" in output and "vigilance users disable" in output

    # The other commands still work on that database: the way to put it right.
    disabled = subprocess.run(
        [str(BIN / "vigilance"), "users", "disable", "admin@demo.vigilance.fr"],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert disabled.returncode == 0, disabled.stderr
    assert "admin@demo.vigilance.fr" not in refused(gunicorn, environment)
    for user in db.exec(select(User).where(User.email.in_([a.email for a in demo.ACCOUNTS]))):
        user.is_active = False
        db.add(user)
    db.commit()

    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:  # the server writes to its own copy of the descriptor
        server = subprocess.Popen(gunicorn, env=environment, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    assert answer.status == 200
                    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn never answered"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_production_app_whose_database_does_not_answer_still_starts(tmp_path, caplog):
    """As before the check: /healthz answers, /readyz says what is wrong; no crash loop."""
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "PASSWORD_HASH": "scrypt",
            "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/folder/vigilance.db",
        }
    )
    assert "demo accounts not checked" in caplog.text
    assert app.test_client().get("/healthz").status_code == 200
    assert app.test_client().get("/readyz").status_code == 503
