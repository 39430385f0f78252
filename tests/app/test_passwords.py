"""A person changes their password; an administrator resets one, unlocks and re-enables accounts."""

import re

from app.cli import cli
from tests.page_session import PASSWORD, csrf_from, sign_in

NEW = "a brand new passphrase"


def change(client, **fields):
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    return client.post("/profile/password", data={"csrf_token": token, **fields})


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, make_user):
    user = make_user("reporter")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(elsewhere, user)
    answer = change(here, current_password=PASSWORD, password=NEW, password_confirmation=NEW)
    assert answer.status_code == 302
    assert "Votre mot de passe est changé" in here.get("/profile").get_data(as_text=True)
    assert signed_in(here) and not signed_in(elsewhere)
    later = app.test_client()
    assert sign_in(later, user, PASSWORD).status_code == 401
    assert sign_in(later, user, NEW).status_code == 302


def test_a_refused_change_says_why_next_to_each_field_and_changes_nothing(app, make_user):
    user = make_user("reporter")
    client = app.test_client()
    sign_in(client, user)
    for fields, field, message in (
        (
            dict(current_password="not it at all", password=NEW, password_confirmation=NEW),
            "current_password",
            "Ce n&#39;est pas votre mot de passe actuel.",
        ),
        (
            dict(current_password=PASSWORD, password="short", password_confirmation="short"),
            "password",
            "Au moins 12 caractères.",
        ),
        (
            dict(current_password=PASSWORD, password="aaaaaaaaaaaa", password_confirmation="aaaaaaaaaaaa"),
            "password",
            "Ce mot de passe est trop courant ou trop facile à deviner",
        ),
        (
            dict(current_password=PASSWORD, password=PASSWORD, password_confirmation=PASSWORD),
            "password",
            "Choisissez un mot de passe différent de l&#39;actuel.",
        ),
        (
            dict(current_password=PASSWORD, password=NEW, password_confirmation=NEW + "!"),
            "password_confirmation",
            "Les deux saisies diffèrent.",
        ),
    ):
        answer = change(client, **fields)
        assert answer.status_code == 400
        assert re.search(rf'id="{field}-error">\s*{re.escape(message)}', answer.get_data(as_text=True)), field
    # Still the old password (from another address: five wrong guesses here throttle this one).
    assert sign_in(app.test_client(), user, PASSWORD, address="10.0.0.8").status_code == 302


def test_an_administrator_resets_a_password(runner, app, make_user):
    user = make_user("correspondent", vigilances=["haemovigilance"])

    reset = runner.invoke(cli, ["users", "set-password", user.email.upper()])
    assert reset.exit_code == 0, reset.output
    generated = re.search(r"^password: (\S+)$", reset.output, re.M).group(1)
    assert sign_in(app.test_client(), user, generated).status_code == 302
    assert sign_in(app.test_client(), user, PASSWORD).status_code == 401

    short = runner.invoke(cli, ["users", "set-password", user.email, "--password", "short"])
    assert short.exit_code != 0 and "At least 12 characters" in short.output
    unknown = runner.invoke(cli, ["users", "set-password", "nobody@example.org"])
    assert unknown.exit_code != 0 and "No account nobody@example.org" in unknown.output


def test_a_disabled_account_is_enabled_again(runner, app, make_user, token_for):
    user = make_user("reporter")
    headers = token_for(user)
    client = app.test_client()
    assert runner.invoke(cli, ["users", "disable", user.email]).exit_code == 0
    assert client.get("/api/v1/reports", headers=headers).status_code == 401
    assert sign_in(app.test_client(), user).status_code == 401
    enabled = runner.invoke(cli, ["users", "enable", user.email])
    assert enabled.exit_code == 0 and f"{user.email} enabled" in enabled.output
    assert client.get("/api/v1/reports", headers=headers).status_code == 200
    assert sign_in(app.test_client(), user).status_code == 302
    assert "active" in runner.invoke(cli, ["users", "list"]).output


def test_guessing_the_current_password_is_throttled_as_signing_in_is(app, make_user):
    user = make_user("reporter")
    client = app.test_client()
    sign_in(client, user)
    for _ in range(5):
        assert (
            change(client, current_password="a guess at it", password=NEW, password_confirmation=NEW).status_code == 400
        )
    # Even the right password is now refused here for a while; the person signs in elsewhere.
    throttled = change(client, current_password=PASSWORD, password=NEW, password_confirmation=NEW)
    assert throttled.status_code == 400 and "Trop d&#39;essais" in throttled.get_data(as_text=True)
    assert sign_in(app.test_client(), user, PASSWORD, address="10.0.0.8").status_code == 302


def test_a_reader_who_chose_english_keeps_it_after_changing_their_password(app, make_user):
    user = make_user("reporter")
    client = app.test_client()
    sign_in(client, user)
    client.get("/language/en")
    change(client, current_password=PASSWORD, password=NEW, password_confirmation=NEW)
    page = client.get("/profile").get_data(as_text=True)
    assert "Your password is changed" in page and "My profile" in page
