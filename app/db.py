"""The database in the web app: one engine per app (``vigilance.storage.engine``), one session
per request. Transactions go through ``vigilance.storage.transaction``: the request's session
reads, and writes only inside ``write_transaction``."""

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import ConfigError
from vigilance.storage.engine import make_engine
from vigilance.storage.settings import StorageSettings
from vigilance.storage.transaction import reading_by_default

_EXTENSION = "vigilance.db"
_READING = "vigilance.db.reading"


def init_app(app: Flask) -> None:
    try:
        settings = StorageSettings.from_config(app.config)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    engine = make_engine(app.config["DATABASE_URL"], settings)
    app.extensions[_EXTENSION] = engine
    app.extensions[_READING] = reading_by_default(engine)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions[_EXTENSION]


def get_session() -> Session:
    """The session of the current request, opened on first use and closed at teardown.

    Its transactions begin as reads; it writes only inside ``write_transaction``.
    """
    if "db_session" not in g:
        g.db_session = Session(current_app.extensions[_READING], expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
