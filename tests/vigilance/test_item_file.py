"""An item's file, read once for both doors: what it holds, in which order, and what it leaves out."""

from datetime import UTC, date, datetime, timedelta

from routing import EventKind, ProductFacts
from vigilance import audit, intake, triage
from vigilance.item_file import item_file
from vigilance.models import DeadlineState, QueueItem

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _filed(db, reporter, product="CGR"):
    result = intake.submit(
        db,
        actor=reporter,
        now=NOW,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=NOW - timedelta(hours=3),
            product=ProductFacts(name=product),
            description="Frissons.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    return result


def test_the_file_holds_the_case_and_names_its_people(db, make_user):
    reporter = make_user("reporter")
    first = make_user("correspondent", vigilances=["haemovigilance"])
    second = make_user("correspondent", vigilances=["haemovigilance"])
    filed = _filed(db, reporter)
    other = _filed(db, reporter)
    item_id = filed.items[0].id
    later = NOW + timedelta(minutes=5)
    triage.assess(db, item_id=item_id, actor=first, now=later, based_on_version=0, data=triage.AssessmentInput())
    triage.assign(db, item_id=item_id, actor=first, assignee_id=second.id, now=later)
    triage.assess(
        db, item_id=item_id, actor=second, now=later, based_on_version=1, data=triage.AssessmentInput(comment="v2")
    )
    triage.request_information(db, item_id=item_id, actor=second, question="Volume ?", now=later)
    triage.declare(
        db,
        item_id=item_id,
        actor=second,
        authority="ANSM",
        authority_reference="E-1",
        declared_on=date(2026, 11, 23),
        kind="initial",
        now=later,
    )
    triage.link_reports(
        db, report_id=filed.report.id, other_report_id=other.report.id, actor=second, reason="même poche", now=later
    )
    audit.record(db, actor=first, action="read", now=later, report_id=filed.report.id, target=f"item:{item_id}")
    db.commit()

    file = item_file(db, db.get(QueueItem, item_id), second)

    assert file.report.id == filed.report.id
    assert [a.version for a in file.assessments] == [2, 1] and file.latest_assessment.comment == "v2"
    assert [q.question for q in file.questions] == ["Volume ?"]
    assert [d.authority_reference for d in file.declarations] == ["E-1"]
    assert [d.id for d in file.deadlines] == sorted(d.id for d in filed.deadlines)
    assert all(d.state != DeadlineState.OPEN for d in file.item_deadlines if d.kind == "declaration")
    assert [link.other(filed.report.id) for link in file.links] == [other.report.id]
    assert "read" not in {h.action for h in file.history}
    assert [h.target.split(":")[-1] for h in file.history if h.target.startswith("item:")] == [
        "assess",
        "assign",
        "assess",
        "request_information",
        "declare",
    ]
    assert file.holder.id == second.id
    assert {first.id, second.id, reporter.id} <= set(file.people)
