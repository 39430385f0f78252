"""A coordinator opens the dashboard, changes its period, and reads a chart's figures in its table."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from routing import EventKind, ProductFacts
from tests.browser.test_triage import PASSWORD, sign_in
from vigilance import intake


def test_the_dashboard_draws_charts_and_gives_their_numbers_as_tables(page, live_server, engine, make_user, db):
    reporter = make_user("reporter")
    coordinator = make_user("coordinator", email="coordination@example.org", password=PASSWORD)
    now = datetime.now(UTC)
    for days_ago, product in ((1, "CGR"), (2, "MCP-IA"), (3, "greffe de cornée")):
        intake.submit(
            db,
            actor=reporter,
            now=now - timedelta(days=days_ago),
            draft=intake.Draft(
                event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                occurred_at=now - timedelta(days=days_ago, hours=1),
                product=ProductFacts(name=product),
                description="Réaction.",
                serious=True,
                severity_grade=2,
            ),
        )
    db.commit()
    sign_in(page, live_server, coordinator)
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    # The charts are SVG drawn by the server; nothing is fetched from another site.
    assert page.locator("svg.chart").count() == 4
    table = page.get_by_role("table", name="Signalements reçus par grade de sévérité")
    expect(table).to_be_visible()
    haemovigilance = [h.inner_text() for h in table.locator("thead th").all()].index("hémovigilance")
    row = table.get_by_role("row", name="2")
    assert row.locator("th, td").nth(haemovigilance).inner_text() == "2"
    biovigilance = [h.inner_text() for h in table.locator("thead th").all()].index("biovigilance")
    assert row.locator("th, td").nth(biovigilance).inner_text() == "1"
    # One system only, through the form.
    page.get_by_label("Système de vigilance").select_option("biovigilance")
    page.get_by_role("button", name="Afficher").click()
    headers = [
        h.inner_text()
        for h in page.get_by_role("table", name="Signalements reçus par grade de sévérité").locator("thead th").all()
    ]
    assert headers == ["Grade", "biovigilance"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger les chiffres (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig") as figures:
        assert "severity;biovigilance;2;1" in figures.read().replace("\r", "")
