"""A queue lists every open item before any closed one, page after page, and never shows a sort key as a date."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.api.triage import decode_queue_cursor, encode_queue_cursor
from routing import Category, EventKind, ProductFacts
from tests.page_session import PASSWORD, sign_in
from vigilance import accounts, intake, triage
from vigilance.models import CLOSED_URGENCY, NOTHING_DUE, ItemStatus, QueueItem
from vigilance.queues import QueueFilter, list_items

QUEUE = "haemovigilance"
EVERY_STATUS = QueueFilter(statuses=tuple(s.value for s in ItemStatus))
START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def people(make_user):
    return {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=[QUEUE], password=PASSWORD, language="fr"),
        "hv_en": make_user("correspondent", vigilances=[QUEUE], password=PASSWORD, language="en"),
    }


def file(db, people, n, *, kind, serious, grade):
    """Report n, received n minutes after START: a recipient's reaction has dated deadlines, a donor's grade 1 none."""
    received = START + timedelta(minutes=n)
    result = intake.submit(
        db,
        actor=people["reporter"],
        now=received,
        draft=intake.Draft(
            event_kind=kind,
            occurred_at=received - timedelta(hours=1),
            product=ProductFacts(name="CGR"),
            description="Frissons.",
            serious=serious,
            severity_grade=grade,
        ),
    )
    db.commit()
    (item,) = [i for i in result.items if i.queue == QUEUE]
    return item.id


@pytest.fixture
def mixed_queue(db, people):
    """Open items with dated deadlines, open items with none, items closed, requalified away and reopened.

    Ids alternate between the kinds, and seriousness varies within each, so that a sort that put
    closed items among open ones (by seriousness, then id) would show it.
    """
    hv = people["hv"]
    recipient, donor = EventKind.RECIPIENT_ADVERSE_REACTION, EventKind.DONOR_ADVERSE_REACTION
    items = {"dated": [], "nothing_due": [], "closed": []}
    later = START + timedelta(hours=2)
    for n in range(4):
        serious = n % 2 == 0
        # Closed: two had deadlines, two had none; one of each serious.
        closed = file(db, people, 10 * n, kind=recipient if n < 2 else donor, serious=serious, grade=3 if n < 2 else 1)
        triage.claim(db, item_id=closed, actor=hv, now=later)
        triage.close(db, item_id=closed, actor=hv, outcome="not_reportable", note="", now=later)
        items["closed"].append(closed)
        items["nothing_due"].append(file(db, people, 10 * n + 1, kind=donor, serious=not serious, grade=1))
        items["dated"].append(file(db, people, 10 * n + 2, kind=recipient, serious=serious, grade=3 if serious else 1))
    # Requalified away: its haemovigilance item closes, as "requalified".
    moved = file(db, people, 50, kind=recipient, serious=True, grade=3)
    triage.claim(db, item_id=moved, actor=hv, now=later)
    triage.requalify(db, item_id=moved, actor=hv, category=Category.TISSUE, reason="Une greffe.", now=later)
    items["closed"].append(moved)
    # Closed, then reopened: an open item again, its deadlines waived at closing, so nothing due.
    reopened = file(db, people, 51, kind=recipient, serious=False, grade=3)
    triage.claim(db, item_id=reopened, actor=hv, now=later)
    triage.close(db, item_id=reopened, actor=hv, outcome="duplicate", note="", now=later)
    triage.reopen(db, item_id=reopened, actor=hv, reason="Pas un doublon.", now=later)
    items["nothing_due"].append(reopened)
    db.commit()
    return items


def expected_order(db, items) -> list[int]:
    """Open items by due time, then open items with nothing due, then closed items; serious first, then id."""
    db.rollback()
    rows = {i.id: i for i in db.exec(select(QueueItem).where(QueueItem.queue == QUEUE)).all()}
    assert all(rows[i].status == ItemStatus.CLOSED for i in items["closed"])
    assert all(rows[i].status != ItemStatus.CLOSED and rows[i].next_due_at is None for i in items["nothing_due"])
    assert all(rows[i].next_due_at is not None for i in items["dated"])
    dated = sorted(items["dated"], key=lambda i: (rows[i].next_due_at, not rows[i].serious, i))
    nothing_due = sorted(items["nothing_due"], key=lambda i: (not rows[i].serious, i))
    closed = sorted(items["closed"], key=lambda i: (not rows[i].serious, i))
    return dated + nothing_due + closed


def read_queue(db, actor, *, limit: int, filters: QueueFilter = EVERY_STATUS) -> list[list[int]]:
    """Every page of the queue, each cursor passed through the API's encoding as a client would."""
    pages, cursor = [], None
    while True:
        page = list_items(
            db, queue=QUEUE, actor=actor, filters=filters, after=cursor, limit=limit, now=START + timedelta(days=1)
        )
        pages.append([item.id for item, _report in page.rows])
        if page.next is None:
            return pages
        cursor = decode_queue_cursor(encode_queue_cursor(page.next))


def test_closed_items_come_after_every_open_one_on_every_page_boundary(db, people, mixed_queue):
    expected = expected_order(db, mixed_queue)
    open_items = len(mixed_queue["dated"]) + len(mixed_queue["nothing_due"])
    assert set(expected[open_items:]) == set(mixed_queue["closed"])
    # Every page size puts a boundary somewhere else: before, inside and after each group.
    for limit in range(1, len(expected) + 1):
        pages = read_queue(db, people["hv"], limit=limit)
        assert [i for page in pages for i in page] == expected, f"pages of {limit}: {pages}"
        assert all(len(page) == limit for page in pages[:-1])
    # The default view (open items) is the same order without the closed ones.
    pages = read_queue(db, people["hv"], limit=3, filters=QueueFilter())
    assert [i for page in pages for i in page] == expected[:open_items]
    # Closed alone, as the page's status filter shows them, in their own order.
    pages = read_queue(db, people["hv"], limit=2, filters=QueueFilter(statuses=("closed",)))
    assert [i for page in pages for i in page] == expected[open_items:]


def test_the_closed_sort_key_is_never_shown_as_a_date(client, db, people, mixed_queue):
    db.rollback()
    closed = db.get(QueueItem, mixed_queue["closed"][0])
    assert (closed.urgency_at, closed.next_due_at) == (CLOSED_URGENCY, None)
    assert NOTHING_DUE < CLOSED_URGENCY
    every_status = [("status", s.value) for s in ItemStatus]
    sign_in(client, people["hv"], PASSWORD)
    page = client.get(f"/queues/{QUEUE}?status=closed").get_data(as_text=True)
    assert page.count("Aucune échéance") == len(mixed_queue["closed"])
    assert "9999" not in page
    for item_id in mixed_queue["closed"] + mixed_queue["nothing_due"]:
        assert "9999" not in client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, people["hv_en"], PASSWORD)
    assert client.get(f"/queues/{QUEUE}").get_data(as_text=True).count("No deadline") == len(mixed_queue["nothing_due"])
    # The API: the same order on one page, and no due time nor time left where there is no deadline.
    _token, secret = accounts.issue_token(db, user=people["hv"])
    db.commit()
    response = client.get(
        f"/api/v1/queues/{QUEUE}/items", query_string=every_status, headers={"Authorization": f"Bearer {secret}"}
    )
    items = response.get_json()["items"]
    assert [i["id"] for i in items] == expected_order(db, mixed_queue)
    for item in items:
        if item["id"] in mixed_queue["dated"]:
            assert item["next_due_at"] and item["time_left"]
        else:
            assert (item["next_due_at"], item["time_left"]) == (None, None), item
    assert "9999" not in response.get_data(as_text=True)
    detail = client.get(
        f"/api/v1/queue-items/{mixed_queue['closed'][0]}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert detail.status_code == 200 and detail.get_json()["next_due_at"] is None
    assert "9999" not in detail.get_data(as_text=True)
