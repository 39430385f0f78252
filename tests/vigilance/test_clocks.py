"""The clocks over weekends and holidays: reminders, escalations, repeats, and their end."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from app.scheduler import process_clocks
from routing import EventKind, ProductFacts
from vigilance import clocks, intake, triage
from vigilance.models import Deadline, DeadlineState, OutboxMessage, Timer

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
    result = intake.submit(db, actor=reporter, now=received, draft=intake.Draft(
        event_kind=EventKind.RECIPIENT_ADVERSE_REACTION, occurred_at=received - timedelta(hours=1),
        product=ProductFacts(name="CGR"), description="Frissons.", serious=serious, severity_grade=grade))
    db.commit()
    return result


def tick(db, now):
    handled = clocks.process_due(db, now=now, base_url=BASE)
    db.commit()
    return handled


def mail(db):
    db.rollback()
    return db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()


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
    english = [m for m in first if m.recipient_email == staff["hv_en"].email][0]
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
    triage.declare(db, item_id=result.items[0].id, actor=staff["hv"], authority="ANSM", authority_reference="E-1",
                   declared_on=date(2026, 12, 24), kind="initial", now=paris(2026, 12, 24, 15, 0))
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
    question = triage.request_information(db, item_id=item_id, actor=staff["hv"], question="Hémocultures ?",
                                          now=paris(2026, 11, 23, 10, 0))
    db.commit()
    # Two working days (Monday to Saturday count): Wednesday 25 at 10:00.
    tick(db, paris(2026, 11, 25, 9, 59))
    assert not [m for m in mail(db) if m.recipient_email == staff["reporter"].email]
    tick(db, paris(2026, 11, 25, 10, 0))
    reminded = [m for m in mail(db) if m.recipient_email == staff["reporter"].email]
    assert len(reminded) == 1 and "attend votre réponse" in reminded[0].subject
    assert f"{BASE}/reports/{result.report.id}" in reminded[0].text_body
    triage.answer_information(db, request_id=question.id, actor=staff["reporter"], answer="Négatives.",
                              now=paris(2026, 11, 25, 12, 0), base_url=BASE)
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


def test_a_timer_that_fails_does_not_hold_up_the_others(db, staff, monkeypatch):
    result = file(db, staff["reporter"], paris(2026, 12, 24, 10, 0))
    question = triage.request_information(db, item_id=result.items[0].id, actor=staff["hv"], question="?",
                                          now=paris(2026, 12, 24, 11, 0))
    db.commit()

    def broken(session, timer, now, base_url):
        raise RuntimeError("template missing")

    monkeypatch.setitem(clocks._HANDLERS, "information_reminder", broken)
    tick(db, paris(2026, 12, 29, 12, 0))
    db.rollback()
    outcomes = {t.kind: t.outcome for t in db.exec(select(Timer).where(Timer.done_at.is_not(None)))}
    assert outcomes["information_reminder"] == "error"
    assert outcomes["escalation"] == "done"
    assert mail(db)  # the escalation went out
    assert question
