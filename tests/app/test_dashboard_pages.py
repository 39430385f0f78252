"""The dashboard, the activity reports and the profile: who may read them, and the same figures as the summaries."""

import csv
import io
from datetime import date

from sqlmodel import select

from tests.app.test_pages import PASSWORD, csrf_from, sign_in
from tests.vigilance.test_summaries import HOUR, paris, staff, week  # noqa: F401  (fixtures)
from vigilance import summaries
from vigilance.models import AuditEvent, User
from vigilance.periods import period_containing


def switch(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user, PASSWORD)


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


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
    figures = {(r["figure"], r["queue"], r["key"]): r["value"] for r in rows}
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
    assert "<th scope=\"row\">16/11/2026</th><td>3</td><td>3</td>" in page.replace("\n", "").replace("        ", "")


def test_activity_report_matches_the_monthly_email_and_audits_the_cases_it_shows(client, db, staff, week):
    period = period_containing("monthly", date(2026, 11, 1))
    result = summaries.run(db, "monthly", period, db.get(summaries.Establishment, staff["hv"].establishment_id),
                           now=paris(2026, 12, 1, 7, 0), hour=HOUR, base_url="http://x")
    db.commit()
    email = next(c.email for c in result.emails if c.recipient.id == staff["coordinator_en"].id)
    assert "Received: 4; Serious: 3" in email.text.replace(" ;", ";")
    switch(client, staff["coordinator_en"])
    rows = read_csv(client.get("/activity/2026/11/export.csv"))
    figures = {(r["section"], r["queue"], r["key"]): r["value"] for r in rows}
    assert figures[("received", "haemovigilance", "total")] == "4"
    assert figures[("serious", "haemovigilance", "total")] == "3"
    assert figures[("severity", "haemovigilance", "3")] == "1"
    assert figures[("imputability", "haemovigilance", "not_assessed")] == "3"
    assert figures[("deadlines", "haemovigilance", "compliance_rate")] == "0.3333"
    cases = read_csv(client.get("/activity/2026/11/cases.csv"))
    assert [c["reference"] for c in cases] == [week[n].report.reference for n in ("last_week", "declared", "late", "graft")]
    assert "Frissons" not in str(cases)
    page = client.get("/activity/2026/11").get_data(as_text=True)
    assert week["graft"].report.reference in page and "window.print()" in page
    db.rollback()
    trail = db.exec(select(AuditEvent).where(AuditEvent.actor_id == staff["coordinator_en"].id)).all()
    assert {(e.action, e.report_id) for e in trail} >= {("export", week["late"].report.id),
                                                         ("read", week["late"].report.id)}
    # A year's report is there too, and a month that does not exist is not.
    assert client.get("/activity/2026").status_code == 200
    assert client.get("/activity/2026/13").status_code == 404


def test_bad_dashboard_dates_are_said_and_replaced(client, staff):
    switch(client, staff["hv"])
    page = client.get("/dashboard?from=2026-13-01&to=2026-11-01").get_data(as_text=True)
    assert "La date de début n&#39;est pas une date valide" in page
    page = client.get("/dashboard?from=2026-11-20&to=2026-11-01").get_data(as_text=True)
    assert "La date de début doit précéder la date de fin." in page


def test_profile_chooses_the_summaries_and_the_language(client, db, staff):
    switch(client, staff["hv"])
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="daily_digest"' in page and 'name="weekly_summary"' not in page
    saved_page = client.post("/profile", data={"csrf_token": csrf_from(page), "language": "en",
                                                "digest_when_empty": "on"}, follow_redirects=True)
    assert "Your preferences are saved." in saved_page.get_data(as_text=True)
    db.expire_all()
    saved = db.get(User, staff["hv"].id)
    assert (saved.language, saved.daily_digest, saved.digest_when_empty) == ("en", False, True)
    assert "My profile" in client.get("/profile").get_data(as_text=True)
    # A language the service does not speak is refused, said, and nothing is saved.
    page = client.post("/profile", data={"csrf_token": csrf_from(page), "language": "de", "daily_digest": "on"},
                       follow_redirects=True).get_data(as_text=True)
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
