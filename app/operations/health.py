"""Health checks for a load balancer or an orchestrator, outside the API and without sign-in.

``/healthz``: the process serves (no database work, so a slow database never gets a live
process killed). ``/readyz``: the database answers and its schema is at the migrations' head, so
a new process only gets traffic once ``vigilance db upgrade`` has run.
"""

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.migrate import alembic_config
from vigilance.storage.transaction import read_only

logger = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    engine = current_app.extensions["vigilance.db"]
    try:
        with Session(engine) as session:
            # A reader: on SQLite the probe never queues behind (or holds up) the writers.
            applied = set(MigrationContext.configure(read_only(session).connection()).get_current_heads())
    except SQLAlchemyError:
        logger.warning("Not ready: the database does not answer", exc_info=True)
        return {"status": "unavailable", "errors": {"database": ["The database does not answer."]}}, 503
    expected = _migration_heads(current_app)
    if applied != expected:
        at = ", ".join(sorted(applied)) or "no migration"
        message = f"The database is at {at}; the code needs {', '.join(sorted(expected))}: run `vigilance db upgrade`."
        return {"status": "not_migrated", "errors": {"migrations": [message]}}, 503
    return {"status": "ready"}


def _migration_heads(app: Flask) -> set[str]:
    # The scripts do not change while the process runs: read them once.
    if "vigilance.migration_heads" not in app.extensions:
        script = ScriptDirectory.from_config(alembic_config(app))
        app.extensions["vigilance.migration_heads"] = set(script.get_heads())
    return app.extensions["vigilance.migration_heads"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
