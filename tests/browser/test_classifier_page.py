"""A clinician types a product name and sees, as they type, what it is and where it goes."""

from playwright.sync_api import expect


def test_typing_a_product_shows_its_category_and_queue(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Produit").fill("Albumine humaine 20 %")
    hint = page.locator("#classification")
    expect(hint).to_contain_text("médicament dérivé du sang")
    expect(hint).to_contain_text("pharmacovigilance")
    expect(hint).to_have_attribute("data-category", "blood_derived_medicine")


def test_unknown_product_says_a_person_will_qualify_it(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Ce qui s'est passé").select_option("incident")
    page.get_by_label("Produit").fill("Produit inconnu Z-17")
    hint = page.locator("#classification")
    expect(hint).to_have_attribute("data-category", "unclassified")
    expect(hint).to_contain_text("qualification")
