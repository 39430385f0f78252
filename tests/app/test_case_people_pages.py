"""The case's people on the pages: the reporter's block, the close confirmation, a stale
assessment shown beside the newer version, and the report form's consistency checks."""

import html
import re

import pytest
from sqlmodel import select

from tests.page_session import PASSWORD, count_reports, csrf_from, form_fields, sign_in
from vigilance.models import InformationRequest, Report


def switch(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user, PASSWORD)


@pytest.fixture
def reporter(make_user):
    return make_user("reporter", name="Dr Claire Martin")


@pytest.fixture
def filed(client, reporter):
    sign_in(client, reporter)
    fields = form_fields(
        client, product_name="CGR", reporter_unit="Hématologie, 3e étage", reporter_phone="01 45 67 89 10"
    )
    location = client.post("/reports/new", data=fields).headers["Location"]
    return int(re.search(r"/reports/(\d+)", location).group(1))


@pytest.fixture
def item_path(client, make_user, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    page = client.get("/queues/haemovigilance").get_data(as_text=True)
    return re.search(r'href="(/queue-items/\d+)"', page).group(1)


def text_of(page: str, element_id: str) -> str:
    block = re.search(rf'id="{element_id}"[^>]*>(.*?)</(dl|div)>', page, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", " ", block))


def test_the_item_page_says_who_reported_and_how_to_reach_them(client, reporter, item_path):
    page = client.get(item_path).get_data(as_text=True)
    block = " ".join(text_of(page, "reporter").split())
    assert "Dr Claire Martin" in block and reporter.email in block
    assert "Hématologie, 3e étage" in block and "01 45 67 89 10" in block
    assert 'href="tel:0145678910"' in page and f'href="mailto:{reporter.email}' in page


def test_closing_with_an_open_question_asks_to_withdraw_it(client, db, reporter, filed, item_path):
    token = csrf_from(client.get(item_path).get_data(as_text=True))
    client.post(f"{item_path}/claim", data={"csrf_token": token})
    client.post(f"{item_path}/ask", data={"csrf_token": token, "question": "Volume transfusé ?"})
    form = client.get(item_path).get_data(as_text=True)
    assert 'name="withdraw_questions"' in form

    refused = client.post(
        f"{item_path}/close", data={"csrf_token": token, "outcome": "not_reportable", "note": "Sans suite"}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "confirmez son retrait pour clore" in html.unescape(page)
    assert 'id="withdraw-questions-error"' in page  # next to the checkbox it asks for
    assert 'value="Sans suite"' in page and '<option value="not_reportable" selected' in page  # nothing typed lost
    assert "en attente d&#39;information" in client.get(item_path).get_data(as_text=True)

    done = client.post(
        f"{item_path}/close",
        data={"csrf_token": token, "outcome": "not_reportable", "withdraw_questions": "true"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Élément clos." in done and "Retirée sans réponse à la clôture" in done

    switch(client, reporter)
    report_page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "Question retirée le" in report_page
    assert "/answer" not in report_page  # no form to answer a closed case
    db.rollback()
    request_id = db.exec(select(InformationRequest.id).where(InformationRequest.report_id == filed)).one()
    answered = client.post(
        f"/information-requests/{request_id}/answer",
        data={"csrf_token": csrf_from(report_page), "answer": "Un CGR."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Ce dossier est clos et la question a été retirée" in html.unescape(answered)
    assert "Un CGR." not in client.get(f"/reports/{filed}").get_data(as_text=True)


def test_a_stale_assessment_keeps_what_was_typed_beside_the_newer_version(client, make_user, item_path):
    # The queue's correspondent (signed in by item_path) assesses first; a coordinator had the
    # page open on version 0 and sends theirs after.
    first_page = client.get(item_path).get_data(as_text=True)
    assert 'name="based_on_version" value="0"' in first_page
    client.post(
        f"{item_path}/assess",
        data={
            "csrf_token": csrf_from(first_page),
            "based_on_version": "0",
            "severity_grade": "1",
            "comment": "Frissons seuls.",
        },
    )
    switch(client, make_user("coordinator"))
    token = csrf_from(client.get(item_path).get_data(as_text=True))
    mine = {
        "csrf_token": token,
        "based_on_version": "0",
        "severity_grade": "3",
        "seriousness_criteria": ["life_threatening"],
        "comment": "Hémoculture positive à staphylocoque.",
    }
    refused = client.post(f"{item_path}/assess", data=mine)
    assert refused.status_code == 409
    page = html.unescape(refused.get_data(as_text=True))
    assert "Frissons seuls." in text_of(page, "assessment")  # the newer version
    typed = text_of(page, "typed-assessment")  # beside it, what this person typed
    assert "Hémoculture positive à staphylocoque." in typed and "3" in typed
    form = re.search(r'<form[^>]*id="assess-form".*?</form>', page, re.S).group(0)
    assert "Hémoculture positive à staphylocoque.</textarea>" in form
    assert 'name="based_on_version" value="1"' in form
    assert '<option value="3" selected>' in form
    # Saved again from the page as it came back, the second input replaces the first.
    again = client.post(f"{item_path}/assess", data={**mine, "based_on_version": "1"}, follow_redirects=True)
    assert "Hémoculture positive à staphylocoque." in text_of(html.unescape(again.get_data(as_text=True)), "assessment")


def test_the_report_form_refuses_grade_4_not_serious_next_to_the_field(client, db, reporter):
    sign_in(client, reporter)
    before = count_reports(db)
    response = client.post("/reports/new", data=form_fields(client, serious="no", severity_grade="4"))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'id="serious-error">[^<]*grade 4 \(décès\) est toujours grave', page)
    assert count_reports(db) == before


def test_the_report_form_asks_to_confirm_a_report_without_product(client, db, reporter):
    sign_in(client, reporter)
    before = count_reports(db)
    fields = form_fields(client, product_name="aucun", event_kind="incident", reporter_unit="Bloc opératoire")
    refused = client.post("/reports/new", data=fields)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert re.search(r'id="product-error">[^<]*Aucun produit n\'est nommé', page)
    assert 'name="confirm_no_product"' in page and 'value="Bloc opératoire"' in page
    assert count_reports(db) == before
    filed = client.post("/reports/new", data={**fields, "confirm_no_product": "yes"})
    assert filed.status_code == 302, filed.get_data(as_text=True)
    report_id = int(re.search(r"/reports/(\d+)", filed.headers["Location"]).group(1))
    db.rollback()
    report = db.get(Report, report_id)
    assert report.product_name == "aucun" and report.reporter_unit == "Bloc opératoire"
