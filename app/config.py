"""Configuration: committed defaults, then the environment (``VIGILANCE_*``), then a test mapping."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.calendar import REGIONS
from vigilance import passwords


class ConfigError(RuntimeError):
    """The configuration is unusable; the service refuses to start rather than run wrong."""


_ENVIRONMENT = {
    "VIGILANCE_DATABASE_URL": "DATABASE_URL",
    "VIGILANCE_SECRET_KEY": "SECRET_KEY",
    "VIGILANCE_SMTP_URL": "SMTP_URL",
    "VIGILANCE_SCHEDULER": "SCHEDULER",
    "VIGILANCE_TIMEZONE": "TIMEZONE",
    "VIGILANCE_ENV": "ENV",
    "VIGILANCE_DEFAULT_REGION": "DEFAULT_REGION",
    "VIGILANCE_BASE_URL": "BASE_URL",
    "VIGILANCE_TICK_SECONDS": "TICK_SECONDS",
    "VIGILANCE_DIGEST_HOUR": "DIGEST_HOUR",
    "VIGILANCE_PASSWORD_HASH": "PASSWORD_HASH",
    # The storage mechanisms' switches, to measure each again (vigilance/storage/settings.py).
    "VIGILANCE_SQLITE_WRITERS_LOCK": "SQLITE_WRITERS_LOCK",
    "VIGILANCE_DRIVER_CURSOR": "DRIVER_CURSOR",
    "VIGILANCE_KEPT_STATUS_COUNTS": "KEPT_STATUS_COUNTS",
}


def load_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration from defaults, the environment and *overrides*, and check it."""
    config: dict[str, Any] = {
        "ENV": "development",
        "DATABASE_URL": f"sqlite:///{instance_path / 'vigilance.db'}",
        "SECRET_KEY": None,
        "SMTP_URL": None,
        # Read by `vigilance run` only: the single-process default runs the clocks in the web
        # process. A WSGI server's workers never start one (`vigilance worker` does the work).
        "SCHEDULER": "embedded",
        "TIMEZONE": "Europe/Paris",
        "DEFAULT_REGION": "metropole",
        "JSON_MAX_BYTES": 256 * 1024,
        # Where people reach the service: the links in emails.
        "BASE_URL": "http://127.0.0.1:5000",
        # How often the worker looks for due clocks and mail to send.
        "TICK_SECONDS": 2,
        # The hour (Europe/Paris) digests go out on working days, and the weekly and monthly
        # summaries on Mondays and on the first of the month.
        "DIGEST_HOUR": 7,
        # werkzeug's method string for new password hashes; tests set a cheap one.
        "PASSWORD_HASH": passwords.STRONG_METHOD,
        # Each storage mechanism on (docs/architecture.md); "off" to measure it again.
        "SQLITE_WRITERS_LOCK": "on",
        "DRIVER_CURSOR": "on",
        "KEPT_STATUS_COUNTS": "on",
    }
    for variable, key in _ENVIRONMENT.items():
        if os.environ.get(variable):
            config[key] = os.environ[variable]
    config.update(overrides or {})
    _check(config, instance_path)
    return config


def _check(config: dict[str, Any], instance_path: Path) -> None:
    if config["ENV"] not in ("development", "production", "testing"):
        raise ConfigError("VIGILANCE_ENV must be development, production or testing")
    if config["SCHEDULER"] not in ("embedded", "off"):
        raise ConfigError("VIGILANCE_SCHEDULER must be 'embedded' or 'off'")
    try:
        config["TZINFO"] = ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"VIGILANCE_TIMEZONE: unknown zone {config['TIMEZONE']!r}") from exc
    if config["DEFAULT_REGION"] not in REGIONS:
        raise ConfigError(f"VIGILANCE_DEFAULT_REGION must be one of {sorted(REGIONS)}")
    try:
        config["TICK_SECONDS"] = float(config["TICK_SECONDS"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_TICK_SECONDS must be a number of seconds") from exc
    try:
        config["DIGEST_HOUR"] = int(config["DIGEST_HOUR"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_DIGEST_HOUR must be an hour from 0 to 23") from exc
    if not 0 <= config["DIGEST_HOUR"] <= 23:
        raise ConfigError("VIGILANCE_DIGEST_HOUR must be an hour from 0 to 23")
    if config["ENV"] == "production" and config["PASSWORD_HASH"] == passwords.CHEAP_METHOD:
        raise ConfigError("VIGILANCE_PASSWORD_HASH: the cheap test method is refused in production")
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    url = config["DATABASE_URL"]
    if url.startswith(("postgresql://", "postgres://")):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare scheme would look for psycopg2.
        config["DATABASE_URL"] = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not config["SECRET_KEY"]:
        if config["ENV"] == "production":
            raise ConfigError("VIGILANCE_SECRET_KEY is required in production")
        config["SECRET_KEY"] = _development_secret(instance_path)


def _development_secret(instance_path: Path) -> str:
    """A key generated once and kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Exclusive creation: two processes starting together must agree on one key.
    try:
        with open(path, "x") as handle:
            handle.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return key
