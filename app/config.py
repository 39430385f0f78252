"""Configuration: committed defaults, then the environment (``VIGILANCE_*``), then a test mapping.

Every ``VIGILANCE_<NAME>`` variable becomes the setting ``<NAME>`` through Flask's prefixed
environment loading, so a new setting needs a default here and a check, never a table of names.
"""

import ipaddress
import secrets
import socket
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Config, Flask

from routing.calendar import REGIONS
from vigilance import passwords

#: ``VIGILANCE_DATABASE_URL`` is the setting ``DATABASE_URL``.
ENVIRONMENT_PREFIX = "VIGILANCE"
#: Where ``vigilance run`` serves unless told otherwise; links follow the address it serves on.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """The configuration is unusable; the service refuses to start rather than run wrong."""


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
        # Where people reach the service: the links in emails. Unset, `vigilance run` sets it to
        # the address it serves on (see follow_served_address).
        "BASE_URL": DEFAULT_BASE_URL,
        # The sender of every email; unset: vigilance@ and the host of BASE_URL (mail_sender).
        "MAIL_FROM": None,
        # Log lines: "json" (one object a line, for a log shipper) or "text" (for people);
        # unset: json in production, text elsewhere.
        "LOG_FORMAT": None,
        "LOG_LEVEL": "INFO",
        # One log line per request ("on"), as gunicorn's access log would: off by default, as
        # gunicorn's is, since the reverse proxy usually keeps that log; writing it costs about a
        # tenth of a small API call (POST /api/v1/classify: bench/README.md).
        "ACCESS_LOG": "off",
        # /metrics answers a bearer token equal to METRICS_TOKEN, or a caller whose address is in
        # one of the METRICS_NETWORKS (CIDR, comma-separated); anyone else gets a 404.
        "METRICS_TOKEN": None,
        "METRICS_NETWORKS": "",
        # How often the worker looks for due clocks and mail to send.
        "TICK_SECONDS": 2,
        # The hour (Europe/Paris) digests go out on working days, and the weekly and monthly
        # summaries on Mondays and on the first of the month.
        "DIGEST_HOUR": 7,
        # How new password hashes are made: "argon2id" (vigilance/passwords.py), or a werkzeug
        # method string; tests set a cheap one.
        "PASSWORD_HASH": passwords.STRONG_METHOD,
        # Page sessions: signed out after this many minutes without a request (a ward computer
        # left signed in), and after this many hours in all (about a working shift).
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 10,
        # Where the sign-in throttle counts attempts (app/sign_in_throttle.py): this process's
        # memory, or a Redis that every worker shares (redis://127.0.0.1:6379/0).
        "RATELIMIT_STORAGE_URL": "memory://",
        # How many reverse proxies (nginx) stand before the app and append the client's address
        # to X-Forwarded-For: the sign-in throttle counts by the address they saw. 0: none, the
        # header is ignored (anyone could write it).
        "TRUSTED_PROXIES": 0,
        # Each storage mechanism on (docs/architecture.md); "off" to measure it again.
        "SQLITE_WRITERS_LOCK": "on",
        "DRIVER_CURSOR": "on",
        "KEPT_STATUS_COUNTS": "on",
        # Days a report form's draft nobody touched is kept before the daily purge removes it.
        "DRAFT_RETENTION_DAYS": 30,
        # The key of the audit trail's MACs (vigilance.audit_keys), held outside the database:
        # required in production; in development generated once in the instance folder.
        "AUDIT_KEY": None,
        # Where the signed checkpoints of the audit chains' heads are written (daily, and by
        # `vigilance audit checkpoint`): outside the database, ideally on other storage.
        "AUDIT_CHECKPOINT_DIR": str(instance_path / "audit-checkpoints"),
        # Where attached files are kept (app.attachment_doors): a folder outside the web root;
        # unset, ``attachments`` in the app's instance folder.
        "ATTACHMENTS_DIR": None,
        # The largest attached file, in bytes (10 MiB): larger ones are refused with 413.
        "ATTACHMENTS_MAX_BYTES": 10 * 1024 * 1024,
        # Single sign-on with OpenID Connect (app/single_sign_on.py, docs/deployment.md): the
        # issuer's URL (its /.well-known/openid-configuration is read); unset, none.
        "OIDC_ISSUER": None,
        "OIDC_CLIENT_ID": None,
        "OIDC_CLIENT_SECRET": None,
        "OIDC_SCOPES": "openid email profile",
        # The button's words: "Pro Santé Connect", the hospital's directory...
        "OIDC_LABEL": None,
        # Which claims carry the email address, the name, the RPPS number and the establishment's
        # FINESS number (a claim's name, or a path: SubjectRefPro.exercices.0.activities.0.x).
        "OIDC_EMAIL_CLAIM": "email",
        "OIDC_NAME_CLAIM": "name",
        "OIDC_RPPS_CLAIM": None,
        "OIDC_ESTABLISHMENT_CLAIM": None,
        # A first sign-in: "approval" (an administrator approves it) or "rules" (OIDC_RULES).
        "OIDC_PROVISIONING": "approval",
        "OIDC_RULES": None,
        # Link a first sign-in to the account of the same address: "off"; "verified" when the
        # provider says it verified the address (email_verified); "trusted" whatever it says (a
        # hospital's own directory, which assigns the addresses: AD FS and Entra ID say nothing).
        "OIDC_LINK_BY_EMAIL": "off",
        # Sent as acr_values with the authorization request when set (Pro Santé Connect: eidas1).
        "OIDC_ACR_VALUES": None,
        # Seconds of clock difference allowed with the issuer when checking an ID token's times.
        "OIDC_CLOCK_LEEWAY_SECONDS": 60,
        # Password sign-in: "on", "off" (single sign-on only), or "admins" (administrators only:
        # the break-glass way in when the provider is down).
        "PASSWORD_SIGN_IN": "on",
    }
    environment = _from_environment(instance_path)
    config.update(environment)
    config.update(overrides or {})
    # Chosen by someone: `vigilance run` then leaves it alone whatever port it serves on.
    config["BASE_URL_CHOSEN"] = "BASE_URL" in environment or "BASE_URL" in (overrides or {})
    _check(config, instance_path)
    return config


def _from_environment(instance_path: Path) -> dict[str, Any]:
    """The ``VIGILANCE_*`` variables, read by Flask's prefixed loading, as text.

    Each stays the text it was (``loads=str``): every setting is parsed by its own check below,
    so a secret or token that looks like JSON (``1e3``, ``"quoted"``) is never turned into
    another value. An empty variable means unset, as a line ``VIGILANCE_SMTP_URL=`` in `.env`.
    """
    environment = Config(str(instance_path))
    environment.from_prefixed_env(ENVIRONMENT_PREFIX, loads=str)
    return {key: value for key, value in environment.items() if value != ""}


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
        config["JSON_MAX_BYTES"] = int(config["JSON_MAX_BYTES"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_JSON_MAX_BYTES must be a number of bytes") from exc
    try:
        config["TICK_SECONDS"] = float(config["TICK_SECONDS"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_TICK_SECONDS must be a number of seconds") from exc
    try:
        config["DRAFT_RETENTION_DAYS"] = int(config["DRAFT_RETENTION_DAYS"])
        if config["DRAFT_RETENTION_DAYS"] < 1:
            raise ValueError
    except ValueError as exc:
        raise ConfigError("VIGILANCE_DRAFT_RETENTION_DAYS must be a number of days (1 or more)") from exc
    try:
        config["DIGEST_HOUR"] = int(config["DIGEST_HOUR"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_DIGEST_HOUR must be an hour from 0 to 23") from exc
    if not 0 <= config["DIGEST_HOUR"] <= 23:
        raise ConfigError("VIGILANCE_DIGEST_HOUR must be an hour from 0 to 23")
    config["SESSION_IDLE_MINUTES"] = _positive_number(config, "SESSION_IDLE_MINUTES", "minutes", most=24 * 60)
    config["SESSION_MAX_HOURS"] = _positive_number(config, "SESSION_MAX_HOURS", "hours", most=7 * 24)
    if config["SESSION_IDLE_MINUTES"] > config["SESSION_MAX_HOURS"] * 60:
        raise ConfigError("VIGILANCE_SESSION_IDLE_MINUTES must not be longer than VIGILANCE_SESSION_MAX_HOURS")
    try:
        config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"])
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_TRUSTED_PROXIES must be a number of proxies (0, 1, 2...)") from exc
    if not 0 <= config["TRUSTED_PROXIES"] <= 5:
        raise ConfigError("VIGILANCE_TRUSTED_PROXIES must be a number of proxies from 0 to 5")
    if urlsplit(str(config["RATELIMIT_STORAGE_URL"])).scheme not in ("memory", "redis", "rediss", "redis+unix"):
        raise ConfigError("VIGILANCE_RATELIMIT_STORAGE_URL must be memory:// or a Redis URL (redis://host:6379/0)")
    if config["ENV"] == "production" and config["PASSWORD_HASH"] == passwords.CHEAP_METHOD:
        raise ConfigError("VIGILANCE_PASSWORD_HASH: the cheap test method is refused in production")
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    if not urlsplit(config["BASE_URL"]).hostname or urlsplit(config["BASE_URL"]).scheme not in ("http", "https"):
        raise ConfigError("VIGILANCE_BASE_URL must be an http:// or https:// address with a host")
    if config["MAIL_FROM"] is not None:
        address = parseaddr(str(config["MAIL_FROM"]))[1]
        if "@" not in address or any(c in str(config["MAIL_FROM"]) for c in "\r\n"):
            raise ConfigError("VIGILANCE_MAIL_FROM must be an email address (vigilance@example.org)")
    if config["LOG_FORMAT"] not in (None, "json", "text"):
        raise ConfigError("VIGILANCE_LOG_FORMAT must be 'json' or 'text'")
    if str(config["ACCESS_LOG"]).lower() not in ("on", "off"):
        raise ConfigError("VIGILANCE_ACCESS_LOG must be 'on' or 'off'")
    config["ACCESS_LOG"] = str(config["ACCESS_LOG"]).lower() == "on"
    config["LOG_LEVEL"] = str(config["LOG_LEVEL"]).upper()
    if config["LOG_LEVEL"] not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError("VIGILANCE_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    try:
        config["METRICS_NETWORKS"] = _networks(config["METRICS_NETWORKS"])
    except ValueError as exc:
        raise ConfigError(f"VIGILANCE_METRICS_NETWORKS: {exc}") from exc
    url = config["DATABASE_URL"]
    if url.startswith(("postgresql://", "postgres://")):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare scheme would look for psycopg2.
        config["DATABASE_URL"] = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not config["SECRET_KEY"]:
        if config["ENV"] == "production":
            raise ConfigError("VIGILANCE_SECRET_KEY is required in production")
        config["SECRET_KEY"] = _development_secret(instance_path)
    if config["ENV"] == "production":
        from app.start_checks import refuse_weak_secret_key  # it imports this module's ConfigError

        refuse_weak_secret_key(str(config["SECRET_KEY"]))
    _check_audit_key(config, instance_path)
    _check_attachments(config)
    _check_single_sign_on(config)


def _check_single_sign_on(config: dict[str, Any]) -> None:
    from vigilance import single_sign_on

    config["PASSWORD_SIGN_IN"] = str(config["PASSWORD_SIGN_IN"]).lower()
    if config["PASSWORD_SIGN_IN"] not in ("on", "off", "admins"):
        raise ConfigError("VIGILANCE_PASSWORD_SIGN_IN must be 'on', 'off' or 'admins'")
    issuer = config["OIDC_ISSUER"]
    if not issuer:
        config["OIDC_ISSUER"] = None
        if config["PASSWORD_SIGN_IN"] != "on":
            raise ConfigError("VIGILANCE_PASSWORD_SIGN_IN can be turned off only with VIGILANCE_OIDC_ISSUER set")
        return
    issuer = str(issuer).rstrip("/")
    parts = urlsplit(issuer)
    if not parts.hostname or parts.scheme not in ("http", "https") or parts.query or parts.fragment:
        raise ConfigError("VIGILANCE_OIDC_ISSUER must be an https:// address (the issuer, without query)")
    if config["ENV"] == "production" and parts.scheme != "https":
        raise ConfigError("VIGILANCE_OIDC_ISSUER must be an https:// address in production")
    config["OIDC_ISSUER"] = issuer
    if not config["OIDC_CLIENT_ID"]:
        raise ConfigError("VIGILANCE_OIDC_CLIENT_ID is required with VIGILANCE_OIDC_ISSUER")
    if "openid" not in str(config["OIDC_SCOPES"]).split():
        raise ConfigError("VIGILANCE_OIDC_SCOPES must include openid")
    if config["OIDC_PROVISIONING"] not in single_sign_on.MODES:
        raise ConfigError("VIGILANCE_OIDC_PROVISIONING must be 'approval' or 'rules'")
    try:
        rules = single_sign_on.parse_rules(config["OIDC_RULES"])
    except ValueError as exc:
        raise ConfigError(f"VIGILANCE_OIDC_RULES: {exc}") from exc
    if config["OIDC_PROVISIONING"] == single_sign_on.RULES and not (rules and config["OIDC_ESTABLISHMENT_CLAIM"]):
        raise ConfigError(
            "VIGILANCE_OIDC_PROVISIONING=rules needs VIGILANCE_OIDC_RULES and VIGILANCE_OIDC_ESTABLISHMENT_CLAIM"
        )
    link_by_email = str(config["OIDC_LINK_BY_EMAIL"]).lower()
    if link_by_email not in single_sign_on.EMAIL_LINKING:
        raise ConfigError("VIGILANCE_OIDC_LINK_BY_EMAIL must be 'off', 'verified' or 'trusted'")
    config["OIDC_PROVISIONING_RULES"] = single_sign_on.Provisioning(
        mode=config["OIDC_PROVISIONING"], rules=rules, link_by_email=link_by_email
    )
    config["OIDC_CLAIM_NAMES"] = single_sign_on.ClaimNames(
        email=config["OIDC_EMAIL_CLAIM"],
        name=config["OIDC_NAME_CLAIM"],
        rpps=config["OIDC_RPPS_CLAIM"] or None,
        establishment=config["OIDC_ESTABLISHMENT_CLAIM"] or None,
    )
    try:
        config["OIDC_CLOCK_LEEWAY_SECONDS"] = int(config["OIDC_CLOCK_LEEWAY_SECONDS"])
        if not 0 <= config["OIDC_CLOCK_LEEWAY_SECONDS"] <= 300:
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_OIDC_CLOCK_LEEWAY_SECONDS must be a number of seconds from 0 to 300") from exc


def _check_attachments(config: dict[str, Any]) -> None:
    try:
        config["ATTACHMENTS_MAX_BYTES"] = int(config["ATTACHMENTS_MAX_BYTES"])
        if config["ATTACHMENTS_MAX_BYTES"] < 1:
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ConfigError("VIGILANCE_ATTACHMENTS_MAX_BYTES must be a number of bytes (1 or more)") from exc
    folder = config["ATTACHMENTS_DIR"]
    if folder:
        from app import PROJECT_ROOT

        resolved = Path(folder).resolve()
        if resolved.is_relative_to((PROJECT_ROOT / "static").resolve()):
            # Whatever is under static/ is served to anyone, without a check or an audit.
            raise ConfigError("VIGILANCE_ATTACHMENTS_DIR must be outside the web root (static/)")
        config["ATTACHMENTS_DIR"] = str(resolved)


#: The shortest audit key production accepts (``secrets.token_urlsafe(48)`` gives 64 characters).
MIN_AUDIT_KEY_LENGTH = 32


def _check_audit_key(config: dict[str, Any], instance_path: Path) -> None:
    """The audit key: required and strong in production, generated once in development."""
    key = config["AUDIT_KEY"]
    if not key:
        if config["ENV"] == "production":
            raise ConfigError(
                "VIGILANCE_AUDIT_KEY is required in production: a secret of at least "
                f"{MIN_AUDIT_KEY_LENGTH} characters kept outside the database "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        config["AUDIT_KEY"] = _development_secret(instance_path, "audit_key")
        return
    key = str(key)
    if config["ENV"] == "production":
        from app.start_checks import refuse_weak_secret_key  # it imports this module's ConfigError

        refuse_weak_secret_key(key, "VIGILANCE_AUDIT_KEY")
        if key == config["SECRET_KEY"]:
            raise ConfigError("VIGILANCE_AUDIT_KEY must differ from VIGILANCE_SECRET_KEY")
    config["AUDIT_KEY"] = key


def _positive_number(config: dict[str, Any], name: str, unit: str, *, most: float) -> float:
    """The setting *name* as a number of *unit* above 0 and at most *most*, or :class:`ConfigError`."""
    try:
        value = float(config[name])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"VIGILANCE_{name} must be a number of {unit}") from exc
    if not 0 < value <= most:
        raise ConfigError(f"VIGILANCE_{name} must be more than 0 and at most {most:g} {unit}")
    return value


def _networks(value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"10.0.0.0/8, 127.0.0.1"`` (or a list of them) as networks."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    return tuple(ipaddress.ip_network(str(part).strip(), strict=False) for part in parts if str(part).strip())


def mail_sender(config: Mapping[str, Any]) -> str:
    """The sender of every email: ``MAIL_FROM``, or ``vigilance@`` and the host of ``BASE_URL``."""
    return config.get("MAIL_FROM") or f"vigilance@{urlsplit(config['BASE_URL']).hostname}"


def follow_served_address(app: Flask, host: str, port: int) -> None:
    """Point the links at the address ``vigilance run`` serves on, unless ``BASE_URL`` was chosen.

    So ``make run PORT=5701`` (or ``vigilance run --port 5701``) links to port 5701, not 5000.
    """
    if app.config["BASE_URL_CHOSEN"]:
        return
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()  # every interface: the machine's name is the best guess
    elif ":" in host:
        host = f"[{host}]"
    app.config["BASE_URL"] = f"http://{host}:{port}"


def _development_secret(instance_path: Path, name: str = "secret_key") -> str:
    """A key generated once and kept in the instance folder, so sessions (and the audit trail's
    MACs) survive restarts."""
    path = instance_path / name
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
