"""The kept counts per status equal a real count after intake, every transition and any plain statement."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlmodel import Session

from routing import Category, EventKind, ProductFacts
from vigilance import intake, triage
from vigilance.models import Alert, CaseFileRecord, Deadline, FollowupStep, ItemStatus, QueueItem, Timer
from vigilance.storage import status_counts as counts
from vigilance.storage.engine import make_engine
from vigilance.storage.settings import StorageSettings

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def counted(db) -> dict[tuple[str, int], dict[str, int]]:
    """What a GROUP BY over the items finds, per queue and establishment (every status present)."""
    found: dict[tuple[str, int], dict[str, int]] = {}
    for queue, place, status, n in db.execute(
        select(QueueItem.queue, QueueItem.establishment_id, QueueItem.status, func.count()).group_by(
            QueueItem.queue, QueueItem.establishment_id, QueueItem.status
        )
    ).all():
        found.setdefault((queue, place), {s.value: 0 for s in ItemStatus})[status] = n
    return found


def assert_counts_hold(db) -> None:
    db.commit()  # what is compared is what was committed together
    real = counted(db)
    assert real, "no items to count"
    for (queue, place), statuses in real.items():
        assert counts.status_counts(db, queue=queue, establishment_id=place) == statuses, (queue, place)
    # And nothing is counted for a queue that has no item.
    kept = db.execute(
        select(counts._TABLE.c.queue, counts._TABLE.c.establishment_id).where(counts._TABLE.c.count != 0).distinct()
    ).all()
    assert {tuple(k) for k in kept} <= set(real)


def submit(db, reporter, **changes):
    draft = dict(
        event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
        occurred_at=NOW - timedelta(hours=3),
        product=ProductFacts(name="CGR"),
        description="Frissons.",
        serious=True,
        severity_grade=2,
    )
    draft.update(changes)
    result = intake.submit(db, actor=reporter, now=NOW, draft=intake.Draft(**draft))
    db.commit()
    return result


@pytest.fixture
def people(make_user):
    return {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance", "biovigilance", "qualification"]),
        "hv2": make_user("correspondent", vigilances=["haemovigilance", "biovigilance", "qualification"]),
        "coordinator": make_user("coordinator"),
    }


def test_counts_follow_intake_and_every_transition(db, people):
    hv, hv2, reporter = people["hv"], people["hv2"], people["reporter"]
    for grade in (1, 2, 3):
        submit(db, reporter, severity_grade=grade)
    submit(db, reporter, product=ProductFacts(name="Greffon de cornée"), event_kind=EventKind.DONOR_ADVERSE_REACTION)
    assert_counts_hold(db)
    first, second, third = (r.items[0].id for r in [submit(db, reporter) for _ in range(3)])
    assert_counts_hold(db)

    steps = [
        lambda: triage.claim(db, item_id=first, actor=hv, now=NOW),  # new -> in progress
        lambda: triage.claim(db, item_id=first, actor=hv, now=NOW),  # already held: nothing moves
        lambda: triage.release(db, item_id=first, actor=hv, now=NOW),
        lambda: triage.assign(db, item_id=first, actor=hv, assignee_id=hv2.id, now=NOW),
        # Assessing an unheld new item takes it on the way (new -> in progress).
        lambda: triage.assess(
            db, item_id=second, actor=hv, now=NOW, based_on_version=0, data=triage.AssessmentInput(imputability="1")
        ),
        lambda: triage.request_information(db, item_id=second, actor=hv, question="Hémocultures ?", now=NOW),
        lambda: triage.answer_information(
            db, request_id=_question_of(db, second), actor=reporter, answer="Négatives.", now=NOW
        ),
        lambda: triage.declare(
            db,
            item_id=second,
            actor=hv,
            authority="ANSM",
            authority_reference="E-1",
            declared_on=date(2026, 11, 23),
            kind="initial",
            now=NOW,
        ),
        lambda: triage.close(db, item_id=second, actor=hv, outcome="declared", note="", now=NOW),
        lambda: triage.reopen(db, item_id=second, actor=hv, reason="Nouvel élément.", now=NOW),
        lambda: triage.waive_deadline(
            db, deadline_id=_open_deadline_of(db, third), actor=hv, reason="Hors champ.", now=NOW
        ),
        # Requalified: the haemovigilance item is closed, a biovigilance one opened...
        lambda: triage.requalify(db, item_id=third, actor=hv, category=Category.TISSUE, now=NOW),
        # ...and back: the closed haemovigilance item is reopened as new, the other closed.
        lambda: triage.requalify(
            db, item_id=_item_in(db, third, "biovigilance"), actor=hv, category=Category.LABILE_BLOOD_PRODUCT, now=NOW
        ),
        lambda: triage.close(db, item_id=first, actor=hv2, outcome="not_reportable", note="", now=NOW),
    ]
    for step in steps:
        step()
        assert_counts_hold(db)


def test_a_refused_transition_moves_nothing(db, people):
    item_id = submit(db, people["reporter"]).items[0].id
    triage.claim(db, item_id=item_id, actor=people["hv"], now=NOW)
    db.commit()
    with pytest.raises(triage.Conflict):
        triage.claim(db, item_id=item_id, actor=people["hv2"], now=NOW)
    db.rollback()
    assert_counts_hold(db)


def test_a_status_set_through_the_orm_is_counted_at_flush(db, people):
    item_id = submit(db, people["reporter"]).items[0].id
    db.expire_all()  # the status is not loaded: setting it must still know where it came from
    item = db.get(QueueItem, item_id)
    db.expire(item, ["status"])
    item.status = ItemStatus.DECLARED
    db.flush()
    item.status = ItemStatus.CLOSED  # two flushes in one transaction
    db.add(item)
    assert_counts_hold(db)


def _question_of(db, item_id: int) -> int:
    from vigilance.models import InformationRequest

    return db.scalars(select(InformationRequest.id).where(InformationRequest.queue_item_id == item_id)).first()


def _open_deadline_of(db, item_id: int) -> int:
    return db.scalars(
        select(Deadline.id).where(Deadline.queue_item_id == item_id, Deadline.settled_at.is_(None))
    ).first()


def _item_in(db, item_id: int, queue: str) -> int:
    report_id = db.get(QueueItem, item_id).report_id
    return db.scalars(select(QueueItem.id).where(QueueItem.report_id == report_id, QueueItem.queue == queue)).one()


def test_the_bulk_loader_keeps_the_counts_too(db, database_url, establishment):
    from bench import load_reports

    load_reports.load(database_url, load_reports.Options(reports=300, batch=120), progress=False, parallel=False)
    assert_counts_hold(db)


def test_plain_statements_move_the_counts_too(db, people):
    """No code path has to remember the counts: the summaries' bulk move to awaiting information
    (a plain UPDATE of many items), a Core update, one typed in a SQL shell, a delete."""
    reporter, hv = people["reporter"], people["hv"]
    ids = [submit(db, reporter).items[0].id for _ in range(5)]
    for item_id in ids[:3]:
        triage.claim(db, item_id=item_id, actor=hv, now=NOW)
    db.commit()
    db.execute(
        text(
            "UPDATE queue_items SET status = 'awaiting_information' WHERE status = 'in_progress' "
            "RETURNING id, queue, establishment_id"
        )
    ).all()
    assert_counts_hold(db)
    db.execute(update(QueueItem).where(QueueItem.id == ids[3]).values(status=ItemStatus.CLOSED.value))
    assert_counts_hold(db)
    db.execute(text("UPDATE queue_items SET status = status, version = version + 1"))  # no status changes
    assert_counts_hold(db)
    its_deadlines = select(Deadline.id).where(Deadline.queue_item_id == ids[4])
    db.execute(delete(Timer).where(Timer.deadline_id.in_(its_deadlines)))
    db.execute(delete(Deadline).where(Deadline.queue_item_id == ids[4]))
    db.execute(delete(Alert).where(Alert.queue_item_id == ids[4]))  # a serious report's alerts
    its_steps = select(FollowupStep.id).where(FollowupStep.queue_item_id == ids[4])  # its follow-up plan
    db.execute(delete(Timer).where(Timer.followup_step_id.in_(its_steps)))
    db.execute(delete(FollowupStep).where(FollowupStep.queue_item_id == ids[4]))
    db.execute(delete(CaseFileRecord).where(CaseFileRecord.queue_item_id == ids[4]))  # its declaration form's data
    db.execute(delete(QueueItem).where(QueueItem.id == ids[4]))
    assert_counts_hold(db)


def test_with_kept_counts_off_pages_count_the_items(db, people, database_url):
    """The setting that turns the mechanism off, to measure it again: the items are counted."""
    item_id = submit(db, people["reporter"]).items[0].id
    queue, place = db.get(QueueItem, item_id).queue, people["reporter"].establishment_id
    db.execute(counts._TABLE.update().values(count=counts._TABLE.c.count + 7))  # the rows say otherwise
    db.commit()
    engine = make_engine(database_url, StorageSettings(kept_status_counts=False))
    try:
        with Session(engine) as counting:
            assert counts.status_counts(counting, queue=queue, establishment_id=place)["new"] == 1
    finally:
        engine.dispose()
    assert counts.status_counts(db, queue=queue, establishment_id=place)["new"] == 8
    counts.recount(db.connection())
    assert_counts_hold(db)
