"""A server killed with SIGKILL while clinicians are filing: every report it acknowledged is
there, complete, and nothing half-written is left (a real gunicorn, real clients, a real kill)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from tests.ports import free_port
from tests.report_payloads import a_report
from vigilance import audit
from vigilance.models import AuditEvent, Deadline, QueueItem, Report

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def serve(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "VIGILANCE_DATABASE_URL": database_url,
        "VIGILANCE_SECRET_KEY": "crash-test",
        "VIGILANCE_SCHEDULER": "off",
    }
    server = subprocess.Popen(
        [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("the server did not start")


def file_until_refused(port: int, token: str, acknowledged: list[str], stop: threading.Event) -> None:
    body = json.dumps(a_report(description="Frissons pendant la transfusion.")).encode()
    while not stop.is_set():
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/reports",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                if answer.status == 201:
                    acknowledged.append(json.load(answer)["reference"])
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            # The server is gone; an answer cut off by the kill (IncompleteRead) acknowledged
            # nothing, since the clinician never read a reference.
            return


def test_a_killed_server_loses_no_acknowledged_report_and_leaves_none_half_written(
    database_url, engine, make_user, token_for
):
    token = token_for(make_user("reporter"))["Authorization"].removeprefix("Bearer ")
    port = free_port()
    server = serve(database_url, port)
    acknowledged: list[str] = []
    stop = threading.Event()
    clients = [threading.Thread(target=file_until_refused, args=(port, token, acknowledged, stop)) for _ in range(4)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)  # master and workers, in the middle of requests
    server.wait(timeout=10)
    stop.set()
    for client in clients:
        client.join(timeout=15)
    assert len(acknowledged) >= 40

    with Session(engine) as db:
        stored = dict(db.exec(select(Report.reference, Report.id)).all())
        assert set(acknowledged) <= set(stored)
        # Whatever was written was written whole: a queue item, a deadline and a creation event
        # for every report, and the yearly numbers without a gap.
        for table in (QueueItem, Deadline):
            assert db.scalar(select(func.count(func.distinct(table.report_id)))) == len(stored)
        created = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "create"))
        assert created == len(stored)
        sequences = sorted(db.exec(select(Report.sequence)).all())
        assert sequences == list(range(1, len(stored) + 1))
        assert audit.verify(db).ok
