"""``vigilance summaries send``: preview, send by hand, and never twice."""

from sqlmodel import select

from app.cli import cli
from vigilance.models import OutboxMessage, SummaryRun


def outbox(db):
    """The summaries queued (the alerts of the week's serious reports are not this test's)."""
    db.rollback()
    return db.exec(select(OutboxMessage).where(~OutboxMessage.dedupe_key.startswith("alert:"))).all()


def test_dry_run_prints_the_summaries_and_queues_nothing(runner, db, staff, week):
    result = runner.invoke(cli, ["summaries", "send", "--period", "weekly", "--date", "2026-11-18", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "weekly:2026-11-16: 2 would be queued" in result.output
    assert f"--- To: {staff['coordinator_en'].email} (en)" in result.output
    assert "Subject: Vigilance — Weekly summary, week 47, 16/11 to 22/11/2026 — CHU de Test" in result.output
    assert "Reçus : 3 (semaine précédente 1, +2)" in result.output
    assert outbox(db) == [] and db.exec(select(SummaryRun)).all() == []


def test_sending_by_hand_twice_queues_each_summary_once(runner, db, staff, week):
    first = runner.invoke(cli, ["summaries", "send", "--period", "daily", "--date", "2026-11-18"])
    assert first.exit_code == 0, first.output
    assert "daily:2026-11-18: 3 queued, 0 already queued before, 1 empty digests left out" in first.output
    second = runner.invoke(cli, ["summaries", "send", "--period", "daily", "--date", "2026-11-18"])
    assert "daily:2026-11-18: 0 queued, 3 already queued before" in second.output
    assert len(outbox(db)) == 3
    assert [(r.period, str(r.period_start), r.queued) for r in db.exec(select(SummaryRun))] == [
        ("daily", "2026-11-18", 3)
    ]


def test_an_unknown_period_or_establishment_is_refused(runner, staff):
    assert runner.invoke(cli, ["summaries", "send", "--period", "hourly"]).exit_code == 2
    result = runner.invoke(cli, ["summaries", "send", "--period", "daily", "--establishment", "999999999"])
    assert result.exit_code == 1 and "No establishment 999999999." in result.output


def test_a_period_not_yet_due_can_be_previewed_but_not_sent(runner, db, staff):
    result = runner.invoke(cli, ["summaries", "send", "--period", "monthly", "--date", "2099-05-10"])
    assert result.exit_code == 1
    assert "monthly:2099-05-01 is not due before 2099-06-01 07:00 (Europe/Paris)" in result.output
    assert outbox(db) == [] and db.exec(select(SummaryRun)).all() == []
    preview = runner.invoke(cli, ["summaries", "send", "--period", "monthly", "--date", "2099-05-10", "--dry-run"])
    assert preview.exit_code == 0 and "would be queued" in preview.output
