"""The correspondents' everyday pages: where they land, what a search finds, what a row says."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from routing import EventKind, ProductFacts
from tests.page_session import PASSWORD, sign_in
from vigilance import intake, triage
from vigilance.clock import PARIS
from vigilance.models import AuditEvent, QueueItem

NOW = datetime.now(UTC)


def file_report(db, reporter, product, *, lot=None, donation=None, description=None, kind=None):
    report = intake.submit(
        db,
        actor=reporter,
        now=NOW - timedelta(hours=1),
        draft=intake.Draft(
            event_kind=kind or EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=NOW - timedelta(hours=3),
            product=ProductFacts(name=product),
            lot_number=lot,
            donation_number=donation,
            description=description or f"Réaction après {product}.",
            serious=False,
            severity_grade=1,
        ),
    )
    db.commit()
    return report.report


def close_items(db, correspondent, report):
    for item in db.exec(select(QueueItem).where(QueueItem.report_id == report.id)).all():
        triage.claim(db, item_id=item.id, actor=correspondent, now=NOW)
        triage.close(db, item_id=item.id, actor=correspondent, outcome="not_reportable", note="", now=NOW)
    db.commit()


@pytest.fixture
def cases(db, make_user):
    reporter = make_user("reporter")
    hv = make_user("correspondent", vigilances=["haemovigilance", "qualification"])
    closed = [
        file_report(db, reporter, "Concentré de plaquettes d'aphérèse", lot="LOT-42"),
        file_report(db, reporter, "MCP-IA", description="Frissons, plaquettes transfusées à 14 h."),
    ]
    for report in closed:
        close_items(db, hv, report)
    open_one = file_report(db, reporter, "CGR", donation="9876543210123")
    device = file_report(db, reporter, "Pompe à perfusion Volumat", kind=EventKind.INCIDENT)
    return hv, reporter, closed, open_one, device


def test_correspondents_land_on_their_queues_and_reporters_on_the_form(client, make_user):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    coordinator = make_user("coordinator")
    reporter = make_user("reporter")
    for user, landing in ((correspondent, "/queues"), (coordinator, "/queues"), (reporter, "/reports/new")):
        with client.session_transaction() as session:
            session.clear()
        response = sign_in(client, user, PASSWORD)
        assert response.headers["Location"].endswith(landing), user.role


def test_a_search_finds_closed_items_of_every_queue_worked(client, db, make_user, cases):
    hv, _reporter, closed, open_one, device = cases
    sign_in(client, hv, PASSWORD)
    page = client.get("/queues?q=plaquettes").get_data(as_text=True)
    # By product name and by the words of the description, closed items included.
    for report in closed:
        assert report.reference in page
    assert open_one.reference not in page
    # Each of the other ways a case is looked for, across both queues the person works.
    assert closed[0].reference in client.get("/queues?q=LOT-42").get_data(as_text=True)
    assert open_one.reference in client.get("/queues?q=9876543210123").get_data(as_text=True)
    assert open_one.reference in client.get(f"/queues?q={open_one.reference.lower()}").get_data(as_text=True)
    assert device.reference in client.get("/queues?q=volumat").get_data(as_text=True)
    # A coordinator searches every queue; the search is audited as one read.
    coordinator = make_user("coordinator")
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, coordinator, PASSWORD)
    assert device.reference in client.get("/queues?q=volumat").get_data(as_text=True)
    event = db.exec(select(AuditEvent).where(AuditEvent.actor_id == coordinator.id, AuditEvent.action == "list")).one()
    assert event.target == "page:queue:search" and event.after["filters"] == {"search": "volumat"}
    # The single queue's own search looks through its closed items too.
    assert closed[1].reference in client.get("/queues/haemovigilance?q=frissons").get_data(as_text=True)


def test_a_search_shows_nothing_from_a_queue_not_worked(client, make_user, cases):
    _hv, reporter, closed, _open_one, device = cases
    bio = make_user("correspondent", vigilances=["biovigilance", "qualification"])
    sign_in(client, bio, PASSWORD)
    page = client.get("/queues?q=plaquettes").get_data(as_text=True)
    assert closed[0].reference not in page and "Aucun élément ne correspond." in page
    assert device.reference in client.get("/queues?q=volumat").get_data(as_text=True)
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, reporter, PASSWORD)
    assert closed[0].reference not in client.get("/queues?q=plaquettes").get_data(as_text=True)


def test_a_queue_row_says_the_event_the_date_received_and_the_exact_due_time(client, cases):
    hv, _reporter, _closed, open_one, _device = cases
    sign_in(client, hv, PASSWORD)
    page = client.get("/queues/haemovigilance").get_data(as_text=True)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{open_one.reference}.*?</tr>", page, re.S).group(0)
    assert "effet indésirable chez un receveur" in row
    received = open_one.received_at.astimezone(PARIS)
    assert received.strftime("%H:%M") in row and str(received.year) in row
    assert re.search(r'<time class="due-at" datetime="[^"]+">\d{1,2} \w+\.? \d{4}, \d\d:\d\d</time>', row)


def test_the_item_page_names_the_imputability_scale_never_its_identifier(client, cases):
    hv, _reporter, _closed, open_one, _device = cases
    sign_in(client, hv, PASSWORD)
    queue = client.get("/queues/haemovigilance").get_data(as_text=True)
    item_path = re.search(rf'href="(/queue-items/\d+)">{open_one.reference}<', queue).group(1)
    page = html.unescape(client.get(item_path).get_data(as_text=True))
    assert "Imputabilité (échelle de l'ANSM, 2020)" in page
    assert "ansm-hv-imputability-2020" not in page
    client.get("/language/en")
    assert "Imputability (ANSM scale, 2020)" in html.unescape(client.get(item_path).get_data(as_text=True))


def test_the_queues_page_counts_in_the_form_each_number_takes(client, db, cases):
    hv, reporter, _closed, _open_one, _device = cases
    file_report(db, reporter, "PFC")
    sign_in(client, hv, PASSWORD)
    page = client.get("/queues").get_data(as_text=True)
    assert "2 nouveaux, 0 en cours" in page
    client.get("/language/en")
    assert "2 new, 0 in progress" in client.get("/queues").get_data(as_text=True)
