"""One world per module: a database, an app and every role's credentials, seeded once (the
probes only read it, or act on cases of their own)."""

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from app import create_app
from tests.access.world import World
from tests.conftest import POSTGRES_URL, fresh_database
from vigilance.models import metadata


@pytest.fixture(scope="module")
def module_database_url(tmp_path_factory):
    """A fresh database for the module: a SQLite file, or a new PostgreSQL database."""
    with fresh_database(tmp_path_factory.mktemp("access"), "vigilance_access") as url:
        yield url


@pytest.fixture(scope="module")
def world(module_database_url, tmp_path_factory):
    app = create_app(
        {"ENV": "testing", "DATABASE_URL": module_database_url, "SECRET_KEY": "test-secret-key", "SCHEDULER": "off"}
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    engine = app.extensions["vigilance.db"]
    metadata.create_all(engine)
    # On SQLite the test's own reads use deferred transactions (see tests/conftest.py's ``db``).
    own = create_engine(module_database_url, connect_args={"timeout": 30}) if POSTGRES_URL is None else engine
    with Session(own, expire_on_commit=False) as db:
        yield World(app, db)
    if own is not engine:
        own.dispose()
    engine.dispose()
