"""Figures that cannot be bent: a missed deadline stays missed in the activity report, the
monthly summary and the dashboard, whatever is done to its item after its due time; a waiver
only before it; a declaration counts from the moment it was made.

The known month (tests/conftest.py ``week``): haemovigilance's November deadlines are one met
(``declared``) and two missed (``last_week``, due 14 November, and ``late``, due Wednesday 18
November at 10:00, nobody declared either).
"""

from datetime import date, datetime

import pytest
from sqlmodel import select

from routing import Category
from tests.app.test_dashboard_pages import read_csv, switch
from tests.scenarios import HOUR, paris
from vigilance import statistics, summaries, triage
from vigilance.errors import InvalidInput
from vigilance.models import Deadline, DeadlineState, OutboxMessage
from vigilance.periods import period_containing


def figures_everywhere(client, db, staff) -> tuple[int, int, int]:
    """Haemovigilance's November deadlines (met, missed, waived) as each reader sees them; they agree."""
    db.commit()
    month = period_containing("monthly", date(2026, 11, 1))
    hv = statistics.activity(
        db,
        establishment_id=staff["hv"].establishment_id,
        queues=summaries.ALL_QUEUES,
        start=month.starts_at,
        end=month.ends_at,
        now=paris(2026, 12, 1, 7, 0),
    ).queues["haemovigilance"]
    report = (hv.compliance.met, hv.compliance.missed, hv.compliance.waived)

    # The monthly summary's email.
    summaries.run(
        db,
        "monthly",
        month,
        db.get(summaries.Establishment, staff["hv"].establishment_id),
        now=paris(2026, 12, 1, 7, 0),
        hour=HOUR,
        base_url="http://x",
    )
    db.commit()
    email = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.recipient_id == staff["coordinator_en"].id, OutboxMessage.subject.contains("Activity report")
        )
    ).one()
    met, missed, waived = report
    assert f"({met} met, {missed} missed, {waived} waived)" in email.text_body

    # The activity report's export and the dashboard, through the pages.
    switch(client, staff["coordinator_en"])
    rows = read_csv(client.get("/activity/2026/11/export.csv"), ",")
    activity = {
        r["Key"]: int(r["Value"])
        for r in rows
        if (r["Section"], r["Vigilance system"]) == ("deadlines", "haemovigilance") and r["Key"] != "compliance_rate"
    }
    assert (activity["met"], activity["missed"], activity["waived"]) == report
    rows = read_csv(client.get("/dashboard.csv?from=2026-11-01&to=2026-11-30&queue=haemovigilance"), ",")
    board = {r["Key"]: r["Value"] for r in rows if r["Figure"] == "deadlines" and r["Key"] != "compliance_rate"}
    assert (int(board["met"]), int(board["missed"]), int(board["waived"])) == report
    return report


def late_item(week):
    return week["late"].items[0].id


def late_deadline(db, week) -> Deadline:
    return db.exec(select(Deadline).where(Deadline.queue_item_id == late_item(week))).one()


def test_the_known_month(client, db, staff, week):
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_closing_an_item_after_its_due_time_keeps_its_deadline_missed(client, db, staff, week):
    triage.claim(db, item_id=late_item(week), actor=staff["hv"], now=paris(2026, 11, 19, 9, 0))
    triage.close(
        db, item_id=late_item(week), actor=staff["hv"], outcome="not_reportable", note="", now=paris(2026, 11, 19, 9, 5)
    )
    assert late_deadline(db, week).state == DeadlineState.MISSED
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_closing_before_the_due_time_still_waives(client, db, staff, week):
    triage.claim(db, item_id=late_item(week), actor=staff["hv"], now=paris(2026, 11, 18, 9, 0))
    triage.close(
        db, item_id=late_item(week), actor=staff["hv"], outcome="not_reportable", note="", now=paris(2026, 11, 18, 9, 5)
    )
    assert late_deadline(db, week).state == DeadlineState.WAIVED
    assert figures_everywhere(client, db, staff) == (1, 1, 1)


def test_requalifying_after_the_due_time_keeps_the_old_queue_s_deadline_missed(client, db, staff, week):
    # The issue's case: the month went from 1 missed to 0 missed, 1 waived.
    triage.requalify(
        db, item_id=late_item(week), actor=staff["hv"], category=Category.TISSUE, now=paris(2026, 11, 20, 9, 0)
    )
    deadline = late_deadline(db, week)
    assert deadline.state == DeadlineState.MISSED and deadline.waiver_reason is None
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_a_deadline_escalated_by_the_clocks_stays_missed_when_closed(client, db, staff, week):
    from vigilance.clocks import process_due

    process_due(db, now=paris(2026, 11, 18, 10, 1), base_url="http://x")
    db.commit()
    assert late_deadline(db, week).state == DeadlineState.MISSED
    triage.claim(db, item_id=late_item(week), actor=staff["hv"], now=paris(2026, 11, 18, 10, 2))
    triage.close(
        db,
        item_id=late_item(week),
        actor=staff["hv"],
        outcome="not_reportable",
        note="",
        now=paris(2026, 11, 18, 10, 3),
    )
    assert late_deadline(db, week).state == DeadlineState.MISSED
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_a_waiver_after_the_due_time_is_refused_with_the_field(client, db, staff, week):
    deadline_id = late_deadline(db, week).id
    triage.claim(db, item_id=late_item(week), actor=staff["hv"], now=paris(2026, 11, 18, 9, 0))
    with pytest.raises(InvalidInput) as refused:
        triage.waive_deadline(
            db, deadline_id=deadline_id, actor=staff["hv"], reason="Hors champ", now=paris(2026, 11, 18, 10, 0)
        )
    assert set(refused.value.messages("fr")) == {"reason"}
    assert "déjà dépassé" in refused.value.messages("fr")["reason"][0]
    db.rollback()
    assert late_deadline(db, week).settled_at is None
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_a_waiver_before_the_due_time_with_a_reason_counts_as_waived(client, db, staff, week):
    deadline_id = late_deadline(db, week).id
    triage.claim(db, item_id=late_item(week), actor=staff["hv"], now=paris(2026, 11, 18, 9, 0))
    triage.waive_deadline(
        db, deadline_id=deadline_id, actor=staff["hv"], reason="Hors champ", now=paris(2026, 11, 18, 9, 59)
    )
    assert figures_everywhere(client, db, staff) == (1, 1, 1)


def test_a_waiver_recorded_after_the_due_time_before_the_fix_counts_as_missed(client, db, staff, week):
    """Rows bent before waivers were refused late still count as missed."""
    deadline = late_deadline(db, week)
    deadline.state, deadline.settled_at, deadline.waiver_reason = DeadlineState.WAIVED, paris(2026, 11, 19, 9, 0), "x"
    db.add(deadline)
    db.commit()
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def declare(db, staff, week, now, **when):
    triage.claim(db, item_id=late_item(week), actor=staff["hv"], now=now)
    return triage.declare(
        db,
        item_id=late_item(week),
        actor=staff["hv"],
        authority="ANSM",
        authority_reference="EFIT-9",
        kind="initial",
        now=now,
        **when,
    )


def test_a_declaration_made_before_the_due_hour_of_the_due_day_is_on_time(client, db, staff, week):
    # Made at 09:30 on the due day (due 10:00), recorded in the afternoon.
    declaration = declare(db, staff, week, paris(2026, 11, 18, 15, 0), declared_at=paris(2026, 11, 18, 9, 30))
    assert declaration.declared_at == paris(2026, 11, 18, 9, 30) and declaration.declared_on == date(2026, 11, 18)
    assert figures_everywhere(client, db, staff) == (2, 1, 0)


def test_a_declaration_made_after_the_due_hour_is_late(client, db, staff, week):
    declare(db, staff, week, paris(2026, 11, 18, 15, 0), declared_at=paris(2026, 11, 18, 10, 30))
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_a_bare_date_stands_for_the_end_of_the_day_or_now(client, db, staff, week):
    # Recorded on the due day after the due hour: the day alone does not prove it was on time.
    declaration = declare(db, staff, week, paris(2026, 11, 18, 15, 0), declared_on=date(2026, 11, 18))
    assert declaration.declared_at == paris(2026, 11, 18, 15, 0)
    assert figures_everywhere(client, db, staff) == (1, 2, 0)


def test_a_bare_date_recorded_before_the_due_hour_is_on_time(client, db, staff, week):
    declaration = declare(db, staff, week, paris(2026, 11, 18, 9, 30), declared_on=date(2026, 11, 18))
    assert declaration.declared_at == paris(2026, 11, 18, 9, 30)
    assert figures_everywhere(client, db, staff) == (2, 1, 0)


def test_a_declaration_in_the_future_is_refused_with_its_field(db, staff, week):
    with pytest.raises(InvalidInput) as refused:
        declare(db, staff, week, paris(2026, 11, 18, 9, 0), declared_at=paris(2026, 11, 18, 9, 30))
    assert set(refused.value.messages("fr")) == {"declared_at"}
    db.rollback()
    with pytest.raises(InvalidInput) as refused:
        declare(db, staff, week, paris(2026, 11, 18, 9, 0))
    assert set(refused.value.messages("fr")) == {"declared_at"}


def test_a_naive_time_is_the_time_in_france(db, staff, week):
    declaration = declare(db, staff, week, paris(2026, 11, 18, 15, 0), declared_at=datetime(2026, 11, 18, 9, 30))
    assert declaration.declared_at == paris(2026, 11, 18, 9, 30)
