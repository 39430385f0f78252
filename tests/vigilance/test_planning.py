"""The queue items and deadlines a decision opens: one plan, whoever writes it.

Intake writes it on the driver's cursor, requalification through the ORM, the bulk loader in
batches for COPY; each must open what ``plan_openings`` says for the same report.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlmodel import select

from bench import load_reports
from routing import Category, EventKind, Facts, ProductFacts, Queue, decide
from vigilance import intake, triage
from vigilance.clock import PARIS
from vigilance.models import Deadline, QueueItem
from vigilance.planning import plan_openings

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # a Friday afternoon: working hours run over the weekend


def _facts(report: dict, region: str, qualified_as: Category | None = None) -> Facts:
    return Facts(
        event_kind=EventKind(report["event_kind"]),
        product=ProductFacts(name=report["product_name"]),
        serious=report["serious"],
        severity_grade=report["severity_grade"],
        occurred_at=report["occurred_at"],
        detected_at=None,
        received_at=report["received_at"],
        region=region,
        qualified_as=qualified_as,
    )


def _planned(facts: Facts):
    decision = decide(facts, on=facts.occurred_at.astimezone(PARIS).date())
    plan = plan_openings(decision, anchors=facts.anchors(), calendar=decision.rulebook.calendar(facts.region))
    return [(p.queue, p.next_due_at, [_deadline(d) for d in p.deadlines]) for p in plan]


def _deadline(row) -> tuple:
    return (row.queue, row.kind, row.rule_id, row.due_at, row.description, row.unit, row.legal_basis)


def _loaded(row: dict) -> list[tuple]:
    deadlines = [SimpleNamespace(**d) for d in row["deadlines"]]
    return [
        (item["queue"], item["next_due_at"], [_deadline(d) for d in deadlines if d.queue == item["queue"]])
        for item in row["items"]
    ]


def test_intake_and_the_loader_open_what_the_plan_says(db, make_user, establishment):
    reporter = make_user("reporter")
    place = load_reports.Place(
        establishment_id=establishment.id,
        region=establishment.region,
        reporters=[reporter.id],
        correspondents={q.value: [reporter.id] for q in Queue},
        coordinator=reporter.id,
    )
    generated = load_reports.Generator(load_reports.Options(reports=60, status="new", now=NOW), [place]).batch(60)
    queues_seen = set()
    for row in generated:
        report = row["report"]
        planned = _planned(_facts(report, establishment.region))
        stored = intake.submit(
            db,
            actor=reporter,
            now=report["received_at"],
            draft=intake.Draft(
                event_kind=EventKind(report["event_kind"]),
                occurred_at=report["occurred_at"],
                product=ProductFacts(name=report["product_name"]),
                description=report["description"],
                serious=report["serious"],
                severity_grade=report["severity_grade"],
            ),
        )
        by_intake = [
            (i.queue, i.next_due_at, [_deadline(d) for d in stored.deadlines if d.queue_item_id == i.id])
            for i in stored.items
        ]
        assert by_intake == planned
        assert _loaded(row) == planned
        queues_seen.update(q for q, *_ in planned)
    db.rollback()
    assert len(queues_seen) >= 3  # the reports went to several queues, under several policies


def test_requalification_opens_what_the_plan_says_dated_from_the_first_receipt(db, make_user, establishment):
    reporter = make_user("reporter")
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    received = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    report = {
        "event_kind": EventKind.RECIPIENT_ADVERSE_REACTION.value,
        "product_name": "CGR",
        "serious": True,
        "severity_grade": 2,
        "occurred_at": datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        "received_at": received,
    }
    stored = intake.submit(
        db,
        actor=reporter,
        now=received,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=report["occurred_at"],
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    later = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    opened = triage.requalify(db, item_id=stored.items[0].id, actor=correspondent, category=Category.TISSUE, now=later)
    db.commit()
    planned = _planned(_facts(report, establishment.region, qualified_as=Category.TISSUE))
    assert opened and [i.queue for i in opened] == [q for q, *_ in planned]
    assert all(deadlines for _q, _due, deadlines in planned)  # something to date
    for item in opened:
        item = db.get(QueueItem, item.id)
        deadlines = db.exec(select(Deadline).where(Deadline.queue_item_id == item.id).order_by(Deadline.id)).all()
        assert [(item.queue, item.next_due_at, [_deadline(d) for d in deadlines])] == [
            p for p in planned if p[0] == item.queue
        ]
