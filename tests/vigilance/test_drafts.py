"""Drafts of the report form in the domain: owner only, a report's lengths, audited, purged when old."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.scheduler import purge_drafts
from vigilance import audit, drafts
from vigilance.errors import Forbidden, InvalidInput, NotFound
from vigilance.models import AuditEvent, ReportDraft
from vigilance.storage.transaction import write_transaction

TYPED = {"product_name": "CGR", "description": "Frissons à 20 minutes.", "serious": "yes"}


def count(db, model=ReportDraft, *where):
    db.rollback()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_saving_the_same_form_again_updates_its_one_draft(db, make_user, now):
    clinician = make_user("reporter")
    with write_transaction(db):
        first = drafts.save(db, owner=clinician, form_token="f1", fields=TYPED, now=now)
    with write_transaction(db):
        again = drafts.save(
            db, owner=clinician, form_token="f1", fields={**TYPED, "lot_number": "L42"}, now=now + timedelta(seconds=5)
        )
    assert again.id == first.id
    assert count(db) == 1
    assert db.get(ReportDraft, first.id).fields["lot_number"] == "L42"


def test_another_person_is_told_the_draft_does_not_exist(db, make_user, now):
    owner, other = make_user("reporter"), make_user("reporter")
    with write_transaction(db):
        draft = drafts.save(db, owner=owner, form_token="f1", fields=TYPED, now=now)
    for act in (
        lambda: drafts.get(db, draft_id=draft.id, actor=other, now=now),
        lambda: drafts.update(db, draft_id=draft.id, actor=other, fields={}, now=now),
        lambda: drafts.remove(db, draft_id=draft.id, actor=other, now=now),
    ):
        with pytest.raises(NotFound), write_transaction(db):
            act()
    assert drafts.own_drafts(db, actor=other, now=now) == []
    db.rollback()
    assert db.get(ReportDraft, draft.id).fields == TYPED


def test_a_person_of_no_establishment_who_cannot_file_keeps_no_draft(db, make_user, now):
    administrator = make_user("admin")
    events_before = count(db, AuditEvent)  # the account's creation is audited
    with pytest.raises(Forbidden), write_transaction(db):
        drafts.save(db, owner=administrator, form_token="f1", fields=TYPED, now=now)
    assert count(db) == 0
    assert count(db, AuditEvent) == events_before


def test_a_field_longer_than_a_report_allows_is_refused_and_nothing_stored(db, make_user, now):
    clinician = make_user("reporter")
    with pytest.raises(InvalidInput) as refused, write_transaction(db):
        drafts.save(db, owner=clinician, form_token="f1", fields={"description": "x" * 10_001}, now=now)
    assert list(refused.value.errors) == ["fields.description"]
    with pytest.raises(InvalidInput) as refused, write_transaction(db):
        drafts.save(db, owner=clinician, form_token="f1", fields={"patient_name": "Dupont"}, now=now)
    assert list(refused.value.errors) == ["fields.patient_name"]
    assert count(db) == 0


def test_every_touch_is_audited_without_the_typed_text(db, make_user, now):
    clinician = make_user("reporter")
    with write_transaction(db):
        draft = drafts.save(db, owner=clinician, form_token="f1", fields=TYPED, now=now)
        drafts.get(db, draft_id=draft.id, actor=clinician, now=now)
        drafts.remove(db, draft_id=draft.id, actor=clinician, now=now)
    events = db.exec(select(AuditEvent).where(AuditEvent.target == f"draft:{draft.id}")).scalars().all()
    assert [e.action for e in events] == ["draft.create", "draft.read", "draft.delete"]
    assert all("Frissons" not in str(e.after) for e in events)
    assert audit.verify(db).ok


def test_drafts_untouched_past_the_retention_are_purged_by_the_daily_job(app, db, make_user, now):
    clinician = make_user("reporter")
    with write_transaction(db):
        drafts.save(db, owner=clinician, form_token="old", fields=TYPED, now=now - timedelta(days=31))
        drafts.save(db, owner=clinician, form_token="recent", fields=TYPED, now=now - timedelta(days=29))
    app.config["DRAFT_RETENTION_DAYS"] = 30
    with app.app_context():
        assert purge_drafts(app) == 1
    db.rollback()
    assert db.scalars(select(ReportDraft.form_token)).all() == ["recent"]


def test_two_first_saves_of_one_form_at_once_make_one_draft(engine, db, make_user, now):
    """The page saves as typing stops and as it is left: both may be the form's first save."""
    import threading

    from sqlmodel import Session

    clinician = make_user("reporter")
    results = {}

    def second_save():
        with Session(engine) as other, write_transaction(other):
            results["second"] = drafts.save(
                other, owner=clinician, form_token="f1", fields={"lot_number": "L2"}, now=now
            ).id

    with Session(engine) as first, write_transaction(first):
        drafts.save(first, owner=clinician, form_token="f1", fields={"lot_number": "L1"}, now=now)
        thread = threading.Thread(target=second_save)
        thread.start()
        thread.join(timeout=0.5)  # on PostgreSQL it waits on the unique key; on SQLite for the lock
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert count(db) == 1
    db.rollback()
    assert db.scalar(select(ReportDraft.fields))["lot_number"] == "L2"
