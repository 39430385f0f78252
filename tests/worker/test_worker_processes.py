"""Real worker processes: several at once, and one killed with SIGKILL in the middle of its work.

On PostgreSQL (the scale-out database) with 1,000 due deadlines; on SQLite with fewer, since it
has one writer anyway.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from routing import EventKind, ProductFacts
from tests.conftest import POSTGRES_URL
from vigilance import intake
from vigilance.models import OutboxMessage, SummaryRun, Timer

DEADLINES = 1000 if POSTGRES_URL else 150
VIGILANCE = str(Path(sys.executable).parent / "vigilance")


@pytest.fixture
def overdue(engine, make_user, db):
    """Reports filed three weeks ago and never worked: each has a missed deadline to escalate."""
    reporter = make_user("reporter")
    # These two read only their escalations here: the summaries have their own test below.
    make_user("correspondent", vigilances=["haemovigilance"], daily_digest=False)
    make_user("coordinator", weekly_summary=False, monthly_report=False)
    received = datetime.now(UTC) - timedelta(days=21)
    for number in range(DEADLINES):
        intake.submit(db, actor=reporter, now=received + timedelta(seconds=number), draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION, occurred_at=received - timedelta(hours=1),
            product=ProductFacts(name="CGR"), description=f"Réaction {number}.", serious=True, severity_grade=2))
    db.commit()
    # Each missed deadline is escalated to the correspondent of the queue and the coordinator.
    return 2 * DEADLINES


def start_worker(database_url, smtp_url):
    env = {**os.environ, "VIGILANCE_DATABASE_URL": database_url, "VIGILANCE_SMTP_URL": smtp_url,
           "VIGILANCE_SECRET_KEY": "worker-test", "VIGILANCE_TICK_SECONDS": "0.3", "VIGILANCE_SCHEDULER": "off"}
    return subprocess.Popen([VIGILANCE, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def sent_count(engine):
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "sent"))


def wait_until(condition, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def stop(*workers):
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    return [worker.communicate(timeout=30)[0] for worker in workers]


def received_ids(smtp_server):
    return [message["Message-ID"] for _rcpt, message in smtp_server.inbox.messages]


def test_two_workers_deliver_every_escalation_exactly_once(engine, database_url, overdue, smtp_server):
    workers = [start_worker(database_url, smtp_server.url) for _ in range(2)]
    try:
        assert wait_until(lambda: sent_count(engine) >= overdue), f"sent {sent_count(engine)} of {overdue}"
        time.sleep(1)  # give a double send, if there were one, the time to show
    finally:
        logs = stop(*workers)
    ids = received_ids(smtp_server)
    assert len(ids) == overdue and len(set(ids)) == overdue
    assert all("Worker started" in log and "Worker stopped" in log for log in logs), logs
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == overdue
        assert not session.exec(select(Timer).where(Timer.done_at.is_(None), Timer.due_at <= datetime.now(UTC))).all()


def test_a_worker_killed_mid_batch_loses_nothing(engine, database_url, overdue, smtp_server):
    first = start_worker(database_url, smtp_server.url)
    try:
        assert wait_until(lambda: 0 < sent_count(engine), timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    sent_before = sent_count(engine)
    assert sent_before < overdue, "the first worker finished before it could be killed: raise DEADLINES"
    second = start_worker(database_url, smtp_server.url)
    try:
        assert wait_until(lambda: sent_count(engine) >= overdue), f"sent {sent_count(engine)} of {overdue}"
        time.sleep(1)
    finally:
        stop(second)
    ids = received_ids(smtp_server)
    # Every email arrived. At most the one in flight at the kill went out twice, with the same
    # Message-ID (mail clients show it once); every timer acted once (one outbox row each).
    assert len(set(ids)) == overdue
    assert len(ids) - len(set(ids)) <= 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == overdue


def test_two_workers_send_each_summary_once_including_the_periods_missed_while_down(engine, database_url, db,
                                                                                     make_user, smtp_server):
    """No worker ran when the last digest, weekly and monthly summaries fell due: two start together."""
    reporter = make_user("reporter")
    correspondents = [make_user("correspondent", vigilances=["haemovigilance"], digest_when_empty=True)
                      for _ in range(20)]
    coordinators = [make_user("coordinator", language=language) for language in ("fr", "en")]
    received = datetime.now(UTC) - timedelta(days=10)
    for number in range(30):
        intake.submit(db, actor=reporter, now=received + timedelta(minutes=number), draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION, occurred_at=received - timedelta(hours=1),
            product=ProductFacts(name="CGR"), description="Frissons.", serious=True, severity_grade=2))
    db.commit()
    expected = len(correspondents) + 2 * len(coordinators)

    def summaries_sent():
        with Session(engine) as session:
            return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("summary:%"),
                                                            OutboxMessage.state == "sent")).all()

    workers = [start_worker(database_url, smtp_server.url) for _ in range(2)]
    try:
        assert wait_until(lambda: len(summaries_sent()) >= expected), f"{len(summaries_sent())} of {expected}"
        time.sleep(2)  # a second run of the same period, if there were one, would show now
    finally:
        stop(*workers)
    sent = summaries_sent()
    assert len(sent) == expected
    per_person = {}
    for message in sent:
        kind = message.dedupe_key.split(":")[1]
        per_person.setdefault(message.recipient_id, []).append(kind)
    assert all(per_person[c.id] == ["daily"] for c in correspondents)
    assert all(sorted(per_person[c.id]) == ["monthly", "weekly"] for c in coordinators)
    ids = {f"<outbox-{m.id}@vigilance.invalid>" for m in sent}
    arrived = [i for i in received_ids(smtp_server) if i in ids]
    assert sorted(arrived) == sorted(ids)
    with Session(engine) as session:
        runs = session.exec(select(SummaryRun)).all()
        assert sorted(r.period for r in runs) == ["daily", "monthly", "weekly"]
