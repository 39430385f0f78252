"""The coordinators' rulebook pages: the diff, and re-deciding previewed then approved."""

from sqlalchemy import update
from sqlmodel import select

from tests.page_session import csrf_from, sign_in
from tests.scenarios import file_report, paris
from vigilance import accounts
from vigilance.models import AuditEvent, Deadline, Report

SOHO = "eu-soho-2027-08-07"
PREVIEW = f"/rulebooks/{SOHO}/redecide"


def filed_before_soho(db, reporter, product="greffe de cornée"):
    """Decided under the 2024 rules, its event found to fall after 7 August 2027 (as in
    tests/app/test_rulebook_tools.py: only the event date is set here)."""
    report = file_report(db, reporter, paris(2027, 8, 6, 10, 0), product=product, grade=3).report
    db.exec(update(Report).where(Report.id == report.id).values(occurred_at=paris(2027, 8, 10, 9, 0)))
    db.commit()
    return report


def test_the_diff_page_shows_each_change_with_its_legal_basis(client, staff):
    sign_in(client, staff["coordinator"])
    page = client.get(f"/rulebooks?old=fr-2024-01-02&new={SOHO}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Référentiels" in html and "2027-08-07" in html
    assert 'id="routing-r-bv-organ"' in html and "ajoutée" in html
    assert "§ Règlement (UE) 2024/1938, art. 2 (organes exclus du champ)" in html
    refused = client.get("/rulebooks?old=fr-2024-01-02&new=fr-2099")
    assert refused.status_code == 400 and "Référentiel inconnu" in refused.get_data(as_text=True)


def test_the_diff_page_in_english(client, staff):
    sign_in(client, staff["coordinator_en"])
    html = client.get(f"/rulebooks?old=fr-2024-01-02&new={SOHO}").get_data(as_text=True)
    assert "Rulebooks" in html and "added" in html and "SoHO Regulation (EU) 2024/1938" in html


def test_only_coordinators_open_the_pages(client, staff):
    sign_in(client, staff["hv"])
    assert client.get("/rulebooks").status_code == 403
    assert client.get(PREVIEW).status_code == 403


def test_the_preview_lists_what_would_change_and_changes_nothing(client, db, staff):
    report = filed_before_soho(db, staff["reporter"])
    sign_in(client, staff["coordinator"])
    html = client.get(PREVIEW).get_data(as_text=True)
    assert report.reference in html
    assert "tissu — biovigilance (fr-2024-01-02)" in html and f"tissu — biovigilance ({SOHO})" in html
    assert "référentiel, délais ajoutés (d-soho-bv-investigation)" in html
    db.expire_all()
    assert db.get(Report, report.id).rulebook_id == "fr-2024-01-02"
    read = db.exec(select(AuditEvent).where(AuditEvent.target == f"page:rulebook:{SOHO}")).one()
    assert read.actor_id == staff["coordinator"].id and read.after["redecide_preview"] == [report.reference]


def test_approval_needs_the_box_ticked(client, db, staff):
    report = filed_before_soho(db, staff["reporter"])
    sign_in(client, staff["coordinator"])
    html = client.get(PREVIEW).get_data(as_text=True)
    expected = html.split('name="expected" value="')[1].split('"')[0]
    refused = client.post(PREVIEW, data={"csrf_token": csrf_from(html), "expected": expected})
    assert refused.status_code == 422
    assert "Cochez la case" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Report, report.id).rulebook_id == "fr-2024-01-02"


def test_approved_the_reports_are_redecided_as_one_audited_batch(client, db, staff):
    report = filed_before_soho(db, staff["reporter"])
    sign_in(client, staff["coordinator"])
    html = client.get(PREVIEW).get_data(as_text=True)
    expected = html.split('name="expected" value="')[1].split('"')[0]
    done = client.post(
        PREVIEW, data={"csrf_token": csrf_from(html), "expected": expected, "approve": "1"}, follow_redirects=True
    )
    page = done.get_data(as_text=True)
    assert "1 signalement re-décidé selon" in page and "Aucun signalement ouvert ne serait décidé autrement" in page
    db.expire_all()
    assert db.get(Report, report.id).rulebook_id == SOHO
    assert db.exec(
        select(Deadline).where(Deadline.report_id == report.id, Deadline.rule_id == "d-soho-bv-investigation")
    ).one()
    batch = db.exec(select(AuditEvent).where(AuditEvent.target == f"rulebook:{SOHO}:redecide")).all()
    assert {e.report_id for e in batch} == {None, report.id}
    assert {e.actor_id for e in batch} == {staff["coordinator"].id}


def test_a_list_changed_since_the_preview_is_shown_again_not_applied(client, db, staff):
    first = filed_before_soho(db, staff["reporter"])
    sign_in(client, staff["coordinator"])
    html = client.get(PREVIEW).get_data(as_text=True)
    expected = html.split('name="expected" value="')[1].split('"')[0]
    second = filed_before_soho(db, staff["reporter"], product="CGR")
    again = client.post(PREVIEW, data={"csrf_token": csrf_from(html), "expected": expected, "approve": "1"})
    assert again.status_code == 409
    shown = again.get_data(as_text=True)
    assert first.reference in shown and second.reference in shown and "La liste a changé" in shown
    db.expire_all()
    assert {db.get(Report, r.id).rulebook_id for r in (first, second)} == {"fr-2024-01-02"}


def test_a_coordinator_redecides_only_their_establishments_reports(client, db, staff, make_user):
    mine = filed_before_soho(db, staff["reporter"])
    other = accounts.create_establishment(db, finess="690000880", name="Autre CH")
    db.commit()
    other_coordinator = make_user("coordinator", place=other)
    sign_in(client, other_coordinator)
    assert mine.reference not in client.get(PREVIEW).get_data(as_text=True)


def test_a_rulebook_that_decides_no_open_report_yet_says_so(client, db, staff):
    """As on the demo data: every event is before 7 August 2027, so the SoHO rulebook decides
    none of them yet; the 2024 rules decide them, and re-deciding would change nothing."""
    file_report(db, staff["reporter"], paris(2026, 11, 16, 9, 0))
    sign_in(client, staff["coordinator"])
    soho = client.get(PREVIEW).get_data(as_text=True)
    assert "est encore décidé par ce référentiel" in soho and "à partir du 2027-08-07" in soho
    current = client.get("/rulebooks/fr-2024-01-02/redecide").get_data(as_text=True)
    assert "Aucun signalement ouvert ne serait décidé autrement." in current
    assert "est encore décidé" not in current
