"""The yardstick: a bare Flask JSON endpoint, served the same way as the service."""

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/v1/classify")
    def echo():
        body = request.get_json()
        return jsonify({"category": "unclassified", "queues": ["qualification"], "echo": body})

    return app
