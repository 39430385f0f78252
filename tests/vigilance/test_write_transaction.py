"""One write transaction for every door: it ends the read in progress, commits, or rolls back."""

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app import create_app
from app.config import ConfigError
from vigilance.models import Establishment
from vigilance.storage.transaction import read_only, write_transaction


def test_a_write_after_a_read_goes_through_though_another_writer_came_in_between(engine):
    """On SQLite a read transaction that then writes fails ("database is locked") once another
    connection has committed since it began; the write transaction ends the read first."""
    with Session(engine) as session, Session(engine) as other:
        read_only(session).exec(text("SELECT count(*) FROM establishments")).all()
        with write_transaction(other):
            other.add(Establishment(finess="750000010", name="CHU A"))
        with write_transaction(session):
            session.add(Establishment(finess="750000002", name="CHU B"))
    with Session(engine) as session:
        assert session.exec(text("SELECT count(*) FROM establishments")).one()[0] == 2


def test_a_failing_block_writes_nothing_and_a_nested_one_is_refused(engine):
    with Session(engine) as session:
        with pytest.raises(ZeroDivisionError), write_transaction(session):
            session.add(Establishment(finess="750000010", name="CHU A"))
            session.flush()
            raise ZeroDivisionError
        with write_transaction(session):
            session.add(Establishment(finess="750000002", name="CHU B"))
            with pytest.raises(RuntimeError, match="already in a write transaction"), write_transaction(session):
                pass
    with write_transaction(engine) as session:  # given an engine: a session of its own, closed after
        assert session.exec(text("SELECT finess FROM establishments")).scalars().all() == ["750000002"]


@pytest.mark.parametrize("variable", ["VIGILANCE_SQLITE_WRITERS_LOCK", "VIGILANCE_DRIVER_CURSOR"])
def test_a_storage_switch_is_on_or_off_and_nothing_else(monkeypatch, tmp_path, variable):
    monkeypatch.setenv(variable, "sometimes")
    with pytest.raises(ConfigError, match=variable):
        create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SCHEDULER": "off"})
