"""The yardstick for intake: a bare Flask endpoint that stores the same JSON body, nothing more.

By default it opens its connection per request and closes it at teardown, as Flask's own
tutorial does (``get_db`` in ``g``). ``BARE_CONNECTION=kept`` keeps one connection per worker
instead: a faster yardstick, whose figures the README gives too.
"""

import json
import os
import sqlite3

from flask import Flask, g, jsonify, request


def _connect(url: str):
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(
            url.removeprefix("sqlite:///"), timeout=30, isolation_level=None, check_same_thread=False
        )
        # The service's own durability (app/db.py): an acknowledged body survives a power loss.
        connection.execute("PRAGMA synchronous=FULL")
        return connection, "?"
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    return connection, "%s"


def create_tables(url: str) -> None:
    """Once, before the workers start (two workers creating it at once collide on PostgreSQL)."""
    connection, _mark = _connect(url)
    serial = "INTEGER" if url.startswith("sqlite") else "BIGSERIAL"
    if url.startswith("sqlite"):
        # Kept in the file: connections opened later, one per request, need not set it again.
        connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"CREATE TABLE IF NOT EXISTS bodies (id {serial} PRIMARY KEY, body TEXT NOT NULL)")
    connection.close()


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["BARE_DATABASE_URL"]
    kept = os.environ.get("BARE_CONNECTION", "per-request") == "kept"
    worker_connection: dict = {}

    def connection():
        if kept:
            if "db" not in worker_connection:
                worker_connection["db"] = _connect(url)
            return worker_connection["db"]
        if "db" not in g:
            g.db = _connect(url)
        return g.db

    @app.post("/api/v1/reports")
    def store():
        db, mark = connection()
        body = request.get_json()
        cursor = db.execute(f"INSERT INTO bodies (body) VALUES ({mark}) RETURNING id", (json.dumps(body),))
        # Every row fetched: SQLite ends the statement, and so commits it, only then.
        new_id = cursor.fetchall()[0][0]
        return jsonify({"id": new_id}), 201

    @app.teardown_appcontext
    def close(_exc):
        opened = g.pop("db", None)
        if opened is not None:
            opened[0].close()

    return app
