"""The yardstick for intake: a bare Flask endpoint that stores the same JSON body, nothing more."""

import json
import os
import sqlite3

from flask import Flask, g, jsonify, request

DDL = "CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"


def _connect(url: str):
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        # The service's own durability (app/db.py): an acknowledged body survives a power loss.
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(DDL)
        return connection, "?"
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    connection.execute("CREATE TABLE IF NOT EXISTS bodies (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
    return connection, "%s"


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["BARE_DATABASE_URL"]

    @app.post("/api/v1/reports")
    def store():
        if "db" not in g:
            g.db, g.mark = _connect(url)
        body = request.get_json()
        cursor = g.db.execute(f"INSERT INTO bodies (body) VALUES ({g.mark}) RETURNING id", (json.dumps(body),))
        new_id = cursor.fetchone()[0]
        return jsonify({"id": new_id}), 201

    @app.teardown_appcontext
    def close(_exc):
        connection = g.pop("db", None)
        if connection is not None:
            connection.close()

    return app
