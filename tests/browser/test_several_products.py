"""Several products in the report form, in a real browser: a row added, each product qualified as typed."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_form import PASSWORD, sign_in


@pytest.fixture
def clinician(engine, make_user):
    return make_user("reporter", email="dr.interne@example.org", password=PASSWORD)


def test_red_cells_through_a_failing_blood_warmer_go_to_both_vigilances(page, live_server, clinician):
    sign_in(page, live_server, clinician)
    page.get_by_label("Ce qui s'est passé").select_option("incident")
    page.get_by_label("Produit", exact=True).fill("CGR")
    page.get_by_label("Description").fill("Alarme de surchauffe du réchauffeur pendant la transfusion.")
    page.get_by_role("button", name="Ajouter un produit").click()
    # The form came back from the server with a second row, and what was typed.
    expect(page.get_by_label("Produit", exact=True)).to_have_value("CGR")
    expect(page.get_by_label("Description")).to_have_value(
        "Alarme de surchauffe du réchauffeur pendant la transfusion."
    )
    page.get_by_label("Produit 2").fill("réchauffeur de sang")
    hint = page.locator("#classification")
    expect(hint.locator(".products li")).to_have_count(2)
    expect(hint).to_contain_text("dispositif médical")
    expect(hint).to_contain_text("matériovigilance")
    page.get_by_label("Grave", exact=True).check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    expect(page.locator("#report-products li")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("matériovigilance")
    expect(page.locator("main")).to_contain_text("hémovigilance")


def test_a_second_product_not_recognised_opens_its_own_questions_and_is_qualified_from_them(
    page, live_server, clinician
):
    sign_in(page, live_server, clinician)
    page.get_by_label("Produit", exact=True).fill("CGR")
    page.get_by_role("button", name="Ajouter un produit").click()
    page.get_by_label("Produit 2").fill("Produit du laboratoire X")
    row = page.locator("#questions-2")
    hint = page.locator("#classification")
    expect(hint.locator(".products li")).to_have_count(2)
    expect(row).to_have_attribute("open", "")  # not recognised: its questions shown
    row.locator("select[name=origin_2]").select_option("cells")
    row.locator("select[name=substantially_manipulated_2]").select_option("yes")
    row.locator("select[name=intended_action_2]").select_option("regenerate_repair_replace")
    expect(hint.locator(".products li").nth(1)).to_contain_text("ingénierie tissulaire")
