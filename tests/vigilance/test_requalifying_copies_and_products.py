"""A new decision (requalification, re-decision) moves the report's own route only: information
copies stay with their vigilance, and a person's qualification of one product leaves the report's
other products as the rules qualified them, and stands when the report is decided again."""

from datetime import timedelta

import pytest
from sqlmodel import select

from routing import Category, EventKind, ProductFacts
from tests.scenarios import file_report, paris
from vigilance import intake, redecision, report_products, triage
from vigilance.access import may_read_report
from vigilance.errors import Conflict
from vigilance.models import InformationCopy, ItemStatus, QueueItem, Report

RECEIVED = paris(2026, 11, 16, 9, 0)
LATER = RECEIVED + timedelta(hours=3)


@pytest.fixture
def people(make_user):
    return {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "bio": make_user("correspondent", vigilances=["biovigilance"]),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"]),
        "coordinator": make_user("coordinator"),
    }


def items_of(db, report_id):
    db.expire_all()
    return {i.queue: i for i in db.exec(select(QueueItem).where(QueueItem.report_id == report_id))}


def test_requalifying_a_report_that_was_copied_keeps_the_copy_open_and_readable(db, people):
    filed = file_report(db, people["reporter"], RECEIVED, product="Kymriah", kind=EventKind.DONOR_ADVERSE_REACTION)
    report = db.get(Report, filed.report.id)
    biovigilance = items_of(db, report.id)["biovigilance"]
    triage.requalify(
        db, item_id=biovigilance.id, actor=people["bio"], category=Category(report.category), now=LATER, reason="Vu."
    )
    db.commit()
    copy_item = items_of(db, report.id)["pharmacovigilance"]
    assert copy_item.status == ItemStatus.NEW
    assert db.exec(select(InformationCopy).where(InformationCopy.queue_item_id == copy_item.id)).one()
    assert may_read_report(people["pv"], db.get(Report, report.id))


def test_a_copy_for_information_cannot_reroute_the_report(db, people):
    filed = file_report(db, people["reporter"], RECEIVED, product="Kymriah", kind=EventKind.DONOR_ADVERSE_REACTION)
    copy_item = items_of(db, filed.report.id)["pharmacovigilance"]
    with pytest.raises(Conflict):
        triage.requalify(db, item_id=copy_item.id, actor=people["pv"], category=Category.MEDICINE, now=LATER)
    db.rollback()
    assert items_of(db, filed.report.id)["biovigilance"].status == ItemStatus.NEW
    assert db.get(Report, filed.report.id).queues == ["biovigilance"]


def test_a_copy_sent_on_request_stays_readable_after_a_requalification(db, people):
    filed = file_report(db, people["reporter"], RECEIVED)
    haemovigilance = items_of(db, filed.report.id)["haemovigilance"]
    triage.send_information_copy(
        db, item_id=haemovigilance.id, queue="pharmacovigilance", actor=people["hv"], now=LATER
    )
    db.commit()
    assert may_read_report(people["pv"], db.get(Report, filed.report.id))
    triage.requalify(
        db,
        item_id=haemovigilance.id,
        actor=people["hv"],
        category=Category.LABILE_BLOOD_PRODUCT,
        now=LATER + timedelta(minutes=5),
    )
    db.commit()
    assert may_read_report(people["pv"], db.get(Report, filed.report.id))
    assert items_of(db, filed.report.id)["pharmacovigilance"].status == ItemStatus.NEW


def file_products(db, reporter, *names) -> int:
    """A serious transfusion reaction naming *names*; the report's id."""
    products = tuple(ProductFacts(name=name) for name in names)
    result = intake.submit(
        db,
        actor=reporter,
        now=RECEIVED,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=RECEIVED - timedelta(hours=1),
            product=products[0],
            products=products,
            description="Frissons.",
            serious=True,
            severity_grade=2,
        ),
    )
    db.commit()
    return result.report.id


@pytest.fixture
def blood_and_unknown(db, people):
    report_id = file_products(db, people["reporter"], "CGR", "produit inconnu xyz")
    assert sorted(items_of(db, report_id)) == ["haemovigilance", "qualification"]
    return report_id


def categories_of(db, report_id):
    rows = report_products.products_of(db, [report_id])[report_id]
    return [(row.name, row.category, row.matched_by == "person") for row in rows]


def test_qualifying_the_unknown_product_leaves_the_blood_product_and_stands_when_decided_again(
    db, people, blood_and_unknown
):
    qualification = items_of(db, blood_and_unknown)["qualification"]
    triage.requalify(db, item_id=qualification.id, actor=people["coordinator"], category=Category.MEDICINE, now=LATER)
    db.commit()
    assert categories_of(db, blood_and_unknown) == [
        ("CGR", "labile_blood_product", False),
        ("produit inconnu xyz", "medicine", True),
    ]
    items = items_of(db, blood_and_unknown)
    assert items["haemovigilance"].status == ItemStatus.NEW
    assert items["pharmacovigilance"].status == ItemStatus.NEW
    assert items["qualification"].status == ItemStatus.CLOSED
    # Decided again under the same rulebook: the person's qualification stands, nothing changes.
    assert redecision.preview(db, rulebook_id=db.get(Report, blood_and_unknown).rulebook_id) == []


def test_requalifying_the_blood_products_item_qualifies_that_product_only(db, people, blood_and_unknown):
    haemovigilance = items_of(db, blood_and_unknown)["haemovigilance"]
    triage.requalify(db, item_id=haemovigilance.id, actor=people["hv"], category=Category.MEDICINE, now=LATER)
    db.commit()
    assert categories_of(db, blood_and_unknown) == [
        ("CGR", "medicine", True),
        ("produit inconnu xyz", "unclassified", False),
    ]
    assert sorted(db.get(Report, blood_and_unknown).queues) == ["pharmacovigilance", "qualification"]


def test_two_unknown_products_are_qualified_one_after_the_other_on_their_one_item(db, people):
    """One qualification item for both: each qualification takes the next unknown product, and
    the item closes once none is left to qualify."""
    report_id = file_products(db, people["reporter"], "produit inconnu abc", "produit inconnu xyz")
    assert sorted(items_of(db, report_id)) == ["qualification"]
    qualification = items_of(db, report_id)["qualification"]
    triage.requalify(
        db, item_id=qualification.id, actor=people["coordinator"], category=Category.LABILE_BLOOD_PRODUCT, now=LATER
    )
    db.commit()
    assert categories_of(db, report_id) == [
        ("produit inconnu abc", "labile_blood_product", True),
        ("produit inconnu xyz", "unclassified", False),
    ]
    items = items_of(db, report_id)
    assert items["qualification"].status != ItemStatus.CLOSED
    assert items["haemovigilance"].status == ItemStatus.NEW
    triage.requalify(db, item_id=qualification.id, actor=people["coordinator"], category=Category.MEDICINE, now=LATER)
    db.commit()
    assert categories_of(db, report_id) == [
        ("produit inconnu abc", "labile_blood_product", True),
        ("produit inconnu xyz", "medicine", True),
    ]
    items = items_of(db, report_id)
    assert items["qualification"].status == ItemStatus.CLOSED
    assert items["pharmacovigilance"].status == ItemStatus.NEW
    assert items["haemovigilance"].status == ItemStatus.NEW
