"""Every CSV export of the service: French spreadsheets by default (';', byte-order mark, French
labels), English on request, and a product name written as a formula never comes out live."""

import csv
import io
from datetime import timedelta

import pytest

from routing import EventKind, ProductFacts
from tests.page_session import PASSWORD, sign_in
from vigilance import intake
from vigilance.clock import PARIS, utcnow

EVIL = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def month(db, make_user):
    """This month's activity routes, with a serious case whose product name is a formula."""
    now = utcnow()
    intake.submit(
        db,
        actor=make_user("reporter"),
        now=now,
        draft=intake.Draft(
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
            occurred_at=now - timedelta(hours=2),
            product=ProductFacts(name=EVIL),
            description="Réaction grave.",
            serious=True,
            severity_grade=3,
        ),
    )
    db.commit()
    today = now.astimezone(PARIS).date()
    return f"/activity/{today.year}/{today.month}"


def read(response, delimiter):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def test_serious_cases_in_french_by_default_with_the_formula_as_text(client, make_user, month):
    sign_in(client, make_user("coordinator", language="fr", password=PASSWORD))
    rows = read(client.get(f"{month}/cases.csv"), ";")
    assert rows[0] == [
        "Référence",
        "Système de vigilance",
        "Reçu le",
        "Catégorie",
        "Nature de l'événement",
        "Produit",
        "Grade",
        "Imputabilité",
        "Statut",
    ]
    (case,) = rows[1:]
    assert case[5] == "'" + EVIL  # shown as text by the spreadsheet, never run
    assert case[8] == "nouveau" and case[7] == "non évaluée"


def test_english_on_request_or_for_an_english_reader(client, make_user, month):
    sign_in(client, make_user("coordinator", language="fr", password=PASSWORD))
    rows = read(client.get(f"{month}/cases.csv?lang=en"), ",")
    assert rows[0][:3] == ["Reference", "Vigilance system", "Received"]
    assert rows[1][5] == "'" + EVIL and rows[1][8] == "new"
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, make_user("coordinator", language="en", password=PASSWORD))
    assert read(client.get(f"{month}/export.csv"), ",")[0] == ["Section", "Vigilance system", "Key", "Value"]
    assert read(client.get(f"{month}/export.csv?lang=fr"), ";")[0] == [
        "Rubrique",
        "Système de vigilance",
        "Clé",
        "Valeur",
    ]
    assert read(client.get("/dashboard.csv?lang=fr"), ";")[0] == ["Indicateur", "Système de vigilance", "Clé", "Valeur"]
    assert read(client.get("/dashboard.csv"), ",")[0] == ["Figure", "Vigilance system", "Key", "Value"]


def test_an_unknown_language_is_refused_naming_the_field(client, make_user, month):
    sign_in(client, make_user("coordinator", language="en", password=PASSWORD))
    for path in (f"{month}/cases.csv", f"{month}/export.csv", "/dashboard.csv"):
        refused = client.get(f"{path}?lang=de")
        assert refused.status_code == 400, path
        assert refused.get_json()["errors"] == {"lang": ["Unknown language: fr or en."]}
