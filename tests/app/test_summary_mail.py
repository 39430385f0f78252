"""Summaries from the worker's job to a real SMTP server, on the Monday they fall due."""

import time_machine

from app.scheduler import deliver_mail, queue_summaries
from tests.scenarios import paris


def test_monday_morning_brings_the_digests_and_the_weekly_summary_once(app, engine, staff, week, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        deliver_mail(app)  # the alerts the week's reports raised on arrival (tests/app/test_alerts.py)
    smtp_server.inbox.messages.clear()
    # Monday 23 November 2026, 07:05 in Paris: Monday's digest, last week's summary, and
    # October's report (no worker ran on 1 November: it is sent now, once).
    with time_machine.travel(paris(2026, 11, 23, 7, 5), tick=False), app.app_context():
        queued = queue_summaries(app)
        assert queue_summaries(app) == 0  # the next tick finds every run done
        assert deliver_mail(app) == queued
    inbox = {(recipients[0], message["Subject"]): message for recipients, message in smtp_server.inbox.messages}
    subjects = sorted(subject for _to, subject in inbox)
    assert ("Vigilance — Synthèse hebdomadaire, semaine 47, du 16/11 au 22/11/2026 — CHU de Test") in subjects
    assert "Vigilance — Weekly summary, week 47, 16/11 to 22/11/2026 — CHU de Test" in subjects
    assert "Vigilance — Activity report, October 2026 — CHU de Test" in subjects
    # The opted-out coordinator gets nothing; the device correspondent had nothing to read.
    recipients = {to for to, _subject in inbox}
    assert staff["opted_out"].email not in recipients and staff["device"].email not in recipients
    digest = inbox[(staff["hv"].email, next(s for to, s in inbox if to == staff["hv"].email))]
    assert digest["Subject"].startswith("Vigilance — Votre point du 23 nov. 2026")
    assert digest.get_content_type() == "multipart/alternative"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert week["late"].report.reference in text and week["late"].report.reference in html
    assert "<img" not in html and 'style="' in html and "<link" not in html
    weekly = inbox[
        (staff["coordinator_en"].email, "Vigilance — Weekly summary, week 47, 16/11 to 22/11/2026 — CHU de Test")
    ]
    assert "Received: 3 (previous week 1, +2)" in weekly.get_body(preferencelist=("plain",)).get_content()
    assert len(smtp_server.inbox.messages) == queued


def test_one_failing_run_does_not_hold_up_the_other_establishments(app, engine, db, staff, week, make_user):
    from sqlmodel import select

    from vigilance import accounts
    from vigilance.models import OutboxMessage

    elsewhere = accounts.create_establishment(db, finess="750000002", name="CH Ailleurs")
    db.commit()
    other = make_user("correspondent", vigilances=["haemovigilance"], place=elsewhere, digest_when_empty=True)
    # A broken row in the first establishment: a correspondent's queue that no label knows, so
    # that establishment's digests cannot be written.
    staff["hv"].vigilances = ["no-such-queue"]
    db.add(staff["hv"])
    db.commit()
    with time_machine.travel(paris(2026, 11, 23, 7, 5), tick=False), app.app_context():
        queue_summaries(app)
    db.expire_all()
    daily = {
        m.recipient_id
        for m in db.exec(select(OutboxMessage)).all()
        if m.dedupe_key.startswith("summary:daily:2026-11-23")
    }
    # The broken establishment's run was rolled back whole (tried again next tick); the other
    # establishment, after it in the loop, got its digest all the same.
    assert daily == {other.id}
