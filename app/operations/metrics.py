"""Prometheus metrics at ``/metrics``, for a bearer token or an allowed network only.

Requests and their latency per Flask endpoint (its name, never the raw path: a path holds ids,
and one series per report would swamp Prometheus), the outbox backlog and the due timers (read
from the database at each scrape, so every process tells the same), and when each scheduler job
last ran.

Under a server with several processes (gunicorn ``-w 4``), set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder writable by all of them: prometheus_client then keeps each process's values in
files there and ``/metrics`` adds them up, whichever process answers the scrape. A
``vigilance worker`` given the same folder on the same host shows its last tick there too.
gunicorn.conf.py removes, at start, the files of processes that no longer run.
"""

import hmac
import ipaddress
import logging
import os

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from app.operations.request_ids import seconds_since_start
from vigilance.clock import utcnow
from vigilance.models import OutboxMessage, Timer
from vigilance.storage.transaction import read_only

logger = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
# A "_created" series beside every counter and histogram doubles the output for nothing
# Prometheus itself reads.
disable_created_metrics()

REQUESTS = Counter(
    "vigilance_http_requests",
    "Requests answered, by Flask endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "vigilance_http_request_duration_seconds", "Time to answer a request, by Flask endpoint.", ["endpoint", "method"]
)
#: Set by every run of a scheduler job, embedded or in `vigilance worker`; "max": the latest
#: run of any process, which stops moving when no worker runs.
LAST_TICK = Gauge(
    "vigilance_worker_last_tick_timestamp_seconds",
    "When a scheduler job last ran (Unix time), by job.",
    ["job"],
    multiprocess_mode="max",
)
#: The label of requests no route matched (a probe's random paths must not each be a series).
UNMATCHED = "unmatched"


def note_tick(job: str) -> None:
    """Record that the scheduler job *job* has just run."""
    LAST_TICK.labels(job).set_to_current_time()


class _Backlog:
    """What waits in the database, counted at each scrape."""

    def __init__(self, engine):
        self.engine = engine

    def collect(self):
        up = GaugeMetricFamily("vigilance_database_up", "1 when the database answered the scrape's counts.")
        try:
            with Session(self.engine) as session:
                read_only(session)
                outbox = session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "pending")
                )
                due = session.scalar(
                    select(func.count()).select_from(Timer).where(Timer.done_at.is_(None), Timer.due_at <= utcnow())
                )
        except SQLAlchemyError:
            logger.warning("Metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("vigilance_outbox_backlog", "Emails waiting in the outbox to be sent.", value=outbox)
        yield GaugeMetricFamily(
            "vigilance_timers_due", "Timers (deadlines, reminders) due and not yet handled.", value=due
        )


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in current_app.config["METRICS_NETWORKS"])


@bp.get("/metrics")
def metrics():
    if not _allowed():
        abort(404)  # as for any unknown address: a stranger does not learn that it exists
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry()
    database.register(_Backlog(current_app.extensions["vigilance.db"]))
    return Response(generate_latest(processes) + generate_latest(database), mimetype=CONTENT_TYPE_LATEST)


#: The series of each (endpoint, method, status) answered so far: ``labels()`` checks and
#: looks its arguments up under a lock at every call, about 4 µs of every request.
_SERIES: dict[tuple[str, str, int], tuple] = {}


def _series(endpoint: str, method: str, status: int) -> tuple:
    key = (endpoint, method, status)
    series = _SERIES.get(key)
    if series is None:
        series = _SERIES[key] = (REQUESTS.labels(endpoint, method, str(status)), LATENCY.labels(endpoint, method))
    return series


#: The methods counted by name; any other a client invents is counted as ``OTHER``, so that
#: made-up methods cannot grow the series (and the process's memory) without bound.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _count(response: Response) -> Response:
    rule = request.url_rule
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    requests, latency = _series(rule.endpoint if rule is not None else UNMATCHED, method, response.status_code)
    requests.inc()
    latency.observe(seconds_since_start())
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_count)
