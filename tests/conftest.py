"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL when asked)."""

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app

POSTGRES_URL = os.environ.get("VIGILANCE_TEST_DATABASE_URL")
ACCEPTANCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "acceptance"


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database for one test: a SQLite file, or a new PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'vigilance.db'}"
        return
    base = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"vigilance_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SCHEDULER": "off",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["vigilance.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
