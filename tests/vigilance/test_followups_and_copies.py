"""Follow-up plans scheduled as timers that remind the item's holder, steps marked done with a
note (audited); information copies between vigilances, linked both ways; cross-vigilance links."""

from datetime import timedelta

import pytest
from sqlmodel import select

from routing import EventKind
from tests.scenarios import BASE, file_report, paris
from vigilance import clocks, statistics, triage
from vigilance.access import may_read_report
from vigilance.errors import Conflict, InvalidInput, NotFound
from vigilance.models import (
    AuditEvent,
    Deadline,
    FollowupStep,
    InformationCopy,
    OutboxMessage,
    QueueItem,
    Report,
    Timer,
)

RECEIVED = paris(2026, 11, 16, 9, 0)


@pytest.fixture
def people(make_user):
    return {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"], language="fr"),
        "bio": make_user("correspondent", vigilances=["biovigilance"], language="fr"),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"], language="en"),
        "coordinator": make_user("coordinator"),
    }


def steps_of(db, item_id):
    return list(
        db.exec(select(FollowupStep).where(FollowupStep.queue_item_id == item_id).order_by(FollowupStep.number))
    )


def test_a_transfusion_reaction_opens_its_investigation_follow_up_with_a_timer_per_step(db, people):
    item = file_report(db, people["reporter"], RECEIVED).items[0]
    steps = steps_of(db, item.id)
    assert [(s.label["fr"], s.due_at) for s in steps] == [
        ("J+7", RECEIVED + timedelta(days=7)),
        ("J+30", RECEIVED + timedelta(days=30)),
    ]
    assert "R.1221-49-2" in steps[0].legal_basis[0]
    timers = db.exec(select(Timer).where(Timer.kind == "followup_due").order_by(Timer.due_at)).all()
    assert [(t.followup_step_id, t.due_at) for t in timers] == [(s.id, s.due_at) for s in steps]


def test_a_due_step_reminds_whoever_holds_the_item_once(db, people):
    item = file_report(db, people["reporter"], RECEIVED).items[0]
    triage.claim(db, item_id=item.id, actor=people["hv"], now=RECEIVED + timedelta(hours=1))
    db.commit()
    due = RECEIVED + timedelta(days=7, minutes=1)
    while clocks.process_due(db, now=due, base_url=BASE):
        db.commit()
    db.commit()
    mails = [m for m in db.exec(select(OutboxMessage)).all() if "J+7" in m.subject]
    assert [m.recipient_email for m in mails] == [people["hv"].email]
    assert "Faire le point sur l'enquête" in mails[0].text_body
    # Again later: the same step is not reminded twice.
    assert clocks.process_due(db, now=due + timedelta(hours=1), base_url=BASE) == 0


def test_a_step_done_with_a_note_is_audited_and_its_reminder_stops(db, people):
    item = file_report(db, people["reporter"], RECEIVED).items[0]
    now = RECEIVED + timedelta(days=2)
    step = triage.complete_followup_step(
        db,
        item_id=item.id,
        plan_id="f-hv-recipient-investigation",
        number=1,
        actor=people["hv"],
        note="RAI négative à J+5, imputabilité probable.",
        now=now,
    )
    db.commit()
    assert (step.done_at, step.done_by, step.note) == (
        now,
        people["hv"].id,
        "RAI négative à J+5, imputabilité probable.",
    )
    timer = db.exec(select(Timer).where(Timer.followup_step_id == step.id)).one()
    assert timer.outcome == "cancelled"
    event = db.exec(select(AuditEvent).where(AuditEvent.target == f"item:{item.id}:followup_step")).one()
    assert event.after["note"] == "RAI négative à J+5, imputabilité probable."
    assert event.actor_id == people["hv"].id
    with pytest.raises(Conflict):
        triage.complete_followup_step(
            db, item_id=item.id, plan_id="f-hv-recipient-investigation", number=1, actor=people["hv"], note="x", now=now
        )


def test_a_step_needs_a_note_and_a_worker_of_the_item(db, people):
    item = file_report(db, people["reporter"], RECEIVED).items[0]
    now = RECEIVED + timedelta(days=2)
    with pytest.raises(InvalidInput) as refused:
        triage.complete_followup_step(
            db, item_id=item.id, plan_id="f-hv-recipient-investigation", number=1, actor=people["hv"], note=" ", now=now
        )
    assert "note" in refused.value.errors
    for outsider in (people["bio"], people["reporter"]):
        with pytest.raises(NotFound):
            triage.complete_followup_step(
                db, item_id=item.id, plan_id="f-hv-recipient-investigation", number=1, actor=outsider, note="x", now=now
            )
    with pytest.raises(NotFound):
        triage.complete_followup_step(
            db, item_id=item.id, plan_id="f-hv-recipient-investigation", number=9, actor=people["hv"], note="x", now=now
        )
    assert steps_of(db, item.id)[0].done_at is None


def test_closing_the_item_ends_the_investigation_follow_up(db, people):
    item = file_report(db, people["reporter"], RECEIVED).items[0]
    now = RECEIVED + timedelta(days=3)
    triage.close(db, item_id=item.id, actor=people["hv"], outcome="not_reportable", note="", now=now)
    db.commit()
    assert all(s.cancelled_at == now for s in steps_of(db, item.id))
    assert all(t.outcome == "cancelled" for t in db.exec(select(Timer).where(Timer.kind == "followup_due")))


def test_a_gene_therapy_reaction_is_followed_yearly_for_fifteen_years_even_once_closed(db, people):
    item = file_report(db, people["reporter"], RECEIVED, product="Kymriah").items[0]
    assert item.queue == "pharmacovigilance"
    steps = steps_of(db, item.id)
    occurred = RECEIVED - timedelta(hours=1)
    assert len(steps) == 15
    assert steps[-1].due_at == occurred.replace(year=occurred.year + 15)
    triage.close(db, item_id=item.id, actor=people["pv"], outcome="information_only", note="", now=RECEIVED)
    db.commit()
    assert all(s.cancelled_at is None for s in steps_of(db, item.id))
    # The follow-up outlives the declaration: a worker of the queue marks a yearly check done.
    step = triage.complete_followup_step(
        db,
        item_id=item.id,
        plan_id="f-gene-therapy-long-term",
        number=1,
        actor=people["pv"],
        note="Visite annuelle faite.",
        now=RECEIVED + timedelta(days=366),
    )
    assert step.done_at is not None


def test_a_donor_event_of_an_atmp_gives_pharmacovigilance_an_information_copy_without_deadline(db, people):
    result = file_report(db, people["reporter"], RECEIVED, product="Kymriah", kind=EventKind.DONOR_ADVERSE_REACTION)
    report = db.get(Report, result.report.id)
    original = result.items[0]
    assert original.queue == "biovigilance"
    copy_item = db.exec(
        select(QueueItem).where(QueueItem.report_id == report.id, QueueItem.queue == "pharmacovigilance")
    ).one()
    copy = db.exec(select(InformationCopy).where(InformationCopy.queue_item_id == copy_item.id)).one()
    assert copy.original_item_id == original.id
    assert "R.1211-37" in copy.legal_basis[0]
    assert db.exec(select(Deadline).where(Deadline.queue_item_id == copy_item.id)).all() == []
    # Its correspondents read the report; the report's own queues are unchanged.
    assert report.queues == ["biovigilance"]
    assert may_read_report(people["pv"], report)
    assert not may_read_report(people["hv"], report)


def test_requalifying_opens_the_copies_and_plans_of_the_new_decision(db, people):
    result = file_report(db, people["reporter"], RECEIVED, product="produit inconnu xyz")
    item = result.items[0]
    assert item.queue == "qualification"
    coordinator = people["coordinator"]
    from routing import Category

    opened = triage.requalify(
        db,
        item_id=item.id,
        actor=coordinator,
        category=Category.LABILE_BLOOD_PRODUCT,
        now=RECEIVED + timedelta(hours=2),
    )
    db.commit()
    (hv_item,) = opened
    assert [s.label["fr"] for s in steps_of(db, hv_item.id)] == ["J+7", "J+30"]


def test_a_haemovigilance_correspondent_links_a_pharmacovigilance_report_of_the_establishment(db, people):
    hv_report = file_report(db, people["reporter"], RECEIVED).report
    pv_report = file_report(db, people["reporter"], RECEIVED + timedelta(minutes=5), product="albumine").report
    assert pv_report.queues == ["pharmacovigilance"]
    link = triage.link_reports(
        db,
        report_id=hv_report.id,
        other_report_id=pv_report.id,
        actor=people["hv"],
        reason="Même patient : CGR puis albumine.",
        now=RECEIVED + timedelta(hours=1),
    )
    db.commit()
    assert {link.report_id, link.other_report_id} == {hv_report.id, pv_report.id}


def test_a_reporter_or_another_establishment_still_cannot_link(db, people, make_user):
    from vigilance import accounts

    hv_report = file_report(db, people["reporter"], RECEIVED).report
    pv_report = file_report(db, people["reporter"], RECEIVED + timedelta(minutes=5), product="albumine").report
    elsewhere = accounts.create_establishment(db, finess="130000003", name="CH d'ailleurs")
    db.commit()
    outsider = make_user("correspondent", vigilances=["haemovigilance"], place=elsewhere)
    for actor in (people["reporter"], outsider, people["bio"]):
        with pytest.raises(NotFound):
            triage.link_reports(
                db,
                report_id=hv_report.id,
                other_report_id=pv_report.id,
                actor=actor,
                reason="x",
                now=RECEIVED + timedelta(hours=1),
            )


def test_the_daily_digest_lists_the_follow_up_steps_falling_due(db, people):
    from datetime import date

    from tests.scenarios import HOUR
    from vigilance import summaries
    from vigilance.models import Establishment
    from vigilance.periods import period_containing

    result = file_report(db, people["reporter"], RECEIVED)
    place = db.get(Establishment, people["hv"].establishment_id)
    # Monday 23 November at 07:00: the D+7 check (due 23 November, 09:00) is due today.
    summaries.run(
        db,
        "daily",
        period_containing("daily", date(2026, 11, 23)),
        place,
        now=paris(2026, 11, 23, 7, 0),
        hour=HOUR,
        base_url=BASE,
    )
    db.commit()
    digests = {
        m.recipient_id: m for m in db.exec(select(OutboxMessage)).all() if m.dedupe_key.startswith("summary:daily")
    }
    text = digests[people["hv"].id].text_body
    section = text.split("Étapes de suivi à faire (1)")[1]
    assert result.report.reference in section and "J+7" in section
    assert "Faire le point sur l'enquête" in section
    assert "J+7" in digests[people["hv"].id].html_body
    # Not the biovigilance correspondent's.
    assert people["bio"].id not in digests or "Étapes de suivi" not in digests[people["bio"].id].text_body


def test_requalifying_away_ends_the_old_queues_plan_and_its_reminders(db, people):
    from routing import Category

    item = file_report(db, people["reporter"], RECEIVED).items[0]
    now = RECEIVED + timedelta(days=1)
    (opened,) = triage.requalify(
        db, item_id=item.id, actor=people["coordinator"], category=Category.MEDICINE, now=now, reason="Un médicament."
    )
    db.commit()
    assert opened.queue == "pharmacovigilance"
    assert all(s.cancelled_at == now for s in steps_of(db, item.id))
    assert steps_of(db, opened.id) == []
    # The ended steps remind nobody, and cannot be marked done any more.
    assert clocks.process_due(db, now=RECEIVED + timedelta(days=40), base_url=BASE) >= 0
    db.commit()
    assert not [m for m in db.exec(select(OutboxMessage)).all() if m.dedupe_key.startswith("followup:")]
    with pytest.raises(NotFound):  # the haemovigilance item is closed and its report left the queue
        triage.complete_followup_step(
            db, item_id=item.id, plan_id="f-hv-recipient-investigation", number=1, actor=people["hv"], note="x", now=now
        )


def test_the_activity_figures_count_a_copy_in_the_informing_vigilance_only(db, people):
    file_report(db, people["reporter"], RECEIVED, product="Kymriah", kind=EventKind.DONOR_ADVERSE_REACTION)
    figures = statistics.activity(
        db,
        establishment_id=people["reporter"].establishment_id,
        queues=["biovigilance", "pharmacovigilance"],
        start=RECEIVED - timedelta(days=1),
        end=RECEIVED + timedelta(days=1),
        now=RECEIVED + timedelta(hours=1),
    )
    assert figures.queues["biovigilance"].received == 1
    assert figures.queues["pharmacovigilance"].received == 0
