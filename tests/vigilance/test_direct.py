"""Statements run on the driver's cursor store and read what SQLAlchemy would, on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    exc,
    select,
    text,
)

from vigilance.models.types import UTCDateTime
from vigilance.storage.driver_cursor import DirectStatement

METADATA = MetaData()
NOTES = Table(
    "direct_notes",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("label", String(20), nullable=False, unique=True),
    Column("source", String(20), nullable=False, default="form"),
    Column("stamped", String(40), nullable=True, default=lambda: "computed in Python"),
)

INSERT = DirectStatement(NOTES.insert().returning(NOTES.c.id))
INSERT_MANY = DirectStatement(NOTES.insert())
BY_LABEL = DirectStatement(
    select(NOTES.c.id, NOTES.c.at, NOTES.c.payload, NOTES.c.urgent, NOTES.c.source).where(
        NOTES.c.label == bindparam("label")
    )
)
PARIS_WINTER = timezone(timedelta(hours=1))


@pytest.fixture
def notes(engine):
    METADATA.create_all(engine)
    yield engine
    METADATA.drop_all(engine)


def note(label: str, **changes):
    return {
        "at": datetime(2026, 11, 20, 14, 30, tzinfo=PARIS_WINTER),
        "payload": {"fr": "é", "n": [1, 2]},
        "urgent": True,
        "label": label,
        "stamped": None,
        **changes,
    }


def test_values_go_in_and_come_out_as_sqlalchemy_converts_them(notes):
    with notes.begin() as connection:
        new_id = INSERT.first_value(connection, note("a"))
        INSERT_MANY.many(connection, [note("b", urgent=False), note("c", payload=[])])

    with notes.connect() as connection:
        # Read back by SQLAlchemy itself: the same instant in UTC, JSON and booleans as given,
        # and the column's scalar default where no value was given.
        stored = connection.execute(select(NOTES).order_by(NOTES.c.label)).all()
        assert [row.label for row in stored] == ["a", "b", "c"]
        assert stored[0].id == new_id
        assert stored[0].at == datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
        assert stored[0].payload == {"fr": "é", "n": [1, 2]} and stored[2].payload == []
        assert [row.urgent for row in stored] == [True, False, True]
        assert {row.source for row in stored} == {"form"}

        # And read directly: the same values, converted by the columns' types.
        assert BY_LABEL.rows(connection, {"label": "a"}) == [
            (new_id, datetime(2026, 11, 20, 13, 30, tzinfo=UTC), {"fr": "é", "n": [1, 2]}, True, "form")
        ]
        assert BY_LABEL.rows(connection, {"label": "nobody"}) == []
        assert BY_LABEL.first_value(connection, {"label": "nobody"}) is None


def test_a_refused_write_is_sqlalchemys_error_and_the_transaction_rolls_back(notes):
    with notes.connect() as connection:
        transaction = connection.begin()
        INSERT.first_value(connection, note("twice"))
        with pytest.raises(exc.IntegrityError):
            INSERT.first_value(connection, note("twice"))
        transaction.rollback()
        assert not connection.invalidated
        # The connection goes on: nothing of the rolled-back transaction is left.
        with connection.begin():
            assert connection.execute(select(NOTES.c.id)).all() == []
            INSERT.first_value(connection, note("again"))
        assert connection.execute(select(NOTES.c.label)).scalars().all() == ["again"]


def test_a_naive_time_is_refused_by_the_column_type_as_sqlalchemy_would(notes):
    with notes.begin() as connection, pytest.raises(ValueError, match="naive"):
        INSERT.first_value(connection, note("naive", at=datetime(2026, 11, 20, 14, 30)))


def test_a_default_computed_in_python_must_be_given(notes):
    without_stamp = note("x")
    del without_stamp["stamped"]
    with notes.begin() as connection, pytest.raises(ValueError, match="column stamped"):
        INSERT.first_value(connection, without_stamp)


def test_a_lost_postgresql_connection_is_invalidated_and_the_pool_reconnects(notes, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a server that ends a session: PostgreSQL")
    with notes.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        connection.commit()
        killer = create_engine(notes.url, isolation_level="AUTOCOMMIT")
        with killer.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        killer.dispose()
        with pytest.raises(exc.DBAPIError) as raised:
            BY_LABEL.rows(connection, {"label": "a"})
        assert raised.value.connection_invalidated
    with notes.connect() as connection:
        assert BY_LABEL.rows(connection, {"label": "a"}) == []
