"""The report form never loses what was typed: drafts, an expired session or form token, Back and submit."""

import html as html_module
import re

import pytest
from sqlalchemy import func, select

from tests.page_session import PASSWORD, count_reports, csrf_from, form_fields, sign_in
from vigilance.models import ReportDraft


@pytest.fixture
def reporter(make_user):
    return make_user("reporter", email="dr.interne@example.org")


def drafts_of(db, user):
    db.rollback()
    return db.scalars(select(ReportDraft).where(ReportDraft.owner_id == user.id)).all()


def typed_form(client, **changes):
    """The form's fields as typed, with the form's hidden owner marker."""
    page = _text(client.get("/reports/new"))
    fields = form_fields(client, **changes)
    fields["form_token"] = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    fields["csrf_token"] = csrf_from(page)
    fields["form_owner"] = re.search(r'name="form_owner" value="([^"]+)"', page).group(1)
    return fields


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html_module.unescape(value) for name, value in found}


def _text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def end_session(client):
    client.delete_cookie("session", domain="localhost")


def test_autosaved_draft_is_listed_resumed_and_removed_when_filed(client, reporter, db):
    sign_in(client, reporter)
    fields = typed_form(client, product_name="Plasma frais congelé", description="Dyspnée, désaturation.")
    saved = client.post("/reports/drafts", data=fields)
    assert saved.status_code == 200 and saved.get_json()["csrf_token"]
    (draft,) = drafts_of(db, reporter)
    assert draft.fields["product_name"] == "Plasma frais congelé"
    listing = _text(client.get("/reports/mine"))
    assert "1 brouillon" in listing
    drafts_page = _text(client.get("/reports/drafts"))
    assert "Plasma frais congelé" in drafts_page and f"/reports/new?draft={draft.id}" in drafts_page
    resumed = client.get(f"/reports/new?draft={draft.id}").get_data(as_text=True)
    assert 'value="Plasma frais congelé"' in resumed and "Dyspnée, désaturation." in resumed
    assert f'name="form_token" value="{draft.form_token}"' in resumed
    assert client.post("/reports/new", data={**fields, "csrf_token": csrf_from(resumed)}).status_code == 302
    assert count_reports(db) == 1
    assert drafts_of(db, reporter) == []
    # A save arriving after the filing does not bring the draft back.
    client.post("/reports/drafts", data={**fields, "csrf_token": csrf_from(resumed)})
    assert drafts_of(db, reporter) == []


def test_a_draft_is_deleted_from_the_list_and_is_nobody_elses(client, reporter, make_user, db):
    sign_in(client, reporter)
    fields = typed_form(client)
    client.post("/reports/drafts", data=fields)
    (draft,) = drafts_of(db, reporter)
    page = _text(client.get("/reports/drafts"))
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    other = make_user("reporter")
    sign_in(client, other)
    assert client.get(f"/reports/new?draft={draft.id}").status_code == 404
    page = _text(client.get("/reports/drafts"))
    assert "Greffe de cornée" not in page
    assert client.post(f"/reports/drafts/{draft.id}/delete", data={"csrf_token": csrf_from(page)}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    sign_in(client, reporter)
    page = _text(client.get("/reports/drafts"))
    client.post(f"/reports/drafts/{draft.id}/delete", data={"csrf_token": csrf_from(page)})
    assert drafts_of(db, reporter) == []


def test_after_the_session_expired_signing_in_again_gives_the_form_back_as_it_was(client, reporter, db):
    sign_in(client, reporter)
    fields = typed_form(client, product_name="Kymriah", description="Syndrome de relargage cytokinique à J3.")
    end_session(client)
    answer = client.post("/reports/new", data=fields)
    page = _text(answer)
    assert answer.status_code == 401 and answer.headers["Cache-Control"] == "no-store"
    assert "Votre session a expiré" in page and "rien de ce que vous avez saisi n'est perdu" in page
    assert count_reports(db) == 0 and drafts_of(db, reporter) == []  # nothing stored for nobody
    sign_in_form = hidden_fields(page)
    assert sign_in_form["kept.product_name"] == "Kymriah"
    signed_in = client.post("/login", data={**sign_in_form, "email": reporter.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and "/reports/new?draft=" in signed_in.headers["Location"]
    form = _text(client.get(signed_in.headers["Location"]))
    assert "Votre session avait expiré : voici le formulaire tel que vous l'aviez laissé." in form
    assert 'value="Kymriah"' in form and "Syndrome de relargage cytokinique à J3." in form
    assert 'value="1950"' in form and 'value="AB"' in form
    filed = client.post("/reports/new", data={**fields, "csrf_token": csrf_from(form)})
    assert filed.status_code == 302
    assert count_reports(db) == 1 and drafts_of(db, reporter) == []


def test_a_wrong_password_keeps_the_form_kept(client, reporter, db):
    sign_in(client, reporter)
    fields = typed_form(client, product_name="Kymriah")
    end_session(client)
    page = _text(client.post("/reports/new", data=fields))
    again = client.post("/login", data={**hidden_fields(page), "email": reporter.email, "password": "wrong password!"})
    assert again.status_code == 401
    assert hidden_fields(_text(again))["kept.product_name"] == "Kymriah"


def test_someone_else_signing_in_gets_nothing_of_the_kept_form(client, reporter, make_user, db):
    colleague = make_user("reporter")
    sign_in(client, reporter)
    fields = typed_form(client, description="Texte de la première personne.")
    end_session(client)
    page = _text(client.post("/reports/new", data=fields))
    signed_in = client.post("/login", data={**hidden_fields(page), "email": colleague.email, "password": PASSWORD})
    assert "draft=" not in signed_in.headers["Location"]
    assert drafts_of(db, colleague) == [] and drafts_of(db, reporter) == []
    form = _text(client.get("/reports/new"))
    assert "Texte de la première personne." not in form
    # A forged marker is worth nothing either.
    forged = {**hidden_fields(page), "kept_form_owner": "x" + hidden_fields(page)["kept_form_owner"][1:]}
    client.post("/logout", data={"csrf_token": csrf_from(form)})
    client.post("/login", data={**forged, "email": reporter.email, "password": PASSWORD})
    assert drafts_of(db, reporter) == []


@pytest.mark.parametrize("token", ["not-a-token", None])
def test_an_expired_or_missing_form_token_keeps_what_was_typed(client, reporter, db, token):
    sign_in(client, reporter)
    fields = typed_form(client, product_name="Albumine 20 %", description="Hypotension pendant la perfusion.")
    if token is None:
        del fields["csrf_token"]
    else:
        fields["csrf_token"] = token
    answer = client.post("/reports/new", data=fields)
    page = _text(answer)
    assert answer.status_code == 400
    assert "Rien de ce que vous avez saisi n'est perdu" in page and "Bad Request" not in page
    assert 'value="Albumine 20 %"' in page and "Hypotension pendant la perfusion." in page
    assert count_reports(db) == 0
    assert client.post("/reports/new", data={**fields, "csrf_token": csrf_from(page)}).status_code == 302
    assert count_reports(db) == 1


def test_an_expired_form_token_elsewhere_is_said_in_french_or_english(client, reporter):
    sign_in(client, reporter)
    answer = client.post("/logout", data={"csrf_token": "expired"})
    page = _text(answer)
    assert answer.status_code == 400
    assert "Formulaire expiré" in page and "Bad Request" not in page and "CSRF" not in page
    client.get("/language/en")
    page = _text(client.post("/logout", data={"csrf_token": "expired"}))
    assert "Form expired" in page and "CSRF" not in page


def test_back_and_submit_again_shows_the_report_already_filed(client, reporter, db):
    sign_in(client, reporter)
    fields = typed_form(client)
    first = client.post("/reports/new", data=fields)
    # The browser restored the page without its product name: still the same form, filed once.
    second = client.post("/reports/new", data={**fields, "product_name": ""}, follow_redirects=True)
    assert second.request.path == first.headers["Location"].split("?")[0]
    assert "Aucun second signalement n'a été créé." in _text(second)
    assert count_reports(db) == 1
    assert db.scalar(select(func.count()).select_from(ReportDraft)) == 0


def test_a_form_typed_in_for_hours_does_not_expire(client, reporter, db):
    """Each save of the draft hands the form a fresh token: only a form left untouched expires."""
    import time_machine

    with time_machine.travel(0, tick=True) as traveller:
        traveller.move_to("2026-12-04T08:00:00Z")
        sign_in(client, reporter)
        fields = typed_form(client)
        token = fields["csrf_token"]
        for _ in range(4):  # saved as the clinician goes on typing, within the session's idle time
            traveller.shift(25 * 60)
            saved = client.post("/reports/drafts", data={**fields, "csrf_token": token})
            assert saved.status_code == 200
            token = saved.get_json()["csrf_token"]  # as static/drafts.js does
        # 100 minutes after the form was shown: its first token is dead
        assert client.post("/reports/new", data=fields).status_code == 400
        filed = client.post("/reports/new", data={**fields, "csrf_token": saved.get_json()["csrf_token"]})
        assert filed.status_code == 302
    assert count_reports(db) == 1


def test_a_social_security_number_is_never_kept_in_a_draft(client, reporter, db):
    sign_in(client, reporter)
    nir = "Patient 2 56 03 75 112 345 67, réaction fébrile."
    fields = typed_form(client, description=nir)
    refused = client.post("/reports/drafts", data=fields)
    assert refused.status_code == 422
    assert "numéro de sécurité sociale" in refused.get_json()["errors"]["fields.description"][0]
    assert drafts_of(db, reporter) == []
    # Kept through sign-in all the same, shown with the problem beside its field, not stored.
    end_session(client)
    page = _text(client.post("/reports/new", data=fields))
    again = client.post("/login", data={**hidden_fields(page), "email": reporter.email, "password": PASSWORD})
    form = _text(again)
    assert again.status_code == 422 and nir in form and "numéro de sécurité sociale" in form
    assert drafts_of(db, reporter) == [] and count_reports(db) == 0


def test_a_person_of_no_establishment_is_told_at_once_and_keeps_no_draft(client, make_user, db):
    administrator = make_user("admin")
    sign_in(client, administrator)
    fields = typed_form(client, description="Texte saisi par l'administrateur.")
    refused = client.post("/reports/drafts", data=fields)
    assert refused.status_code == 403
    assert refused.get_json()["errors"]["form"] == ["Votre compte n'est rattaché à aucun établissement."]
    # Kept through sign-in, the form comes back as it was, and nothing is stored.
    end_session(client)
    page = _text(client.post("/reports/new", data=fields))
    again = client.post("/login", data={**hidden_fields(page), "email": administrator.email, "password": PASSWORD})
    assert again.status_code == 200 and "Texte saisi par l'administrateur." in _text(again)
    assert drafts_of(db, administrator) == [] and count_reports(db) == 0


def test_a_kept_form_gives_back_each_product_row_s_answers(client, reporter, db):
    sign_in(client, reporter)
    fields = typed_form(client, product_rows="2", product_name_2="Produit inconnu", origin_2="cells")
    end_session(client)
    sign_in_form = hidden_fields(_text(client.post("/reports/new", data=fields)))
    assert sign_in_form["kept.origin_2"] == "cells"
    signed_in = client.post("/login", data={**sign_in_form, "email": reporter.email, "password": PASSWORD})
    form = _text(client.get(signed_in.headers["Location"]))
    row = re.search(r'<details class="questions" id="questions-2"[^>]*>.*?</details>', form, re.S).group(0)
    assert '<option value="cells" selected>' in row
