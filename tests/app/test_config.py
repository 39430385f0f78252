"""The service reads its settings from the environment and refuses to start on an unusable one."""

import secrets
import stat

import pytest

from app.config import ConfigError, load_config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "VIGILANCE_DATABASE_URL",
        "VIGILANCE_SECRET_KEY",
        "VIGILANCE_ENV",
        "VIGILANCE_DIGEST_HOUR",
        "VIGILANCE_TICK_SECONDS",
        "VIGILANCE_TIMEZONE",
        "VIGILANCE_SCHEDULER",
        "VIGILANCE_DEFAULT_REGION",
        "VIGILANCE_BASE_URL",
        "VIGILANCE_SMTP_URL",
        "VIGILANCE_PASSWORD_HASH",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_environment_sets_the_digest_hour_tick_and_database(monkeypatch, tmp_path):
    monkeypatch.setenv("VIGILANCE_DIGEST_HOUR", "6")
    monkeypatch.setenv("VIGILANCE_TICK_SECONDS", "0.5")
    monkeypatch.setenv("VIGILANCE_DATABASE_URL", "postgresql://vigilance@db.example/vigilance")
    monkeypatch.setenv("VIGILANCE_BASE_URL", "https://vigilance.example/")

    config = load_config(tmp_path)

    assert config["DIGEST_HOUR"] == 6 and config["TICK_SECONDS"] == 0.5
    # psycopg 3 is the driver shipped; a bare postgresql:// would make SQLAlchemy look for psycopg2.
    assert config["DATABASE_URL"] == "postgresql+psycopg://vigilance@db.example/vigilance"
    assert config["BASE_URL"] == "https://vigilance.example"


@pytest.mark.parametrize("value", ["24", "-1", "seven", "7.5"])
def test_a_digest_hour_that_is_not_an_hour_is_refused_by_name(monkeypatch, tmp_path, value):
    monkeypatch.setenv("VIGILANCE_DIGEST_HOUR", value)
    with pytest.raises(ConfigError, match="VIGILANCE_DIGEST_HOUR must be an hour from 0 to 23"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VIGILANCE_TICK_SECONDS", "often", "VIGILANCE_TICK_SECONDS must be a number of seconds"),
        ("VIGILANCE_TIMEZONE", "Europe/Lutece", "VIGILANCE_TIMEZONE: unknown zone 'Europe/Lutece'"),
        ("VIGILANCE_SCHEDULER", "threads", "VIGILANCE_SCHEDULER must be 'embedded' or 'off'"),
        ("VIGILANCE_ENV", "staging", "VIGILANCE_ENV must be development, production or testing"),
        ("VIGILANCE_DEFAULT_REGION", "atlantide", "VIGILANCE_DEFAULT_REGION must be one of"),
        ("VIGILANCE_DRAFT_RETENTION_DAYS", "a month", "VIGILANCE_DRAFT_RETENTION_DAYS must be a number of days"),
        ("VIGILANCE_DRAFT_RETENTION_DAYS", "0", "VIGILANCE_DRAFT_RETENTION_DAYS must be a number of days"),
    ],
)
def test_each_unusable_setting_is_refused_by_name(monkeypatch, tmp_path, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_production_needs_a_secret_key_from_outside(monkeypatch, tmp_path):
    monkeypatch.setenv("VIGILANCE_ENV", "production")
    with pytest.raises(ConfigError, match="VIGILANCE_SECRET_KEY is required in production"):
        load_config(tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_development_keeps_one_generated_key_readable_by_its_owner_only(tmp_path):
    first = load_config(tmp_path)["SECRET_KEY"]
    again = load_config(tmp_path)["SECRET_KEY"]

    assert first == again and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_passwords_are_hashed_with_argon2id_unless_configured_otherwise(tmp_path):
    from vigilance import passwords

    assert load_config(tmp_path)["PASSWORD_HASH"] == "argon2id"
    try:
        passwords.use_method(load_config(tmp_path)["PASSWORD_HASH"])
        assert passwords.hash_password("correct horse battery").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    finally:
        passwords.use_method(passwords.CHEAP_METHOD)


def test_production_refuses_the_cheap_test_hashing(monkeypatch, tmp_path):
    monkeypatch.setenv("VIGILANCE_ENV", "production")
    monkeypatch.setenv("VIGILANCE_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("VIGILANCE_PASSWORD_HASH", "pbkdf2:sha256:1")
    with pytest.raises(ConfigError, match="VIGILANCE_PASSWORD_HASH"):
        load_config(tmp_path)


def test_drafts_are_kept_30_days_unless_the_environment_says_otherwise(monkeypatch, tmp_path):
    assert load_config(tmp_path)["DRAFT_RETENTION_DAYS"] == 30
    monkeypatch.setenv("VIGILANCE_DRAFT_RETENTION_DAYS", "7")
    assert load_config(tmp_path)["DRAFT_RETENTION_DAYS"] == 7
