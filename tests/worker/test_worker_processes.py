"""Real worker processes: several at once, and one killed with SIGKILL in the middle of its work.

On PostgreSQL (the scale-out database) with 1,000 due deadlines; on SQLite with fewer, since it
has one writer anyway. The kill lands inside a clock batch for sure through the worker's test
hook (``VIGILANCE_TEST_PAUSE_IN_BATCH``), never by sleeping and hoping.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, select

from app.scheduler import CLOCK_BATCH, TEST_PAUSE_IN_BATCH
from routing import EventKind, ProductFacts
from tests.conftest import POSTGRES_URL
from vigilance import intake
from vigilance.models import Deadline, DeadlineState, OutboxMessage, SummaryRun, Timer
from vigilance.storage.transaction import read_only

DEADLINES = 1000 if POSTGRES_URL else 60
VIGILANCE = str(Path(sys.executable).parent / "vigilance")


@pytest.fixture
def overdue(engine, make_user, db):
    """Reports filed three weeks ago and never worked: each has a missed deadline to escalate."""
    reporter = make_user("reporter")
    # Half a day off the clock's time: the daily repeat of each escalation falls due at the
    # deadline's time of day, which must not come round while the test runs.
    received = datetime.now(UTC) - timedelta(days=21, hours=12)
    for number in range(DEADLINES):
        intake.submit(
            db,
            actor=reporter,
            now=received + timedelta(seconds=number),
            draft=intake.Draft(
                event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                occurred_at=received - timedelta(hours=1),
                product=ProductFacts(name="CGR"),
                description=f"Réaction {number}.",
                serious=True,
                severity_grade=2,
            ),
        )
    db.commit()
    # These two read only their escalations here: the summaries have their own test below. They
    # join after the filings, so that no alert on arrival (tests/app/test_alerts.py) is owed them.
    make_user("correspondent", vigilances=["haemovigilance"], daily_digest=False)
    make_user("coordinator", weekly_summary=False, monthly_report=False)
    # Each missed deadline is escalated to the correspondent of the queue and the coordinator;
    # each follow-up step due (the transfusion investigation's D+7) reminds the queue's correspondent.
    steps_due = db.scalar(
        select(func.count()).select_from(Timer).where(Timer.kind == "followup_due", Timer.due_at <= datetime.now(UTC))
    )
    assert steps_due == DEADLINES
    return 2 * DEADLINES + steps_due


def start_worker(database_url, smtp_url, **variables):
    """A ``vigilance worker``; without *smtp_url* it queues mail and sends none."""
    env = {
        **os.environ,
        "VIGILANCE_DATABASE_URL": database_url,
        "VIGILANCE_SECRET_KEY": "worker-test",
        "VIGILANCE_TICK_SECONDS": "0.3",
        "VIGILANCE_SCHEDULER": "off",
        **variables,
    }
    env.pop("VIGILANCE_SMTP_URL", None)
    if smtp_url:
        env["VIGILANCE_SMTP_URL"] = smtp_url
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
        assert wait_until(lambda: sent_count(engine) > 0, timeout=60)
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


def test_two_workers_send_each_summary_once_including_the_periods_missed_while_down(
    engine, database_url, db, make_user, smtp_server
):
    """No worker ran when the last digest, weekly and monthly summaries fell due: two start together."""
    reporter = make_user("reporter")
    received = datetime.now(UTC) - timedelta(days=10)
    for number in range(30):
        intake.submit(
            db,
            actor=reporter,
            now=received + timedelta(minutes=number),
            draft=intake.Draft(
                event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                occurred_at=received - timedelta(hours=1),
                product=ProductFacts(name="CGR"),
                description="Frissons.",
                serious=True,
                severity_grade=2,
            ),
        )
    # Only the summaries are owed here. The escalations of these reports' deadlines and their
    # follow-up reminders (one email per report and correspondent: hundreds, sent before the
    # summaries) have their own tests above.
    db.execute(update(Timer).where(Timer.done_at.is_(None)).values(done_at=received, outcome="cancelled"))
    db.commit()
    # They join after the filings: no alert on arrival is owed them, only their summaries.
    correspondents = [
        make_user("correspondent", vigilances=["haemovigilance"], digest_when_empty=True) for _ in range(20)
    ]
    coordinators = [make_user("coordinator", language=language) for language in ("fr", "en")]
    expected = len(correspondents) + 2 * len(coordinators)

    def summaries_sent():
        with Session(engine) as session:
            return session.exec(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("summary:%"), OutboxMessage.state == "sent")
            ).all()

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


#: Reports three weeks overdue: three due timers each (two reminder stages, superseded by then,
#: and the escalation, to the queue's correspondent and the coordinator).
OVERDUE_REPORTS = 150
#: Reports received 14 hours ago with a 24-hour deadline (not working hours: the same on any
#: day): one due timer each, the 50 % reminder, to the queue's correspondent.
REMINDED_REPORTS = 100


@pytest.fixture
def two_batches(engine, make_user, db):
    """More due timers than one clock batch holds, and the emails they owe: {outbox key: timer id}."""
    reporter = make_user("reporter")
    now = datetime.now(UTC)
    # Half a day off for the missed deadlines, whose daily repeats must not fall due in the test.
    batches = (
        (now - timedelta(days=21, hours=12), "CGR", 2, OVERDUE_REPORTS),
        (now - timedelta(hours=14), "albumine 20 %", 1, REMINDED_REPORTS),
    )
    for received, product, grade, count in batches:
        for number in range(count):
            intake.submit(
                db,
                actor=reporter,
                now=received + timedelta(seconds=number),
                draft=intake.Draft(
                    event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                    occurred_at=received - timedelta(hours=1),
                    product=ProductFacts(name=product),
                    description=f"Réaction {number}.",
                    serious=True,
                    severity_grade=grade,
                ),
            )
    db.commit()
    # They join after the filings, so that no alert on arrival (tests/app/test_alerts.py) is owed them.
    haemovigilance = make_user("correspondent", vigilances=["haemovigilance"], daily_digest=False)
    pharmacovigilance = make_user("correspondent", vigilances=["pharmacovigilance"], daily_digest=False)
    coordinator = make_user("coordinator", weekly_summary=False, monthly_report=False)
    due = db.exec(
        select(Timer, Deadline).outerjoin(Deadline, Deadline.id == Timer.deadline_id).where(Timer.due_at <= now)
    ).all()
    # Per overdue report: two reminders, the escalation and the follow-up plan's D+7 step.
    assert len(due) == 4 * OVERDUE_REPORTS + REMINDED_REPORTS and len(due) > CLOCK_BATCH
    owed = {}
    for timer, deadline in due:
        if timer.kind == "followup_due":
            owed[f"followup:{timer.followup_step_id}:to:{haemovigilance.id}"] = timer.id
        elif timer.kind == "escalation":
            assert deadline.queue == "haemovigilance"
            owed.update({f"timer:{timer.id}:to:{person.id}": timer.id for person in (haemovigilance, coordinator)})
        elif deadline.queue == "pharmacovigilance":
            assert (timer.kind, timer.stage) == ("reminder", "50%")
            owed[f"timer:{timer.id}:to:{pharmacovigilance.id}"] = timer.id
    assert len(owed) == 3 * OVERDUE_REPORTS + REMINDED_REPORTS
    return {"owed": owed, "due": {timer.id: timer for timer, _deadline in due}, "as_of": now}


@contextmanager
def reading(engine):
    """A session that only reads: on SQLite it waits for no write lock, such as a held batch's."""
    with Session(engine) as session:
        yield read_only(session)


def done_timers(engine) -> dict[int, datetime]:
    with reading(engine) as session:
        return dict(session.exec(select(Timer.id, Timer.done_at).where(Timer.done_at.is_not(None))).all())


def outbox_keys(engine) -> list[str]:
    with reading(engine) as session:
        return list(session.exec(select(OutboxMessage.dedupe_key)).all())


def wait_for_marker(marker, worker) -> int:
    """Wait until *worker* holds a batch; return how many timers that batch handled."""
    assert wait_until(lambda: marker.exists() or worker.poll() is not None, timeout=120), "no batch held"
    assert worker.poll() is None, worker.communicate(timeout=30)[0]
    pid, handled = marker.read_text().split()
    assert int(pid) == worker.pid
    return int(handled)


def test_a_worker_killed_inside_a_clock_batch_loses_and_repeats_nothing(
    engine, database_url, two_batches, smtp_server, tmp_path
):
    owed, due = two_batches["owed"], two_batches["due"]
    marker = tmp_path / "batch-held"
    # The first worker has no SMTP: it queues mail and sends none, so no email is in flight when
    # it dies, and every one must arrive exactly once.
    first = start_worker(database_url, None, **{TEST_PAUSE_IN_BATCH: str(marker)})
    try:
        # Its first batch is handled and held before its commit: nothing of it shows yet.
        assert wait_for_marker(marker, first) == CLOCK_BATCH
        assert done_timers(engine) == {} and outbox_keys(engine) == []
        # Let it commit; it takes the rest in a second batch and holds that one.
        marker.unlink()
        assert wait_for_marker(marker, first) == len(due) - CLOCK_BATCH
        committed = done_timers(engine)
        queued_before = outbox_keys(engine)
        assert len(committed) == CLOCK_BATCH and set(committed) <= set(due)
        assert 0 < len(queued_before) < len(owed)
        killed_at = datetime.now(UTC)
    finally:
        first.send_signal(signal.SIGKILL)
        log = first.communicate(timeout=30)[0]
    assert first.returncode == -signal.SIGKILL, log
    # The batch in hand died with it: nothing more is done or queued than what was committed.
    assert done_timers(engine) == committed and sorted(outbox_keys(engine)) == sorted(queued_before)

    second = start_worker(database_url, smtp_server.url)
    try:
        assert wait_until(lambda: sent_count(engine) >= len(owed)), f"sent {sent_count(engine)} of {len(owed)}"
        time.sleep(1)  # give a double send, if there were one, the time to show
    finally:
        stop(second)

    # Every email the due timers owe is in the outbox once, and arrived once.
    assert sorted(outbox_keys(engine)) == sorted(owed)
    with reading(engine) as session:
        ids = {f"<outbox-{m.id}@vigilance.invalid>" for m in session.exec(select(OutboxMessage)).all()}
    received = received_ids(smtp_server)
    assert sorted(received) == sorted(ids) and len(received) == len(owed)
    # Every due timer was done once: the first batch by the first worker (the second did not do
    # it again), the rest by the second, after the kill.
    done = done_timers(engine)
    assert set(due) <= set(done)
    assert {i: done[i] for i in committed} == committed
    assert all(done[i] > killed_at for i in set(due) - set(committed))
    with reading(engine) as session:
        outcomes = dict(session.exec(select(Timer.id, Timer.outcome).where(Timer.id.in_(list(due)))).all())
        for timer_id, timer in due.items():
            superseded = timer.kind == "reminder" and timer.due_at < two_batches["as_of"] - timedelta(days=1)
            assert outcomes[timer_id] == ("superseded" if superseded else "done"), (timer, outcomes[timer_id])
        # An escalation done twice would have scheduled its daily repeat twice.
        repeats = session.exec(
            select(Timer.deadline_id, func.count()).where(Timer.kind == "overdue_repeat").group_by(Timer.deadline_id)
        ).all()
        assert len(repeats) == OVERDUE_REPORTS and all(count == 1 for _deadline, count in repeats)
        missed = session.scalar(
            select(func.count()).select_from(Deadline).where(Deadline.state == DeadlineState.MISSED)
        )
        assert missed == OVERDUE_REPORTS
