"""Administrators manage accounts from the pages: create, disable and enable, set a new password."""

import re

import pytest
from sqlalchemy import select

from tests.page_session import PASSWORD, csrf_from, sign_in
from vigilance.models import User


@pytest.fixture
def admin_client(app, make_user):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    return client, admin


def post(client, path, **fields):
    token = csrf_from(client.get("/admin/accounts").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **fields})


def shown_password(html: str) -> str:
    return re.search(r'id="new-password">.*?<code class="reference">([^<]+)</code>', html, re.S).group(1)


def test_only_administrators_see_the_accounts(app, make_user, admin_client):
    client, _admin = admin_client
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert "Créer un compte" in page and "administrateur" in page
    for role in ("reporter", "coordinator"):
        other = app.test_client()
        sign_in(other, make_user(role))
        assert other.get("/admin/accounts").status_code == 404
        token = csrf_from(other.get("/profile").get_data(as_text=True))
        assert (
            other.post(
                "/admin/accounts", data={"csrf_token": token, "email": "x@example.org", "role": "admin"}
            ).status_code
            == 404
        )


def test_an_account_created_on_the_page_signs_in_with_the_password_shown_once(app, db, establishment, admin_client):
    client, _admin = admin_client
    answer = post(
        client,
        "/admin/accounts",
        email="Dr.Petit@Example.org",
        name="Dr Petit",
        role="correspondent",
        establishment=str(establishment.id),
        vigilances=["haemovigilance", "biovigilance"],
        language="en",
    )
    assert answer.status_code == 200
    password = shown_password(answer.get_data(as_text=True))
    created = db.exec(select(User).where(User.email == "dr.petit@example.org")).scalar_one()
    assert created.vigilances == ["biovigilance", "haemovigilance"] and created.language == "en"
    assert sign_in(app.test_client(), created, password).status_code == 302
    assert password not in client.get("/admin/accounts").get_data(as_text=True)  # once


def test_a_refused_account_says_why_next_to_the_field_and_creates_nothing(db, establishment, admin_client):
    client, _admin = admin_client
    before = len(db.exec(select(User)).all())
    for fields, field, message, status in (
        (
            dict(email="not an address", role="reporter", establishment=str(establishment.id)),
            "email",
            "Adresse e-mail invalide.",
            400,
        ),
        (
            dict(email="a@example.org", role="correspondent", establishment=str(establishment.id)),
            "vigilance",
            "Un correspondant travaille au moins une file.",
            400,
        ),
        (dict(email="b@example.org", role="coordinator"), "establishment", "Ce rôle exige un établissement.", 400),
    ):
        answer = post(client, "/admin/accounts", **fields)
        html = answer.get_data(as_text=True)
        assert answer.status_code == status, field
        assert re.search(rf'id="{field}-error">\s*{re.escape(message)}', html), field
        assert 'id="new-password"' not in html
    post(client, "/admin/accounts", email="c@example.org", role="reporter", establishment=str(establishment.id))
    again = post(client, "/admin/accounts", email="C@example.org", role="reporter", establishment=str(establishment.id))
    assert again.status_code == 409 and "existe déjà" in again.get_data(as_text=True)
    db.expire_all()
    assert len(db.exec(select(User)).all()) == before + 1


def test_disable_enable_and_a_new_password(app, make_user, token_for, admin_client):
    client, admin = admin_client
    person = make_user("reporter")
    headers = token_for(person)
    assert post(client, f"/admin/accounts/{person.id}/active", active="0").status_code == 302
    assert "désactivé" in client.get("/admin/accounts").get_data(as_text=True)
    assert app.test_client().get("/api/v1/reports", headers=headers).status_code == 401
    post(client, f"/admin/accounts/{person.id}/active", active="1")
    assert app.test_client().get("/api/v1/reports", headers=headers).status_code == 200

    answer = post(client, f"/admin/accounts/{person.id}/password")
    assert answer.headers["Cache-Control"] == "no-store"
    new = shown_password(answer.get_data(as_text=True))
    assert sign_in(app.test_client(), person, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), person, new).status_code == 302

    own_row = re.search(
        rf'<tr id="account-{admin.id}">.*?</tr>', client.get("/admin/accounts").get_data(as_text=True), re.S
    ).group(0)
    assert "/active" not in own_row and "/password" not in own_row and 'href="/profile"' in own_row
    refused = post(client, f"/admin/accounts/{admin.id}/active", active="0")  # a hand-made request
    assert "Vous ne pouvez pas désactiver votre propre compte." in client.get("/admin/accounts").get_data(as_text=True)
    assert refused.status_code == 302 and client.get("/admin/accounts").status_code == 200
    assert post(client, "/admin/accounts/999999/password").status_code == 404
    assert post(client, f"/admin/accounts/{2**63}/password").status_code == 404
