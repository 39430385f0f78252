"""Every action against every item status: allowed ones change it, the others are refused."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from routing import EventKind, ProductFacts
from vigilance import intake, triage
from vigilance.errors import Conflict
from vigilance.models import Deadline, DeadlineState, ItemStatus, QueueItem

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def setting(db, make_user):
    reporter = make_user("reporter")
    correspondent = make_user("correspondent", vigilances=["haemovigilance", "qualification"])
    result = intake.submit(
        db,
        actor=reporter,
        now=NOW,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=NOW - timedelta(hours=3),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    return db, correspondent, result.items[0].id


def put_in(db, item_id, status, holder):
    item = db.get(QueueItem, item_id)
    item.status = status
    item.assignee_id = holder.id if status != ItemStatus.NEW else None
    db.add(item)
    db.commit()


ACTIONS = {
    "claim": lambda db, u, i: triage.claim(db, item_id=i, actor=u, now=NOW),
    "assess": lambda db, u, i: triage.assess(
        db, item_id=i, actor=u, now=NOW, based_on_version=0, data=triage.AssessmentInput(imputability="1")
    ),
    "request_information": lambda db, u, i: triage.request_information(db, item_id=i, actor=u, question="?", now=NOW),
    "declare": lambda db, u, i: triage.declare(
        db,
        item_id=i,
        actor=u,
        authority="ANSM",
        authority_reference="E-1",
        declared_on=date(2026, 11, 23),
        kind="initial",
        now=NOW,
    ),
    "close": lambda db, u, i: triage.close(db, item_id=i, actor=u, outcome="not_reportable", note="", now=NOW),
    "reopen": lambda db, u, i: triage.reopen(db, item_id=i, actor=u, reason="nouvel élément", now=NOW),
    "requalify": lambda db, u, i: triage.requalify(db, item_id=i, actor=u, category=triage.Category.TISSUE, now=NOW),
}


@pytest.mark.parametrize("status", list(ItemStatus))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(setting, status, action):
    db, correspondent, item_id = setting
    put_in(db, item_id, status, correspondent)
    allowed = status in triage.ALLOWED[action]
    if allowed:
        ACTIONS[action](db, correspondent, item_id)
        db.commit()
    else:
        with pytest.raises(Conflict):
            ACTIONS[action](db, correspondent, item_id)
        db.rollback()
        assert db.get(QueueItem, item_id).status == status


def test_a_declaration_after_its_deadline_counts_as_missed(setting):
    db, correspondent, item_id = setting
    late = NOW + timedelta(days=10)
    triage.declare(
        db,
        item_id=item_id,
        actor=correspondent,
        authority="ANSM",
        authority_reference="E-2",
        declared_on=late.date(),
        kind="initial",
        now=late,
    )
    db.commit()
    detail = triage.load_item(db, item_id, correspondent)
    states = {d.state for d in db.exec(select(Deadline).where(Deadline.queue_item_id == detail.id))}
    assert states == {DeadlineState.MISSED}


def test_a_declaration_dated_today_in_paris_is_accepted_just_after_midnight(setting):
    db, correspondent, item_id = setting
    triage.claim(db, item_id=item_id, actor=correspondent, now=NOW)
    # 23:30 UTC on the 23rd is 00:30 on the 24th in Paris: the 24th is today, the 25th is not.
    after_midnight = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    with pytest.raises(triage.InvalidInput):
        triage.declare(
            db,
            item_id=item_id,
            actor=correspondent,
            authority="ANSM",
            authority_reference="E-1",
            declared_on=date(2026, 11, 25),
            kind="initial",
            now=after_midnight,
        )
    declaration = triage.declare(
        db,
        item_id=item_id,
        actor=correspondent,
        authority="ANSM",
        authority_reference="E-1",
        declared_on=date(2026, 11, 24),
        kind="initial",
        now=after_midnight,
    )
    assert declaration.declared_on == date(2026, 11, 24)
