"""The clocks over weekends and holidays: reminders, escalations, repeats, and their end."""

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import text, update
from sqlmodel import Session, select

from app.scheduler import process_clocks
from routing import EventKind, ProductFacts
from tests.conftest import POSTGRES_URL
from vigilance import accounts, clocks, intake, triage
from vigilance.models import Deadline, DeadlineState, OutboxMessage, Timer, User

PARIS = ZoneInfo("Europe/Paris")
BASE = "https://vigilance.example.org"


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def staff(make_user):
    return {
        "reporter": make_user("reporter", language="fr"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"], language="fr"),
        "hv_en": make_user("correspondent", vigilances=["haemovigilance"], language="en"),
        "coordinator": make_user("coordinator"),
    }


def file(db, reporter, received, *, serious=True, grade=2):
    result = intake.submit(
        db,
        actor=reporter,
        now=received,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=received - timedelta(hours=1),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=serious,
            severity_grade=grade,
        ),
    )
    db.commit()
    return result


def tick(db, now):
    handled = clocks.process_due(db, now=now, base_url=BASE)
    db.commit()
    return handled


def mail(db):
    """What the clocks and summaries queued for deadlines (the alerts on arrival have their own
    tests, tests/app/test_alerts.py; so do the follow-up plans' reminders,
    tests/vigilance/test_followups_and_copies.py)."""
    db.rollback()
    return db.exec(
        select(OutboxMessage)
        .where(~OutboxMessage.dedupe_key.startswith("alert:"), ~OutboxMessage.dedupe_key.startswith("followup:"))
        .order_by(OutboxMessage.id)
    ).all()


def test_stages_count_working_hours_across_christmas_and_sunday(db, staff):
    # Thursday 24 December 10:00: 48 working hours end Monday 28 at 10:00 (Christmas and the
    # Sunday do not count, Saturday does); half of them have passed on Saturday 26 at 10:00.
    result = file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    deadline = result.deadlines[0]
    assert deadline.due_at == paris(2026, 12, 28, 10, 0)
    timers = {t.stage: t.due_at for t in db.exec(select(Timer).where(Timer.deadline_id == deadline.id))}
    assert timers["50%"] == paris(2026, 12, 26, 10, 0)
    assert timers["90%"] == paris(2026, 12, 28, 5, 12)
    assert timers["due"] == paris(2026, 12, 28, 10, 0)


def test_reminders_go_to_the_queue_then_to_the_holder_then_escalate(db, staff):
    result = file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    assert tick(db, paris(2026, 12, 26, 9, 59)) == 0
    assert tick(db, paris(2026, 12, 26, 10, 0)) == 1
    first = mail(db)
    assert {m.recipient_email for m in first} == {staff["hv"].email, staff["hv_en"].email}
    english = next(m for m in first if m.recipient_email == staff["hv_en"].email)
    assert english.subject.startswith(f"[{result.report.reference}] Reminder (50%)")
    assert "CGR" in english.text_body and "1956" not in english.text_body
    assert f"{BASE}/queue-items/{result.items[0].id}" in english.text_body
    triage.claim(db, item_id=result.items[0].id, actor=staff["hv"], now=paris(2026, 12, 26, 11, 0))
    db.commit()
    tick(db, paris(2026, 12, 28, 6, 0))
    assert [m.recipient_email for m in mail(db)[2:]] == [staff["hv"].email]
    tick(db, paris(2026, 12, 28, 10, 0))
    escalation = mail(db)[3:]
    assert {m.recipient_email for m in escalation} == {staff["hv"].email, staff["coordinator"].email}
    assert all("Délai dépassé" in m.subject for m in escalation)
    assert db.get(Deadline, result.deadlines[0].id).state == DeadlineState.MISSED
    tick(db, paris(2026, 12, 29, 10, 0))
    assert all("toujours dépassé" in m.subject for m in mail(db)[5:])
    assert len(mail(db)) == 7


def test_a_declaration_stops_the_reminders_at_once(db, staff):
    result = file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    triage.declare(
        db,
        item_id=result.items[0].id,
        actor=staff["hv"],
        authority="ANSM",
        authority_reference="E-1",
        declared_on=date(2026, 12, 24),
        kind="initial",
        now=paris(2026, 12, 24, 15, 0),
    )
    db.commit()
    for day in range(25, 32):
        tick(db, paris(2026, 12, day, 23, 0))
    assert mail(db) == []
    assert db.get(Deadline, result.deadlines[0].id).state == DeadlineState.MET


def test_nothing_is_queued_twice_even_if_a_timer_runs_again(db, staff):
    result = file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    tick(db, paris(2026, 12, 26, 10, 0))
    timer = db.exec(select(Timer).where(Timer.stage == "50%")).one()
    timer.done_at = None  # as if a worker died after queueing but before its commit was known
    db.add(timer)
    db.commit()
    tick(db, paris(2026, 12, 26, 10, 1))
    assert len(mail(db)) == 2
    assert result


def test_the_reporter_is_reminded_and_the_correspondent_told_of_the_answer(db, staff):
    result = file(db, staff["reporter"], paris(2026, 11, 23, 9, 0))
    item_id = result.items[0].id
    question = triage.request_information(
        db, item_id=item_id, actor=staff["hv"], question="Hémocultures ?", now=paris(2026, 11, 23, 10, 0)
    )
    db.commit()
    # Two working days (Monday to Saturday count): Wednesday 25 at 10:00.
    tick(db, paris(2026, 11, 25, 9, 59))
    assert not [m for m in mail(db) if m.recipient_email == staff["reporter"].email]
    tick(db, paris(2026, 11, 25, 10, 0))
    reminded = [m for m in mail(db) if m.recipient_email == staff["reporter"].email]
    assert len(reminded) == 1 and "attend votre réponse" in reminded[0].subject
    assert f"{BASE}/reports/{result.report.id}" in reminded[0].text_body
    triage.answer_information(
        db,
        request_id=question.id,
        actor=staff["reporter"],
        answer="Négatives.",
        now=paris(2026, 11, 25, 12, 0),
        base_url=BASE,
    )
    db.commit()
    told = [m for m in mail(db) if "a répondu" in m.subject]
    assert [m.recipient_email for m in told] == [staff["hv"].email]
    tick(db, paris(2026, 12, 5, 12, 0))
    assert len([m for m in mail(db) if m.recipient_email == staff["reporter"].email]) == 1


def test_the_worker_job_reads_the_clock(app, db, staff):
    file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    with time_machine.travel(paris(2026, 12, 26, 10, 30), tick=False):
        assert process_clocks(app) == 1
    with time_machine.travel(paris(2026, 12, 26, 10, 31), tick=False):
        assert process_clocks(app) == 0
    assert len(mail(db)) == 2


def test_a_worker_back_after_days_down_sends_one_escalation_not_a_backlog(db, staff):
    result = file(db, staff["reporter"], paris(2026, 11, 2, 10, 0))
    tick(db, paris(2026, 11, 20, 12, 0))  # nobody ran the clocks for two weeks
    sent = mail(db)
    assert {m.recipient_email for m in sent} == {staff["hv"].email, staff["hv_en"].email, staff["coordinator"].email}
    assert all("Délai dépassé" in m.subject or "Deadline missed" in m.subject for m in sent)
    repeat = db.exec(select(Timer).where(Timer.kind == "overdue_repeat", Timer.done_at.is_(None))).one()
    assert repeat.due_at > paris(2026, 11, 20, 12, 0)
    assert result


def test_a_timer_that_fails_does_not_hold_up_the_others(db, staff):
    result = file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    question = triage.request_information(
        db, item_id=result.items[0].id, actor=staff["hv"], question="?", now=paris(2026, 12, 24, 11, 0)
    )
    db.commit()
    # A damaged row (its stage no longer a number): handling it always fails.
    db.execute(update(Timer).where(Timer.information_request_id == question.id).values(stage="#x"))
    db.commit()
    tick(db, paris(2026, 12, 29, 12, 0))
    db.rollback()
    outcomes = {t.kind: t.outcome for t in db.exec(select(Timer).where(Timer.done_at.is_not(None)))}
    assert outcomes["information_reminder"] == "error"
    assert outcomes["escalation"] == "done"
    assert mail(db)  # the escalation went out
    assert staff["reporter"].email not in {m.recipient_email for m in mail(db)}  # the failed one queued nothing


def test_a_poisoned_batch_is_handled_timer_by_timer(db, staff):
    """Two timers that always fail among many: every other one does exactly what it would alone."""
    filed = [file(db, staff["reporter"], paris(2026, 12, 24, 10, minute)) for minute in range(3)]
    question = triage.request_information(
        db, item_id=filed[0].items[0].id, actor=staff["hv"], question="?", now=paris(2026, 12, 24, 11, 0)
    )
    db.commit()
    db.execute(update(Timer).where(Timer.information_request_id == question.id).values(stage="#x"))
    db.add(Timer(kind="no_such_kind", due_at=paris(2026, 12, 25, 9, 0), stage="?"))  # a kind nothing handles
    db.commit()
    pending = len(db.exec(select(Timer).where(Timer.due_at <= paris(2026, 12, 29, 12, 0))).all())

    assert tick(db, paris(2026, 12, 29, 12, 0)) == pending  # one batch
    db.rollback()
    done = db.exec(select(Timer).where(Timer.done_at.is_not(None))).all()
    assert len(done) == pending
    by_kind = {}
    for timer in done:
        by_kind.setdefault(timer.kind, set()).add(timer.outcome)
    assert by_kind == {
        "reminder": {"superseded"},
        "escalation": {"done"},
        "information_reminder": {"error"},
        "no_such_kind": {"error"},
    }
    escalations = {t.id for t in done if t.kind == "escalation"}
    keys = [m.dedupe_key for m in mail(db)]
    # Asking made hv the holder of the first item: hv and the coordinator; the others go to both
    # correspondents of the queue and the coordinator. Once each.
    assert len(keys) == len(set(keys)) == 2 + 3 + 3
    assert {int(key.split(":")[1]) for key in keys} == escalations
    repeats = db.exec(select(Timer).where(Timer.kind == "overdue_repeat")).all()
    assert sorted(t.deadline_id for t in repeats) == sorted(f.deadlines[0].id for f in filed)
    assert not db.exec(select(Timer).where(Timer.kind == "information_reminder", Timer.done_at.is_(None))).all()
    assert tick(db, paris(2026, 12, 29, 12, 1)) == 0  # the failed ones are done with, not retried forever


@pytest.mark.parametrize("batch", [2, 200])
def test_each_timer_of_a_mixed_batch_goes_to_its_own_people(db, make_user, establishment, batch):
    """Several places and queues in the batches: people are loaded once per batch, but each
    item's email still goes to the people of its own place and queue (or its holder)."""
    other = accounts.create_establishment(db, finess="690000013", name="CH de Lyon")
    db.commit()
    here = {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "hv_en": make_user("correspondent", vigilances=["haemovigilance"], language="en"),
        "bio": make_user("correspondent", vigilances=["biovigilance"]),
        "gone": make_user("correspondent", vigilances=["haemovigilance", "biovigilance"]),
        "coordinator": make_user("coordinator"),
        "admin": make_user("admin", place=establishment, is_coordinator=True),
        "plain_admin": make_user("admin", place=establishment),
    }
    there = {
        "reporter": make_user("reporter", place=other),
        "hv": make_user("correspondent", vigilances=["haemovigilance"], place=other, language="en"),
        "pharma": make_user("correspondent", vigilances=["pharmacovigilance"], place=other),
        "coordinator": make_user("coordinator", place=other),
    }
    here["gone"].is_active = False
    db.add(here["gone"])
    db.commit()
    received = paris(2026, 12, 24, 10, 0)

    def report(reporter, product):
        result = intake.submit(
            db,
            actor=reporter,
            now=received,
            draft=intake.Draft(
                event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                occurred_at=received - timedelta(hours=1),
                product=ProductFacts(name=product),
                description="Réaction.",
                serious=True,
                severity_grade=2,
            ),
        )
        db.commit()
        assert len(result.deadlines) == 1
        return result

    blood, cornea, held = (
        report(here["reporter"], "CGR"),
        report(here["reporter"], "greffon de cornée"),
        report(here["reporter"], "CGR"),
    )
    their_blood, their_drops = report(there["reporter"], "CGR"), report(there["reporter"], "collyre de sérum autologue")
    triage.claim(db, item_id=held.items[0].id, actor=here["hv_en"], now=paris(2026, 12, 24, 11, 0))
    db.commit()
    coordinators = {here["coordinator"].email, here["admin"].email}
    expected = [
        (blood, {here["hv"].email, here["hv_en"].email} | coordinators),
        (cornea, {here["bio"].email} | coordinators),
        (held, {here["hv_en"].email} | coordinators),
        (their_blood, {there["hv"].email, there["coordinator"].email}),
        (their_drops, {there["pharma"].email, there["coordinator"].email}),
    ]

    later = paris(2027, 2, 1, 12, 0)  # every deadline long missed
    due = len(db.exec(select(Timer).where(Timer.due_at <= later)).all())
    handled = 0
    while count := clocks.process_due(db, now=later, base_url=BASE, batch=batch):
        db.commit()
        handled += count
    assert handled == due
    messages = mail(db)
    assert len({m.dedupe_key for m in messages}) == len(messages)
    for result, people in expected:
        link = f"{BASE}/queue-items/{result.items[0].id}"
        to_it = [m for m in messages if link in m.text_body]
        assert {m.recipient_email for m in to_it} == people, result.report.reference
        assert len(to_it) == len(people)
        for message in to_it:
            assert message.subject.startswith(f"[{result.report.reference}] ")
            english = message.recipient_email in (here["hv_en"].email, there["hv"].email)
            assert ("Deadline missed" if english else "Délai dépassé") in message.subject
            assert message.language == ("en" if english else "fr")
            assert link in message.html_body and result.report.reference in message.html_body
        assert db.get(Deadline, result.deadlines[0].id).state == DeadlineState.MISSED
    assert len(db.exec(select(Timer).where(Timer.kind == "overdue_repeat")).all()) == len(expected)


def test_information_reminders_stop_after_three(db, staff):
    result = file(db, staff["reporter"], paris(2026, 11, 23, 9, 0))
    triage.request_information(
        db, item_id=result.items[0].id, actor=staff["hv"], question="?", now=paris(2026, 11, 23, 10, 0)
    )
    db.commit()
    for day in range(24, 31):
        tick(db, paris(2026, 11, day, 23, 0))
    for day in range(1, 16):
        tick(db, paris(2026, 12, day, 23, 0))
    reminders = db.exec(select(Timer).where(Timer.kind == "information_reminder").order_by(Timer.id)).all()
    assert [(t.stage, t.outcome) for t in reminders] == [("#1", "done"), ("#2", "done"), ("#3", "done")]
    to_reporter = [m for m in mail(db) if m.recipient_email == staff["reporter"].email]
    assert len(to_reporter) == 3
    assert all(f"{BASE}/reports/{result.report.id}" in m.text_body for m in to_reporter)


@pytest.mark.skipif(not POSTGRES_URL, reason="row locks: PostgreSQL (SQLite has one writer, so no such race)")
def test_a_declaration_while_a_worker_escalates_its_deadline_waits_and_never_deadlocks(db, engine, staff):
    """The worker locks a batch's timers, then marks their deadlines missed; the workflow must
    take the same rows in the same order (timers, then deadline), or each would wait for the
    other until PostgreSQL aborts one ("deadlock detected")."""
    received = datetime.now(PARIS) - timedelta(days=10)
    result = file(db, staff["reporter"], received)
    item_id, deadline_id = result.items[0].id, result.deadlines[0].id
    triage.claim(db, item_id=item_id, actor=staff["hv"], now=received + timedelta(hours=1))
    db.commit()

    worker = Session(engine)
    due = clocks.claim_due(worker, now=datetime.now(PARIS), batch=50)  # the deadline's timers, locked
    # (and the follow-up plan's D+7 step, which has no deadline)
    assert {row.deadline_id for row in due if row.deadline_id is not None} == {deadline_id}
    outcome: dict[str, object] = {}

    def declare():
        with Session(engine) as workflow:
            try:
                triage.declare(
                    workflow,
                    item_id=item_id,
                    actor=workflow.get(User, staff["hv"].id),
                    authority="ANSM",
                    authority_reference="e-FIT 2026-4411",
                    declared_on=date.today(),
                    kind="initial",
                    now=datetime.now(PARIS),
                )
                workflow.commit()
                outcome["declared"] = True
            except Exception as error:
                outcome["error"] = error

    declaring = threading.Thread(target=declare)
    declaring.start()
    waited = wait_for_lock_wait(engine)  # the declaration now waits for the worker's timers
    # The worker's next step, as clocks.process_due takes it: the missed deadline.
    worker.connection().execute(
        update(Deadline).where(Deadline.id == deadline_id, Deadline.state == "open").values(state=DeadlineState.MISSED)
    )
    worker.commit()
    worker.close()
    declaring.join(timeout=30)
    assert waited and outcome == {"declared": True}, outcome
    db.expire_all()
    assert db.get(Deadline, deadline_id).settled_at is not None


def wait_for_lock_wait(engine, timeout: float = 10) -> bool:
    """Until a session of this database waits on a row lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        if waiting:
            return True
        time.sleep(0.05)
    return False
