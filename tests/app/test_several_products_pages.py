"""The report form with several products: rows added and removed without a script, each product
filed, refused ones shown on their row, drafts keeping every row, the pages listing them all."""

import re

import pytest
from sqlalchemy import select

from tests.page_session import count_reports, csrf_from, form_fields, sign_in
from vigilance.models import QueueItem, ReportDraft, ReportProduct


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


def product_inputs(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input id="(product_name(?:_\d+)?)" name="\1"[^>]*?value="([^"]*)"', html, re.S)


def test_a_row_is_added_and_removed_by_the_form_itself_keeping_what_was_typed(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(client, product_name="CGR", description="Alarme du réchauffeur.")
    added = client.post("/reports/new", data={**fields, "product_action": "add"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert product_inputs(html) == [("product_name", "CGR"), ("product_name_2", "")]
    assert "Alarme du réchauffeur." in html and 'name="product_rows" value="2"' in html
    assert count_reports(db) == 0

    three = {**fields, "product_rows": "3", "product_name_2": "réchauffeur de sang", "product_name_3": "albumine"}
    removed = client.post("/reports/new", data={**three, "product_action": "remove-2"}).get_data(as_text=True)
    assert product_inputs(removed) == [("product_name", "CGR"), ("product_name_2", "albumine")]
    assert count_reports(db) == 0


def test_at_most_ten_rows(client, reporter):
    sign_in(client, reporter)
    fields = form_fields(client, product_rows="10")
    html = client.post("/reports/new", data={**fields, "product_action": "add"}).get_data(as_text=True)
    assert len(product_inputs(html)) == 10
    assert 'id="add-product"' not in html


def test_several_products_are_filed_with_an_item_in_every_queue_and_shown_on_the_pages(client, reporter, make_user, db):
    sign_in(client, reporter)
    fields = form_fields(
        client,
        event_kind="incident",
        product_name="CGR",
        product_rows="3",
        product_name_2="",  # an empty row is left out
        product_name_3="réchauffeur de sang",
    )
    response = client.post("/reports/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    report_id = int(response.headers["Location"].split("/reports/")[1].split("?")[0])
    db.rollback()
    stored = db.scalars(select(ReportProduct).where(ReportProduct.report_id == report_id)).all()
    assert [(p.name, p.category) for p in stored] == [
        ("CGR", "labile_blood_product"),
        ("réchauffeur de sang", "medical_device"),
    ]
    queues = db.scalars(select(QueueItem.queue).where(QueueItem.report_id == report_id)).all()
    assert sorted(queues) == ["haemovigilance", "materiovigilance"]

    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert 'id="report-products"' in page and "réchauffeur de sang — dispositif médical" in page
    mine = client.get("/reports/mine").get_data(as_text=True)
    assert "CGR + réchauffeur de sang" in mine

    correspondent = make_user("correspondent", vigilances=["materiovigilance"])
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    sign_in(client, correspondent)
    (item_id,) = db.scalars(
        select(QueueItem.id).where(QueueItem.report_id == report_id, QueueItem.queue == "materiovigilance")
    ).all()
    item_page = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    assert "CGR — produit sanguin labile (PSL) (produit principal)" in item_page


def test_a_refused_product_is_shown_on_its_row_and_nothing_is_filed(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(client, product_name="CGR", product_rows="2", product_name_2="aucun")
    response = client.post("/reports/new", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="products-1-error"' in html and "Aucun produit n&#39;est nommé" in html
    assert product_inputs(html) == [("product_name", "CGR"), ("product_name_2", "aucun")]
    assert count_reports(db) == 0


def test_one_product_is_filed_as_before(client, reporter, db):
    sign_in(client, reporter)
    response = client.post("/reports/new", data=form_fields(client))
    assert response.status_code == 302
    db.rollback()
    (product,) = db.scalars(select(ReportProduct)).all()
    assert (product.name, product.category, product.is_principal) == ("Greffe de cornée", "tissue", True)


def test_a_draft_keeps_every_product_row(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(client, product_name="CGR", product_rows="3", product_name_2="albumine")
    saved = client.post("/reports/drafts", data=fields)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    db.rollback()
    (draft,) = db.scalars(select(ReportDraft)).all()
    assert draft.fields["product_name_2"] == "albumine" and draft.fields["product_rows"] == "3"
    html = client.get(f"/reports/new?draft={draft.id}").get_data(as_text=True)
    assert product_inputs(html) == [("product_name", "CGR"), ("product_name_2", "albumine"), ("product_name_3", "")]


def question_row(html: str, number: int) -> str:
    return re.search(rf'<details class="questions" id="questions-{number}"[^>]*>.*?</details>', html, re.S).group(0)


def test_each_further_row_carries_its_own_questions_and_is_qualified_from_them(client, reporter, db):
    """Without a script: a second product whose name is not recognised is qualified from its
    own row's answers, not sent to qualification; the first row keeps its own answers."""
    sign_in(client, reporter)
    html = client.get("/reports/new").get_data(as_text=True)
    added = client.post("/reports/new", data=form_fields(client, product_action="add")).get_data(as_text=True)
    assert 'id="questions-2"' not in html and 'name="origin_2"' in question_row(added, 2)
    assert 'name="intended_action_2"' in question_row(added, 2) and 'name="ce_marked_device_2"' in added

    fields = form_fields(
        client,
        product_name="CGR",
        product_rows="2",
        product_name_2="Produit du laboratoire X",
        origin_2="cells",
        substantially_manipulated_2="yes",
        intended_action_2="regenerate_repair_replace",
    )
    response = client.post("/reports/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    report_id = int(response.headers["Location"].split("/reports/")[1].split("?")[0])
    db.rollback()
    stored = db.scalars(select(ReportProduct).where(ReportProduct.report_id == report_id)).all()
    assert [(p.name, p.category, p.matched_by) for p in stored] == [
        ("CGR", "labile_blood_product", "catalogue"),
        ("Produit du laboratoire X", "atmp_tissue_engineered", "questionnaire"),
    ]
    assert stored[0].answers == {}
    queues = db.scalars(select(QueueItem.queue).where(QueueItem.report_id == report_id)).all()
    assert "qualification" not in queues


def test_a_row_removed_takes_its_answers_with_it_and_the_next_row_keeps_its_own(client, reporter):
    sign_in(client, reporter)
    fields = form_fields(
        client,
        product_rows="3",
        product_name_2="réchauffeur",
        ce_marked_device_2="yes",
        product_name_3="Produit inconnu",
        origin_3="tissue",
        product_action="remove-2",
    )
    html = client.post("/reports/new", data=fields).get_data(as_text=True)
    assert product_inputs(html) == [("product_name", "Greffe de cornée"), ("product_name_2", "Produit inconnu")]
    row = question_row(html, 2)
    assert row.startswith('<details class="questions" id="questions-2" open')  # answered: shown open
    assert '<option value="tissue" selected>' in row
    assert 'name="ce_marked_device_2"' in row and '<option value="yes" selected>' not in row
    assert 'id="questions-3"' not in html


def test_an_empty_row_before_an_answered_one_moves_it_up_with_its_answers_and_an_error_shows_there(
    client, reporter, db
):
    sign_in(client, reporter)
    fields = form_fields(
        client,
        product_name="CGR",
        product_rows="3",
        product_name_3="Produit inconnu",
        origin_3="mars",  # refused: shown on the row it moved to
    )
    response = client.post("/reports/new", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert product_inputs(html) == [("product_name", "CGR"), ("product_name_2", "Produit inconnu")]
    row = question_row(html, 2)
    assert row.startswith('<details class="questions" id="questions-2" open')
    assert 'id="products-1-origin-error"' in row
    assert count_reports(db) == 0


def test_a_draft_keeps_each_row_s_answers(client, reporter, db):
    sign_in(client, reporter)
    fields = form_fields(
        client, product_name="CGR", product_rows="2", product_name_2="Produit inconnu", origin_2="cells"
    )
    saved = client.post("/reports/drafts", data=fields)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    db.rollback()
    (draft,) = db.scalars(select(ReportDraft)).all()
    assert draft.fields["origin_2"] == "cells"
    html = client.get(f"/reports/new?draft={draft.id}").get_data(as_text=True)
    assert '<option value="cells" selected>' in question_row(html, 2)
