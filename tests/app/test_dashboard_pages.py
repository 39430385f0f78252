"""The dashboard, the activity reports and the profile: who may read them, and the same figures as the summaries."""

import csv
import html
import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from tests.page_session import PASSWORD, csrf_from, sign_in
from tests.scenarios import HOUR, paris
from vigilance import summaries
from vigilance.models import AuditEvent, User
from vigilance.periods import PARIS, period_containing


def switch(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user, PASSWORD)


def read_csv(response, delimiter=";") -> list[dict]:
    """The rows of an export, by column label: French spreadsheets split on ';', English ones on ','."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def test_who_may_read_the_figures(client, staff, make_user):
    assert client.get("/dashboard").status_code == 302  # to the sign-in page
    for outsider in (staff["reporter"], make_user("admin")):
        switch(client, outsider)
        for path in ("/dashboard", "/dashboard.csv", "/activity/2026/11", "/activity/2026/11/cases.csv"):
            assert client.get(path).status_code == 403, path
    switch(client, staff["bio"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "biovigilance" in page and "hémovigilance" not in page
    assert client.get("/dashboard?queue=haemovigilance").status_code == 404
    assert client.get("/activity/2026/11?queue=haemovigilance").status_code == 404
    switch(client, staff["coordinator"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "hémovigilance" in page and "biovigilance" in page and "matériovigilance" in page


def test_dashboard_figures_equal_the_weekly_summary_for_the_same_week(client, db, staff, week):
    period = period_containing("weekly", date(2026, 11, 16))
    summary = summaries.build_weekly(db, staff["hv"].establishment_id, period, now=paris(2026, 11, 23, 7, 0))
    switch(client, staff["coordinator"])
    rows = read_csv(client.get("/dashboard.csv?from=2026-11-16&to=2026-11-22"))
    figures = {(r["Indicateur"], r["Système de vigilance"], r["Clé"]): r["Valeur"] for r in rows}
    for row in summary.queues:
        assert int(figures[("received", row.queue, "total")]) == row.received
        assert int(figures[("serious", row.queue, "total")]) == row.serious
        assert int(figures[("deadlines", row.queue, "met")]) == row.met
        assert int(figures[("deadlines", row.queue, "missed")]) == row.missed
        assert int(figures[("received_per_week", row.queue, "2026-11-16")]) == row.received
    assert figures[("received", "haemovigilance", "total")] == "3"
    # The page draws the same numbers, and gives them as a table.
    page = client.get("/dashboard?from=2026-11-16&to=2026-11-22&queue=haemovigilance").get_data(as_text=True)
    assert "<svg" in page and 'id="received-table"' in page
    assert '<th scope="row">16/11/2026</th><td>3</td><td>3</td>' in page.replace("\n", "").replace("        ", "")


def test_activity_report_matches_the_monthly_email_and_audits_the_cases_it_shows(client, db, staff, week):
    period = period_containing("monthly", date(2026, 11, 1))
    result = summaries.run(
        db,
        "monthly",
        period,
        db.get(summaries.Establishment, staff["hv"].establishment_id),
        now=paris(2026, 12, 1, 7, 0),
        hour=HOUR,
        base_url="http://x",
    )
    db.commit()
    email = next(c.email for c in result.emails if c.recipient.id == staff["coordinator_en"].id)
    # English punctuation in English: no space before the semicolon (it once leaked from French).
    assert "Received: 4; Serious: 3" in email.text
    switch(client, staff["coordinator_en"])
    rows = read_csv(client.get("/activity/2026/11/export.csv"), ",")  # an English reader: English spreadsheets
    figures = {(r["Section"], r["Vigilance system"], r["Key"]): r["Value"] for r in rows}
    assert figures[("received", "haemovigilance", "total")] == "4"
    assert figures[("serious", "haemovigilance", "total")] == "3"
    assert figures[("severity", "haemovigilance", "3")] == "1"
    assert figures[("imputability", "haemovigilance", "not_assessed")] == "3"
    assert figures[("deadlines", "haemovigilance", "compliance_rate")] == "0.3333"
    cases = read_csv(client.get("/activity/2026/11/cases.csv"), ",")
    assert [c["Reference"] for c in cases] == [
        week[n].report.reference for n in ("last_week", "declared", "late", "graft")
    ]
    assert "Frissons" not in str(cases)
    page = client.get("/activity/2026/11").get_data(as_text=True)
    assert week["graft"].report.reference in page and "data-print" in page
    db.rollback()
    trail = db.exec(select(AuditEvent).where(AuditEvent.actor_id == staff["coordinator_en"].id)).all()
    assert {(e.action, e.report_id) for e in trail} >= {
        ("export", week["late"].report.id),
        ("read", week["late"].report.id),
    }
    # A year's report is there too; a month that does not exist is refused (see below).
    assert client.get("/activity/2026").status_code == 200
    assert client.get("/activity/2026/13").status_code == 400


def field_error(page: str, field: str) -> str:
    """The message shown next to *field*, and the field pointing at it; '' when there is none."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    if not match:
        return ""
    pointing = rf'id="{field}"[^>]*aria-describedby="{field}-error"'
    assert re.search(pointing, page), f"{field} does not point at its error"
    # Only the markup's own line breaks and indents: a non-breaking space is the message's typography.
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", match.group(1)).strip())


BAD_DASHBOARD_PERIODS = [
    # (query, field, French message, English message)
    (
        "from=2026-13-01&to=2026-11-01",
        "from",
        "La date de début n'est pas une date valide (AAAA-MM-JJ).",
        "The start date is not a valid date (YYYY-MM-DD).",
    ),
    (
        "from=2026-02-30",
        "from",
        "La date de début n'est pas une date valide (AAAA-MM-JJ).",
        "The start date is not a valid date (YYYY-MM-DD).",
    ),
    (
        "from=2026-11-01&to=2026-11-31",
        "to",
        "La date de fin n'est pas une date valide (AAAA-MM-JJ).",
        "The end date is not a valid date (YYYY-MM-DD).",
    ),
    (
        "from=2026-11-20&to=2026-11-01",
        "from",
        "La date de début doit précéder la date de fin.",
        "The start date must come before the end date.",
    ),
    (
        "from=2020-01-01&to=2026-11-01",
        "from",
        "Choisissez une période de deux ans au plus.",
        "Choose a period of two years at most.",
    ),
    (
        "from=0001-01-01&to=2026-11-01",
        "from",
        "La date de début doit tomber entre 2000 et 2100.",
        "The start date must fall between 2000 and 2100.",
    ),
    (
        "from=2026-11-01&to=9999-12-31",
        "to",
        "La date de fin doit tomber entre 2000 et 2100.",
        "The end date must fall between 2000 and 2100.",
    ),
    (
        "queue=virology",
        "queue",
        "Système de vigilance inconnu : choisissez-en un dans la liste.",
        "Unknown vigilance system: choose one from the list.",
    ),
]


@pytest.mark.parametrize(
    ("query", "field", "french", "english"), BAD_DASHBOARD_PERIODS, ids=[case[0] for case in BAD_DASHBOARD_PERIODS]
)
def test_a_bad_dashboard_period_is_refused_next_to_its_field_never_replaced(
    client, staff, query, field, french, english
):
    switch(client, staff["coordinator"])
    response = client.get(f"/dashboard?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, field) == french
    assert "Ces chiffres ne peuvent pas être établis : corrigez les champs signalés." in page
    # No figures for another period in its place, and no export of them.
    assert "<svg" not in page and 'id="received-table"' not in page and "/dashboard.csv" not in page
    # What was typed is still in the form.
    for name, value in (pair.split("=") for pair in query.split("&")):
        assert f'value="{value}"' in page and f'name="{name}"' in page
    other_fields = {"from", "to", "queue"} - {field}
    assert all(field_error(page, other) == "" for other in other_fields)
    # The CSV of the same request is refused too, naming the field, in the API's error shape.
    export = client.get(f"/dashboard.csv?{query}")
    assert export.status_code == 400 and export.mimetype == "application/json"
    assert "Content-Disposition" not in export.headers
    assert export.get_json() == {"code": 400, "status": "Bad Request", "message": french, "errors": {field: [french]}}
    # In English for a reader who reads English.
    switch(client, staff["coordinator_en"])
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), field) == english
    assert client.get(f"/dashboard.csv?{query}").get_json()["errors"] == {field: [english]}


def test_a_good_dashboard_period_is_still_drawn_and_each_bad_field_is_named(client, staff):
    switch(client, staff["hv"])
    weeks_ago = (datetime.now(PARIS).date() - timedelta(weeks=3)).isoformat()
    for query in (
        "",
        f"from={weeks_ago}",
        "to=2026-11-22",
        "from=2026-11-02&to=2026-11-22&queue=haemovigilance",
        "from=&to=&queue=",
    ):
        response = client.get(f"/dashboard?{query}")
        assert response.status_code == 200 and "<svg" in response.get_data(as_text=True), query
        assert client.get(f"/dashboard.csv?{query}").status_code == 200, query
    # Several bad fields: each is said next to itself.
    page = client.get("/dashboard?from=2026-11-31&to=2026-02-30&queue=nope").get_data(as_text=True)
    assert field_error(page, "from").startswith("La date de début n'est pas une date valide")
    assert field_error(page, "to").startswith("La date de fin n'est pas une date valide")
    assert field_error(page, "queue").startswith("Système de vigilance inconnu")
    assert set(client.get("/dashboard.csv?from=2026-11-31&to=2026-02-30&queue=nope").get_json()["errors"]) == {
        "from",
        "to",
        "queue",
    }
    # A real system one does not work stays not found, as before.
    assert client.get("/dashboard?queue=biovigilance").status_code == 404


BAD_ACTIVITY_PERIODS = [
    # (path, field, French message, English message)
    ("/activity/2026/13", "month", "Le mois doit être compris entre 1 et 12.", "The month must be between 1 and 12."),
    ("/activity/2026/0", "month", "Le mois doit être compris entre 1 et 12.", "The month must be between 1 and 12."),
    (
        "/activity/1900",
        "year",
        "L'année doit être comprise entre 2000 et 2100.",
        "The year must be between 2000 and 2100.",
    ),
    (
        "/activity/20261/11",
        "year",
        "L'année doit être comprise entre 2000 et 2100.",
        "The year must be between 2000 and 2100.",
    ),
    (
        "/activity/2026/11?queue=virology",
        "queue",
        "Système de vigilance inconnu : choisissez-en un dans la liste.",
        "Unknown vigilance system: choose one from the list.",
    ),
]


def audit_events(db, user) -> int:
    db.rollback()
    return len(db.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id)).all())


@pytest.mark.parametrize(
    ("path", "field", "french", "english"), BAD_ACTIVITY_PERIODS, ids=[case[0] for case in BAD_ACTIVITY_PERIODS]
)
def test_a_bad_activity_period_is_refused_next_to_its_field_and_nothing_is_read_or_exported(
    client, db, staff, week, path, field, french, english
):
    switch(client, staff["coordinator"])
    before = audit_events(db, staff["coordinator"])
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, field) == french
    assert "Ce rapport ne peut pas être établi : corrigez les champs signalés." in page
    # No serious case is shown, so none is read.
    assert week["graft"].report.reference not in page and "cases.csv" not in page
    route, _sep, query = path.partition("?")
    for suffix in ("/export.csv", "/cases.csv"):
        export = client.get(f"{route}{suffix}{'?' + query if query else ''}")
        assert export.status_code == 400 and export.mimetype == "application/json", suffix
        assert export.get_json()["errors"] == {field: [french]}
        assert week["graft"].report.reference not in export.get_data(as_text=True)
    assert audit_events(db, staff["coordinator"]) == before
    switch(client, staff["coordinator_en"])
    response = client.get(path)
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), field) == english
    assert client.get(f"{route}/cases.csv{'?' + query if query else ''}").get_json()["message"] == english
    assert audit_events(db, staff["coordinator_en"]) == 0
    # The same period, asked rightly, is read and audited: the counts above could have moved.
    client.get("/activity/2026/11/cases.csv")
    assert audit_events(db, staff["coordinator_en"]) > 0


def test_the_activity_form_goes_to_the_period_chosen_or_says_what_is_wrong(client, staff):
    switch(client, staff["coordinator"])
    assert (
        client.get("/activity?year=2026&month=11&queue=biovigilance").headers["Location"]
        == "/activity/2026/11?queue=biovigilance"
    )
    assert client.get("/activity?year=2025&month=").headers["Location"] == "/activity/2025"
    page = client.get("/activity/2026/11").get_data(as_text=True)
    assert 'name="year" value="2026"' in page and '<option value="11" selected>' in page
    for query, field, message in (
        ("year=deux-mille&month=11", "year", "L'année doit être comprise entre 2000 et 2100."),
        ("year=&month=11", "year", "Indiquez l'année."),
        ("year=2026&month=novembre", "month", "Le mois doit être compris entre 1 et 12."),
        ("queue=virology", "queue", "Système de vigilance inconnu : choisissez-en un dans la liste."),
    ):
        response = client.get(f"/activity?{query}")
        assert response.status_code == 400, query
        assert field_error(response.get_data(as_text=True), field) == message, query


def test_profile_chooses_the_summaries_and_the_language(client, db, staff):
    switch(client, staff["hv"])
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="daily_digest"' in page and 'name="weekly_summary"' not in page
    saved_page = client.post(
        "/profile",
        data={"csrf_token": csrf_from(page), "language": "en", "digest_when_empty": "on"},
        follow_redirects=True,
    )
    assert "Your preferences are saved." in saved_page.get_data(as_text=True)
    db.expire_all()
    saved = db.get(User, staff["hv"].id)
    assert (saved.language, saved.daily_digest, saved.digest_when_empty) == ("en", False, True)
    assert "My profile" in client.get("/profile").get_data(as_text=True)
    # A language the service does not speak is refused, said, and nothing is saved.
    page = client.post(
        "/profile", data={"csrf_token": csrf_from(page), "language": "de", "daily_digest": "on"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Language: fr or en." in page
    db.expire_all()
    assert (db.get(User, staff["hv"].id).language, db.get(User, staff["hv"].id).daily_digest) == ("en", False)
    # Without the form's token nothing changes.
    assert client.post("/profile", data={"language": "fr"}).status_code == 400
    switch(client, staff["coordinator"])
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="weekly_summary"' in page and 'name="daily_digest"' not in page
    switch(client, staff["reporter"])
    assert "Synthèses reçues" not in client.get("/profile").get_data(as_text=True)
