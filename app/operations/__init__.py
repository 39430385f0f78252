"""What an operator needs of the running service: request ids, log lines, health checks, metrics.

``init_app`` wires them all; each module says what it answers for.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.operations import health, logs, metrics, request_ids

    request_ids.init_app(app)
    logs.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
