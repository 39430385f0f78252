"""``vigilance rulebook list|diff|redecide`` and the classify doors under the SoHO rulebook."""

import json
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.cli import cli
from tests.scenarios import file_report, paris
from vigilance.models import AuditEvent, Deadline, QueueItem, Report

SOHO = "eu-soho-2027-08-07"
REGULATION = "Règlement (UE) 2024/1938"


def test_list_names_every_rulebook_with_its_date_and_title(runner):
    result = runner.invoke(cli, ["rulebook", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("fr-2024-01-02\t2024-01-02\tVigilances françaises")
    assert lines[1].startswith(f"{SOHO}\t2027-08-07\tRèglement SoHO")
    english = runner.invoke(cli, ["rulebook", "list", "--lang", "en"])
    assert "SoHO Regulation (EU) 2024/1938" in english.output


def test_diff_lists_changed_rules_and_policies_with_their_legal_basis(runner):
    result = runner.invoke(cli, ["rulebook", "diff", "fr-2024-01-02", SOHO])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "+ r-bv-organ (added)" in out and "~ r-bv (changed)" in out
    assert "categories: ['breast_milk', 'cell_therapy_preparation', 'organ', 'tissue'] -> " in out
    assert "+ d-soho-bv-investigation (added)" in out
    assert "+ w-soho-serum-eye-drops (added)" in out
    assert f"§ {REGULATION}, art. 2 (organes exclus du champ)" in out
    assert "Catalogue entries whose category or queues change: 0" in out
    same = runner.invoke(cli, ["rulebook", "diff", SOHO, SOHO])
    assert same.exit_code == 0 and "No change." in same.output


def test_diff_refuses_an_unknown_rulebook_naming_the_known_ones(runner):
    result = runner.invoke(cli, ["rulebook", "diff", "fr-2024-01-02", "fr-2099"])
    assert result.exit_code != 0
    assert "fr-2099" in result.output and SOHO in result.output


def test_classify_api_decides_a_2027_event_under_the_soho_rulebook(client):
    body = {"event_kind": "recipient_adverse_reaction", "product": {"name": "greffe de cornée"}}
    later = client.post("/api/v1/classify", json=body | {"occurred_at": "2027-09-01T10:00:00+02:00"})
    assert later.status_code == 200, later.json
    assert later.json["rulebook"]["id"] == SOHO and later.json["rulebook"]["effective_from"] == "2027-08-07"
    assert any(REGULATION in basis for basis in later.json["legal_basis"])
    earlier = client.post("/api/v1/classify", json=body | {"occurred_at": "2027-08-06T10:00:00+02:00"})
    assert earlier.json["rulebook"]["id"] == "fr-2024-01-02"


def test_classify_command_says_the_soho_rulebook_decided(runner):
    result = runner.invoke(cli, ["classify", "greffe de cornée", "--serious", "--on", "2027-09-01"])
    assert result.exit_code == 0, result.output
    assert SOHO in result.output and REGULATION in result.output
    as_json = runner.invoke(cli, ["classify", "CGR", "--on", "2027-08-07", "--json"])
    assert json.loads(as_json.output)["rulebook"]["id"] == SOHO


# Re-deciding ---------------------------------------------------------------------------------


def filed_before_soho(db, reporter, product, received):
    """A report decided under the 2024 rules whose event turns out to fall after 7 August 2027:
    as a report filed before the SoHO rulebook shipped would be (its event date is the only
    thing set here; its decision, items and deadlines are intake's)."""
    result = file_report(db, reporter, received, product=product, serious=True, grade=3)
    report_id = result.report.id
    db.exec(update(Report).where(Report.id == report_id).values(occurred_at=paris(2027, 8, 10, 9, 0)))
    db.commit()
    return db.get(Report, report_id)


def test_redecide_dry_run_lists_reports_whose_decision_differs_and_changes_nothing(runner, db, staff):
    cornea = filed_before_soho(db, staff["reporter"], "greffe de cornée", paris(2027, 8, 6, 10, 0))
    current = file_report(db, staff["reporter"], paris(2027, 9, 2, 10, 0), product="CGR").report  # SoHO already
    old = file_report(db, staff["reporter"], paris(2027, 3, 2, 10, 0), product="CGR").report  # 2024 rules
    deadlines = db.exec(select(Deadline).where(Deadline.report_id == cornea.id)).all()
    result = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", SOHO])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{cornea.reference}\ttissue [biovigilance] (fr-2024-01-02)\t->\t")
    assert f"tissue [biovigilance] ({SOHO})" in lines[0] and "rulebook" in lines[0] and "deadlines" in lines[0]
    assert current.reference not in result.output and old.reference not in result.output
    assert "1 open report(s) would be re-decided" in lines[-1]
    db.expire_all()
    assert db.get(Report, cornea.id).rulebook_id == "fr-2024-01-02"
    assert len(db.exec(select(Deadline).where(Deadline.report_id == cornea.id)).all()) == len(deadlines)


def test_redecide_apply_is_one_audited_batch_counted_from_receipt_and_idempotent(runner, db, staff):
    received = paris(2027, 8, 6, 10, 0)
    cornea = filed_before_soho(db, staff["reporter"], "greffe de cornée", received)
    blood = filed_before_soho(db, staff["reporter"], "CGR", received + timedelta(minutes=5))
    result = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", SOHO, "--apply"])
    assert result.exit_code == 0, result.output
    assert "Re-decided 2 report(s)" in result.output
    db.expire_all()
    for report in (cornea, blood):
        stored = db.get(Report, report.id)
        assert stored.rulebook_id == SOHO and stored.decision["rulebook"]["id"] == SOHO
    # The regulation's investigation report is now due, counted from the original receipt.
    added = db.exec(
        select(Deadline).where(Deadline.report_id == cornea.id, Deadline.rule_id == "d-soho-bv-investigation")
    ).one()
    assert added.due_at.date() == (received + timedelta(days=90)).date()
    items = db.exec(select(QueueItem).where(QueueItem.report_id == cornea.id)).all()
    assert [(i.queue, i.status) for i in items] == [("biovigilance", "new")]
    batch = db.exec(select(AuditEvent).where(AuditEvent.target == f"rulebook:{SOHO}:redecide")).all()
    assert {e.report_id for e in batch} == {None, cornea.id, blood.id}
    summary = next(e for e in batch if e.report_id is None)
    assert summary.after["reports"] == [cornea.reference, blood.reference]
    again = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", SOHO, "--apply"])
    assert again.exit_code == 0 and "Re-decided 0 report(s)" in again.output
    assert len(db.exec(select(AuditEvent).where(AuditEvent.target.like("rulebook:%"))).all()) == len(batch)
    assert runner.invoke(cli, ["rulebook", "redecide", "--rulebook", SOHO]).output.startswith("0 open report(s)")


def test_redecide_refuses_an_unknown_rulebook(runner, db):
    result = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", "nowhere"])
    assert result.exit_code != 0 and "nowhere" in result.output and SOHO in result.output


def test_diff_and_redecide_on_freshly_loaded_demo_data_say_what_a_coordinator_needs(runner, app):
    """As ``make run`` sets it up: the demo's events are all before 7 August 2027 (no event is in
    the future), so the SoHO rulebook decides none of them yet, and says so rather than nothing;
    the 2024 rules decide them all, and re-deciding changes none."""
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0  # make run's setup: migrations, then the demo
    assert runner.invoke(cli, ["demo", "load"]).exit_code == 0

    diff = runner.invoke(cli, ["rulebook", "diff", "fr-2024-01-02", SOHO])
    assert diff.exit_code == 0, diff.output
    assert "Catalogue entries whose category or queues change:" in diff.output and REGULATION in diff.output

    soho = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", SOHO])
    assert soho.exit_code == 0, soho.output
    assert soho.output.strip() == (
        f"No open report is decided by {SOHO} yet: it governs events from 2027-08-07, and no open "
        "report's event falls in its span. Nothing to re-decide; nothing changed."
    )

    current = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", "fr-2024-01-02"])
    assert current.exit_code == 0, current.output
    (line,) = current.output.splitlines()
    assert line.startswith("0 open report(s) would be re-decided under fr-2024-01-02; nothing changed. ")
    governed = int(line.split(". ")[1].split()[0])
    with Session(app.extensions["vigilance.db"]) as db:
        open_reports = db.exec(select(func.count()).select_from(Report).where(Report.status != "closed")).one()
    assert governed == open_reports > 0
    assert line.endswith("are decided by it: re-deciding any of them would give the same decision.")
