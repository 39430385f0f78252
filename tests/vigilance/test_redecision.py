"""Re-deciding open reports under a corrected or new rulebook, as requalification does."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from routing import Category
from routing.rulebook import DATA_DIR, load_rulebooks, shipped_rulebooks
from tests.scenarios import file_report, paris
from vigilance import redecision, triage
from vigilance.errors import Conflict, InvalidInput
from vigilance.models import Deadline, QueueItem, Report

FIXTURE = "fixture-2026-01-01"
RECEIVED = paris(2026, 11, 16, 10, 0)


@pytest.fixture
def corrected(tmp_path):
    """A law of 2026 (a fixture) that re-qualifies serum eye drops as a cell therapy preparation."""
    base = DATA_DIR / "rulebooks" / "fr-2024-01-02.toml"
    (tmp_path / "fr-2024-01-02.toml").write_text(base.read_text(encoding="utf-8"), encoding="utf-8")
    eye_drops = shipped_rulebooks().earliest.catalogue.lookup("collyre de sérum autologue").match.entry.id
    (tmp_path / "fixture.toml").write_text(
        f'id = "{FIXTURE}"\nextends = "fr-2024-01-02"\neffective_from = 2026-01-01\n'
        'title = { fr = "Fixture", en = "Fixture" }\n'
        f'[requalify."{eye_drops}"]\ncategory = "cell_therapy_preparation"\n'
        'legal_basis = ["Texte fictif de 2026, pour les tests"]\n',
        encoding="utf-8",
    )
    return load_rulebooks(tmp_path, DATA_DIR)


def test_a_changed_qualification_moves_the_report_to_its_new_queue(db, staff, corrected):
    eye_drops = file_report(db, staff["reporter"], RECEIVED, product="collyre de sérum autologue").report
    blood = file_report(db, staff["reporter"], RECEIVED + timedelta(minutes=1), product="CGR").report
    before_2026 = file_report(db, staff["reporter"], paris(2025, 12, 31, 12, 0), product="CGR").report
    found = redecision.preview(db, rulebook_id=FIXTURE, rulebooks=corrected)
    by_reference = {r.reference: r for r in found}
    assert set(by_reference) == {eye_drops.reference, blood.reference}  # 2025's event keeps its rulebook
    change = by_reference[eye_drops.reference]
    assert str(change.before) == "magistral_preparation [pharmacovigilance] (fr-2024-01-02)"
    assert str(change.after) == f"cell_therapy_preparation [biovigilance] ({FIXTURE})"
    assert {"category", "queues", "rulebook"} <= set(change.differences)
    assert by_reference[blood.reference].differences == ("rulebook",)
    assert before_2026.reference not in by_reference

    batch = redecision.apply(
        db, rulebook_id=FIXTURE, actor=staff["coordinator"], now=paris(2026, 11, 20, 9, 0), rulebooks=corrected
    )
    db.commit()
    assert len(batch.redecisions) == 2 and len(batch.opened_items) == 1
    items = {i.queue: i for i in db.exec(select(QueueItem).where(QueueItem.report_id == eye_drops.id)).all()}
    assert items["pharmacovigilance"].status == "closed" and items["pharmacovigilance"].outcome == "requalified"
    assert items["biovigilance"].status == "new"
    deadlines = db.exec(select(Deadline).where(Deadline.queue_item_id == items["biovigilance"].id)).all()
    assert deadlines and all(d.due_at <= RECEIVED + timedelta(days=3) for d in deadlines)  # from the receipt
    assert db.get(Report, eye_drops.id).queues == ["biovigilance"]
    assert redecision.preview(db, rulebook_id=FIXTURE, rulebooks=corrected) == []
    again = redecision.apply(db, rulebook_id=FIXTURE, actor=None, now=paris(2026, 11, 21, 9, 0), rulebooks=corrected)
    assert again.redecisions == () and again.batch_id is None


def test_a_persons_qualification_stands(db, staff, corrected):
    report = file_report(db, staff["reporter"], RECEIVED, product="collyre de sérum autologue")
    triage.requalify(
        db,
        item_id=report.items[0].id,
        actor=staff["coordinator"],
        category=Category.TISSUE,
        now=RECEIVED + timedelta(hours=1),
    )
    db.commit()
    found = redecision.preview(db, rulebook_id=FIXTURE, rulebooks=corrected)
    assert [(str(r.after), r.differences) for r in found] == [(f"tissue [biovigilance] ({FIXTURE})", ("rulebook",))]


def test_a_coordinator_sees_only_their_establishments_reports(db, staff, make_user, corrected):
    from vigilance import accounts

    other = accounts.create_establishment(db, finess="690000880", name="Autre CH")
    db.commit()
    elsewhere = make_user("reporter", place=other)
    file_report(db, elsewhere, RECEIVED, product="collyre de sérum autologue")
    mine = file_report(db, staff["reporter"], RECEIVED, product="collyre de sérum autologue").report
    found = redecision.preview(
        db, rulebook_id=FIXTURE, establishment_id=staff["coordinator"].establishment_id, rulebooks=corrected
    )
    assert [r.reference for r in found] == [mine.reference]


def test_an_approval_of_another_list_than_the_current_one_is_refused(db, staff, corrected):
    file_report(db, staff["reporter"], RECEIVED, product="collyre de sérum autologue")
    shown = redecision.fingerprint(redecision.preview(db, rulebook_id=FIXTURE, rulebooks=corrected))
    file_report(db, staff["reporter"], RECEIVED + timedelta(hours=1), product="collyre de sérum autologue")
    with pytest.raises(Conflict):
        redecision.apply(
            db, rulebook_id=FIXTURE, actor=None, now=RECEIVED + timedelta(hours=2), expected=shown, rulebooks=corrected
        )
    db.rollback()


def test_an_unknown_rulebook_is_a_field_error(db):
    with pytest.raises(InvalidInput) as refused:
        redecision.preview(db, rulebook_id="nowhere")
    assert "nowhere" in refused.value.messages("fr")["rulebook"][0]


def test_a_follow_up_declaration_meets_the_investigation_report_deadline(db, staff):
    report = file_report(db, staff["reporter"], paris(2027, 9, 1, 10, 0), product="greffe de cornée", grade=3)
    item = report.items[0]
    for kind, day in (("initial", date(2027, 9, 1)), ("follow_up", date(2027, 10, 1))):
        triage.declare(
            db,
            item_id=item.id,
            actor=staff["bio"],
            authority="ABM",
            authority_reference=f"ABM-{kind}",
            declared_on=day,
            kind=kind,
            now=paris(2027, 10, 1, 12, 0),
        )
    db.commit()
    states = {d.rule_id: d.state for d in db.exec(select(Deadline).where(Deadline.queue_item_id == item.id)).all()}
    assert states["d-soho-bv-investigation"] == "met"
