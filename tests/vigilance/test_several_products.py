"""A report of several products in the domain: intake opens every queue, requalification keeps every product."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from routing import Category, EventKind, ProductFacts
from vigilance import intake, triage
from vigilance.models import ItemStatus, QueueItem, Report, ReportProduct

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def file(db, reporter, *names, kind=EventKind.RECIPIENT_ADVERSE_REACTION):
    products = tuple(ProductFacts(name=name) for name in names)
    filed = intake.submit(
        db,
        actor=reporter,
        now=NOW,
        draft=intake.Draft(
            event_kind=kind,
            occurred_at=NOW - timedelta(hours=2),
            product=products[0],
            products=products,
            description="Frissons pendant la perfusion.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    return filed


def items_of(db, report_id):
    return {i.queue: i for i in db.exec(select(QueueItem).where(QueueItem.report_id == report_id)).all()}


def test_intake_opens_an_item_with_its_deadlines_in_every_queue(db, make_user):
    filed = file(db, make_user("reporter"), "CGR", "albumine")
    assert {i.queue for i in filed.items} == {"haemovigilance", "pharmacovigilance"}
    assert {d.queue for d in filed.deadlines} == {"haemovigilance", "pharmacovigilance"}
    report = db.get(Report, filed.report.id)
    assert report.product_name == "CGR + albumine" and report.category == "labile_blood_product"


def test_requalifying_the_unknown_product_keeps_the_others_and_their_items(db, make_user):
    filed = file(db, make_user("reporter"), "CGR", "produit xyzzy")
    assert {i.queue for i in filed.items} == {"haemovigilance", "qualification"}
    qualifier = make_user("correspondent", vigilances=["qualification"])
    qualification = items_of(db, filed.report.id)["qualification"]
    triage.requalify(db, item_id=qualification.id, actor=qualifier, category=Category.MEDICINE, now=NOW)
    db.commit()
    items = items_of(db, filed.report.id)
    assert items["qualification"].status == ItemStatus.CLOSED
    assert items["haemovigilance"].status == ItemStatus.NEW
    assert items["pharmacovigilance"].status == ItemStatus.NEW
    report = db.get(Report, filed.report.id)
    assert report.category == "labile_blood_product"
    assert report.queues == ["haemovigilance", "pharmacovigilance"]
    products = db.exec(
        select(ReportProduct).where(ReportProduct.report_id == report.id).order_by(ReportProduct.position)
    ).all()
    assert [(p.name, p.category, p.matched_by) for p in products] == [
        ("CGR", "labile_blood_product", "catalogue"),
        ("produit xyzzy", "medicine", "person"),
    ]
