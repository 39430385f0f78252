"""Summaries computed from known data: the right counts, the right items, the right language, once."""

from datetime import date, timedelta

from sqlmodel import select

from tests.scenarios import BASE, HOUR, file_report, paris
from vigilance import statistics, summaries, triage
from vigilance.models import Establishment, OutboxMessage, SummaryRun
from vigilance.periods import Period, latest_due, period_containing


def establishment_of(db, staff):
    return db.get(Establishment, staff["hv"].establishment_id)


def queued(db):
    """What the clocks and summaries queued (the alerts on arrival have their own tests: tests/app/test_alerts.py)."""
    db.rollback()
    return db.exec(
        select(OutboxMessage).where(~OutboxMessage.dedupe_key.startswith("alert:")).order_by(OutboxMessage.id)
    ).all()


def run(db, staff, kind, period, now):
    result = summaries.run(db, kind, period, establishment_of(db, staff), now=now, hour=HOUR, base_url=BASE)
    db.commit()
    return result


# Periods ---------------------------------------------------------------------------------------


def test_the_latest_due_period_follows_working_days_and_the_digest_hour(db, staff):
    calendar = summaries.calendar_of(establishment_of(db, staff))
    # Before 07:00 on Thursday 12, the latest digest was Tuesday's: Wednesday 11 is a holiday.
    assert latest_due("daily", paris(2026, 11, 12, 6, 59), hour=HOUR, calendar=calendar).start == date(2026, 11, 10)
    assert latest_due("daily", paris(2026, 11, 12, 7, 0), hour=HOUR, calendar=calendar).start == date(2026, 11, 12)
    # Sunday: Friday's digest; nobody gets one on Saturday.
    assert latest_due("daily", paris(2026, 11, 15, 12, 0), hour=HOUR, calendar=calendar).start == date(2026, 11, 13)
    # The weekly summary of 9-15 November goes out on Monday 16 at 07:00.
    assert latest_due("weekly", paris(2026, 11, 16, 6, 0), hour=HOUR, calendar=calendar).start == date(2026, 11, 2)
    assert latest_due("weekly", paris(2026, 11, 16, 7, 0), hour=HOUR, calendar=calendar) == Period(
        "weekly", date(2026, 11, 9), date(2026, 11, 16)
    )
    assert latest_due("monthly", paris(2026, 12, 1, 7, 0), hour=HOUR, calendar=calendar) == Period(
        "monthly", date(2026, 11, 1), date(2026, 12, 1)
    )
    assert latest_due("monthly", paris(2026, 12, 1, 6, 0), hour=HOUR, calendar=calendar).start == date(2026, 10, 1)


# The daily digest ------------------------------------------------------------------------------


def test_daily_digest_lists_new_due_soon_and_unanswered_items(db, staff, week):
    result = run(db, staff, "daily", period_containing("daily", date(2026, 11, 18)), paris(2026, 11, 18, 7, 0))
    by_person = {m.recipient_id: m for m in queued(db)}
    # The materiovigilance correspondent has nothing to read and did not ask for empty digests.
    assert staff["device"].id not in by_person and result.skipped_empty == 1
    digest = by_person[staff["hv"].id]
    assert digest.subject == "Vigilance — Votre point du 18 nov. 2026 : 1 en retard, 1 à échéance, 1 nouveau"
    # Overdue since Saturday 14: last week's serious reaction, never declared.
    assert week["last_week"].report.reference in digest.text_body.split("En retard (1)")[1].split("À échéance")[0]
    text = digest.text_body
    # New since Tuesday's digest at 07:00: the mild reaction of Tuesday 10:00, not Monday's.
    new_part = text.split("Nouveaux depuis le dernier point (1)")[1]
    assert week["mild"].report.reference in new_part.split("Questions")[0]
    # Due within two working days: the undeclared serious reaction (due Wednesday 09:00); the
    # declared one is met and the mild one is due in 15 working days.
    soon_part = text.split("À échéance d'ici deux jours ouvrables (1)")[1].split("Nouveaux")[0]
    assert week["late"].report.reference in soon_part
    assert week["declared"].report.reference not in soon_part and week["mild"].report.reference not in soon_part
    assert "18 nov. 2026, 10:00" in soon_part
    # The question asked on Monday is still unanswered; the item's link is given.
    unanswered = text.split("Questions sans réponse du déclarant (1)")[1]
    assert week["declared"].report.reference in unanswered
    assert f"{BASE}/queue-items/{week['declared'].items[0].id}" in unanswered
    # Only the person who asked sees it.
    assert "Questions the reporter has not answered" not in by_person[staff["hv_en"].id].text_body
    # The biovigilance correspondent sees the graft, not the blood.
    bio = by_person[staff["bio"].id].text_body
    assert week["graft"].report.reference in bio and week["late"].report.reference not in bio
    # No patient data, ever.
    assert "Frissons" not in text and "1956" not in text


def test_daily_digest_speaks_the_readers_language_and_flags_overdue(db, staff, week):
    run(db, staff, "daily", period_containing("daily", date(2026, 11, 19)), paris(2026, 11, 19, 7, 0))
    english = next(m for m in queued(db) if m.recipient_id == staff["hv_en"].id)
    assert english.subject == "Vigilance — Your digest for 19 Nov 2026: 2 overdue, 0 due soon, 0 new"
    overdue = english.text_body.split("Overdue (2)")[1]
    assert week["late"].report.reference in overdue and "[SERIOUS]" in overdue
    assert 'lang="en"' in english.html_body and "Overdue" in english.html_body


def test_an_item_held_by_a_colleague_is_not_in_my_digest(db, staff, week):
    triage.claim(db, item_id=week["late"].items[0].id, actor=staff["hv_en"], now=paris(2026, 11, 18, 8, 0))
    db.commit()
    run(db, staff, "daily", period_containing("daily", date(2026, 11, 19)), paris(2026, 11, 19, 7, 0))
    texts = {m.recipient_id: m.text_body for m in queued(db)}
    assert week["late"].report.reference in texts[staff["hv_en"].id]
    assert week["late"].report.reference not in texts[staff["hv"].id].split("Questions")[0]


def test_an_empty_digest_is_sent_only_to_who_asks_for_it(db, staff, week, make_user):
    wants_it = make_user("correspondent", vigilances=["materiovigilance"], digest_when_empty=True, language="en")
    no_digest = make_user("correspondent", vigilances=["haemovigilance"], daily_digest=False)
    run(db, staff, "daily", period_containing("daily", date(2026, 11, 18)), paris(2026, 11, 18, 7, 0))
    mail = {m.recipient_id: m for m in queued(db)}
    assert "Nothing to report today." in mail[wants_it.id].text_body
    assert staff["device"].id not in mail and no_digest.id not in mail
    assert staff["coordinator"].id not in mail and staff["reporter"].id not in mail


# The weekly summary ---------------------------------------------------------------------------


def test_weekly_summary_counts_the_week_beside_the_week_before(db, staff, week):
    period = period_containing("weekly", date(2026, 11, 16))
    now = paris(2026, 11, 23, 7, 0)
    summary = summaries.build_weekly(db, staff["hv"].establishment_id, period, now=now)
    hv = next(row for row in summary.queues if row.queue == "haemovigilance")
    assert (hv.received, hv.serious, hv.previous_received, hv.previous_serious) == (3, 2, 1, 1)
    # Declared on Tuesday: met. The other serious one was due Wednesday and nobody declared it:
    # missed, even though no worker has yet marked it so.
    assert (hv.met, hv.missed) == (1, 1)
    # Open now: the two undeclared ones and the mild one are new; the declared one still waits
    # for the reporter's answer.
    assert hv.open == {"new": 3, "awaiting_information": 1}
    # The last week's report is overdue since the 16th: it is missed in the week before.
    assert hv.previous_missed == 1
    assert summary.slowest[0].reference == week["last_week"].report.reference

    result = run(db, staff, "weekly", period, now)
    mail = {m.recipient_id: m for m in queued(db)}
    assert set(mail) == {staff["coordinator"].id, staff["coordinator_en"].id} and result.queued == 2
    french = mail[staff["coordinator"].id]
    assert french.subject == ("Vigilance — Synthèse hebdomadaire, semaine 47, du 16/11 au 22/11/2026 — CHU de Test")
    assert "Reçus : 3 (semaine précédente 1, +2)" in french.text_body
    # Open items counted per status, each count in the form its number takes.
    assert "Ouverts : 4 (1 en attente d'information, 3 nouveaux)" in french.text_body
    assert "Ouverts : 1 (1 nouveau)" in french.text_body
    english = mail[staff["coordinator_en"].id]
    assert "Received: 3 (previous week 1, +2)" in english.text_body
    assert "Open: 4 (1 awaiting information, 3 new)" in english.text_body
    # The chart is a table of inline-styled cells: no image to fetch, no script.
    assert "<img" not in english.html_body and "<script" not in english.html_body
    assert "Reports received, this week and the one before" in english.html_body


# The monthly activity report ----------------------------------------------------------------


def test_activity_counts_by_category_kind_severity_imputability_and_compliance(db, staff, week):
    period = period_containing("monthly", date(2026, 11, 1))
    report = statistics.activity(
        db,
        establishment_id=staff["hv"].establishment_id,
        queues=summaries.ALL_QUEUES,
        start=period.starts_at,
        end=period.ends_at,
        now=paris(2026, 12, 1, 7, 0),
    )
    hv = report.queues["haemovigilance"]
    assert hv.received == 4 and hv.serious == 3
    assert hv.by_category == {"labile_blood_product": 4}
    assert hv.by_event_kind == {"recipient_adverse_reaction": 4}
    # The assessed grade (3) replaces the reporter's estimate (2) for the declared report.
    assert hv.by_severity == {"2": 2, "3": 1, "1": 1}
    assert hv.by_imputability == {"2": 1, "not_assessed": 3}
    # Due in November: the declared one (met) and the two serious ones nobody declared (missed);
    # the mild one is due in December.
    assert (hv.compliance.met, hv.compliance.missed, hv.compliance.pending) == (1, 2, 0)
    assert round(hv.compliance.rate, 3) == 0.333
    assert [case.reference for case in hv.serious_cases] == [
        week[name].report.reference for name in ("last_week", "declared", "late")
    ]
    assert report.queues["biovigilance"].received == 1

    run(db, staff, "monthly", period, paris(2026, 12, 1, 7, 0))
    english = next(m for m in queued(db) if m.recipient_id == staff["coordinator_en"].id)
    assert english.subject == "Vigilance — Activity report, November 2026 — CHU de Test"
    assert "By severity grade: 1 1, 2 2, 3 1" in english.text_body
    # Levels read with their meaning on the queue's scale.
    assert "By imputability: 2 (probable) 1, not assessed 3" in english.text_body
    assert f"{BASE}/activity/2026/11" in english.text_body
    assert week["late"].report.reference in english.html_body


def test_monthly_report_writes_months_dates_and_counts_in_each_language(db, staff, week):
    """Babel's month names and dates, and each language's plural rule (French: "1 respecté")."""
    run(db, staff, "monthly", period_containing("monthly", date(2026, 11, 1)), paris(2026, 12, 1, 7, 0))
    french = next(m for m in queued(db) if m.recipient_id == staff["coordinator"].id)
    english = next(m for m in queued(db) if m.recipient_id == staff["coordinator_en"].id)
    assert french.subject == "Vigilance — Rapport d'activité, novembre 2026 — CHU de Test"
    assert english.subject == "Vigilance — Activity report, November 2026 — CHU de Test"
    late = week["late"].report.reference
    assert f"{late} · 16 nov. 2026 · " in french.text_body
    assert f"{late} · 16 Nov 2026 · " in english.text_body
    # Haemovigilance's November deadlines: one met, two missed, none waived.
    assert "(1 respecté, 2 dépassés, 0 levé)" in french.text_body
    assert "(1 met, 2 missed, 0 waived)" in english.text_body
    # One deadline met in three: French sets the sign off with a no-break space, English does not.
    assert "Respect des délais : 33\u00a0% (1 respecté" in french.text_body
    assert "Deadline compliance: 33% (1 met" in english.text_body


def test_daily_digest_counts_agree_with_their_number(db, staff, week):
    """One new item is "1 nouveau", three are "3 nouveaux"; English says "new" for both."""
    file_report(db, staff["reporter"], paris(2026, 11, 17, 11, 0))
    file_report(db, staff["reporter"], paris(2026, 11, 17, 12, 0))
    run(db, staff, "daily", period_containing("daily", date(2026, 11, 18)), paris(2026, 11, 18, 7, 0))
    by_person = {m.recipient_id: m for m in queued(db)}
    assert by_person[staff["hv"].id].subject.endswith(", 3 nouveaux")
    assert by_person[staff["hv_en"].id].subject.endswith(", 3 new")


# Once, and once only ---------------------------------------------------------------------------


def test_a_period_is_summarised_once_however_often_it_is_run(db, staff, week):
    period = period_containing("weekly", date(2026, 11, 16))
    first = run(db, staff, "weekly", period, paris(2026, 11, 23, 7, 0))
    second = run(db, staff, "weekly", period, paris(2026, 11, 23, 7, 1))
    assert first.claimed and first.queued == 2
    assert not second.claimed and second.queued == 0
    again = summaries.run(
        db,
        "weekly",
        period,
        establishment_of(db, staff),
        now=paris(2026, 11, 23, 9, 0),
        hour=HOUR,
        base_url=BASE,
        again=True,
    )
    db.commit()
    assert again.queued == 0 and len(again.emails) == 2
    assert len(queued(db)) == 2
    assert db.exec(select(SummaryRun)).one().queued == 2


def test_periods_missed_while_no_worker_ran_are_sent_once_when_one_comes_back(db, staff, week):
    # No worker since Friday 13: back on Thursday 19 at 15:00.
    back = paris(2026, 11, 19, 15, 0)
    due = summaries.due_runs(db, now=back, hour=HOUR)
    assert sorted((kind, period.start) for kind, period, _e in due) == [
        ("daily", date(2026, 11, 19)),
        ("monthly", date(2026, 10, 1)),
        ("weekly", date(2026, 11, 9)),
    ]
    for kind, period, establishment in due:
        summaries.run(db, kind, period, establishment, now=back, hour=HOUR, base_url=BASE)
    db.commit()
    sent = queued(db)
    assert summaries.due_runs(db, now=back + timedelta(minutes=1), hour=HOUR) == []
    keys = [m.dedupe_key for m in sent]
    assert len(keys) == len(set(keys))
    assert {k.split(":to:")[0] for k in keys} == {
        "summary:daily:2026-11-19",
        "summary:weekly:2026-11-09",
        "summary:monthly:2026-10-01",
    }
    # Friday morning the next digest is due, and only that.
    assert [(k, p.start) for k, p, _e in summaries.due_runs(db, now=paris(2026, 11, 20, 7, 0), hour=HOUR)] == [
        ("daily", date(2026, 11, 20))
    ]


def test_every_weekly_and_monthly_summary_missed_since_the_last_one_sent_goes_out(db, staff, week):
    # Sent on Monday 2 November (October's report, the week of 26 October); then no worker
    # until Wednesday 2 December.
    for kind, period in (
        ("monthly", period_containing("monthly", date(2026, 10, 1))),
        ("weekly", period_containing("weekly", date(2026, 10, 26))),
    ):
        summaries.run(
            db, kind, period, establishment_of(db, staff), now=paris(2026, 11, 2, 7, 0), hour=HOUR, base_url=BASE
        )
    db.commit()
    back = paris(2026, 12, 2, 10, 0)
    due = [(kind, period.start) for kind, period, _e in summaries.due_runs(db, now=back, hour=HOUR)]
    assert due == [
        ("daily", date(2026, 12, 2)),  # only today's digest: older ones would be stale
        ("weekly", date(2026, 11, 2)),
        ("weekly", date(2026, 11, 9)),
        ("weekly", date(2026, 11, 16)),
        ("weekly", date(2026, 11, 23)),
        ("monthly", date(2026, 11, 1)),
    ]


def test_a_period_sent_by_hand_during_an_outage_does_not_hide_the_ones_missed_before_it(db, staff, week):
    place = establishment_of(db, staff)
    summaries.run(
        db,
        "weekly",
        period_containing("weekly", date(2026, 10, 26)),
        place,
        now=paris(2026, 11, 2, 7, 0),
        hour=HOUR,
        base_url=BASE,
    )
    # No worker for weeks; on Monday 30 November someone sends last week's summary by hand.
    summaries.run(
        db,
        "weekly",
        period_containing("weekly", date(2026, 11, 23)),
        place,
        now=paris(2026, 11, 30, 9, 0),
        hour=HOUR,
        base_url=BASE,
    )
    db.commit()
    due = [
        period.start
        for kind, period, _e in summaries.due_runs(db, now=paris(2026, 11, 30, 10, 0), hour=HOUR)
        if kind == "weekly"
    ]
    assert due == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
