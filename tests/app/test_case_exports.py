"""The case sheet (PDF), the line list (CSV and JSON) and the activity report (PDF): what they say,
read back as text with poppler-utils and compared with the case; who may have them; the audit."""

import csv
import io
import json
import re
from datetime import date

import pytest
from sqlmodel import col, select

from tests.app.test_attachments import A_PDF, a_png, upload
from tests.page_session import PASSWORD, sign_in
from tests.pdf_text import needs_poppler, page_count, pages_as_png, pdf_text
from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.clock import PARIS
from vigilance.models import AuditEvent, QueueItem, Report

pytestmark = needs_poppler

LONG_DESCRIPTION = "\n\n".join(
    f"Paragraphe {n} : transfusion d'un concentré de globules rouges au décours d'une chirurgie programmée, "
    "frissons puis hyperthermie à 39,5 °C, arrêt de la transfusion et prélèvements pour hémocultures. " * 4
    for n in range(1, 7)
)


def paris(moment_iso: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(moment_iso).astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


@pytest.fixture
def people(make_user, token_for, db):
    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter", name="Dr Martin"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"], name="Hélène Vasseur"),
        "bv": make_user("correspondent", vigilances=["biovigilance"]),
        "hv_elsewhere": make_user("correspondent", vigilances=["haemovigilance"], place=elsewhere),
        "coordinator": make_user("coordinator", password=PASSWORD),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def file(client, people, **changes) -> dict:
    body = {key: value for key, value in a_report(**changes).items() if value is not None}
    response = client.post("/api/v1/reports", json=body, headers=people["reporter"][1])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def item_id_of(db, report_id: int, queue: str = "haemovigilance") -> int:
    db.rollback()
    return db.exec(select(QueueItem.id).where(QueueItem.report_id == report_id, QueueItem.queue == queue)).one()


def act(client, people, path, body=None, who="hv"):
    response = client.post(f"/api/v1{path}", json=body or {}, headers=people[who][1])
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


@pytest.fixture
def short_case(client, people, db):
    report = file(
        client,
        people,
        lot_number="LOT-A17",
        donation_number="G123498654321H",
        product={"name": "CGR phénotypé"},
        reporter_unit="Hématologie",
        reporter_phone="01 23 45 67 89",
    )
    return report, item_id_of(db, report["id"])


@pytest.fixture
def long_case(client, people, db):
    """A case worked for weeks: two products, three assessments, twelve questions (eight answered),
    twenty attachments, a declaration and a long description."""
    report = file(
        client,
        people,
        description=LONG_DESCRIPTION,
        lot_number="LOT-B22",
        product=None,
        products=[{"name": "CGR phénotypé"}, {"name": "albumine humaine 20 %"}],
    )
    item_id = item_id_of(db, report["id"])
    act(client, people, f"/queue-items/{item_id}/claim")
    for version in range(3):
        act(
            client,
            people,
            f"/queue-items/{item_id}/assess",
            {
                "based_on_version": version,
                "severity_grade": 2,
                "imputability": "2",
                "investigation_status": "in_progress",
                "seriousness_criteria": ["hospitalisation"],
                "comment": f"Version {version + 1} : bilan immuno-hématologique demandé. " * 5,
            },
        )
    for n in range(1, 13):
        asked = act(
            client,
            people,
            f"/queue-items/{item_id}/information-requests",
            {"question": f"Question {n} : pouvez-vous préciser l'heure de pose et le débit de la transfusion ?"},
        )
        if n % 3:
            question_id = asked["information_requests"][-1]["id"]
            act(
                client,
                people,
                f"/information-requests/{question_id}/answer",
                {"answer": f"Réponse {n} : pose à 14 h 10, débit 2 ml/min puis 4 ml/min."},
                who="reporter",
            )
    for n in range(1, 21):
        name = f"bilan-immuno-hematologique-{n:02d}-prelevement-du-jour.pdf" if n % 2 else f"photo-poche-{n:02d}.png"
        response = upload(
            client,
            f"/api/v1/queue-items/{item_id}/attachments",
            A_PDF if n % 2 else a_png(),
            name,
            people["hv"][1],
        )
        assert response.status_code == 201, response.get_json()
    act(
        client,
        people,
        f"/queue-items/{item_id}/declarations",
        {"authority": "ANSM", "authority_reference": "EFIT-2026-04512", "declared_on": date.today().isoformat()},
    )
    return report, item_id


def case_sheet(client, people, item_id, who="hv", **params):
    return client.get(f"/api/v1/queue-items/{item_id}/case-sheet.pdf", headers=people[who][1], query_string=params)


def test_the_case_sheet_of_a_short_case_says_what_the_case_holds(client, people, short_case, db, tmp_path):
    report, item_id = short_case
    response = case_sheet(client, people, item_id)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"fiche-de-cas-{report['reference']}" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    stored = db.get(Report, report["id"])
    for expected in (
        "Fiche de cas",
        "CHU de Test — FINESS 750000010",
        report["reference"],
        "hémovigilance",
        "CGR phénotypé",
        "LOT-A17",
        "G123498654321H",
        "F 1956 MD",  # pseudonymous: sex, birth year, initials
        "Frissons et hyperthermie à 39,5 °C",
        "Dr Martin",
        "Hématologie",
        "01 23 45 67 89",
        "20/11/2026 14:30",  # occurred, in Paris time as given
        paris(stored.received_at.isoformat()),
        "Pas encore évalué.",
        "Aucune pièce jointe.",
        "Généré le",
        "(heure de Paris)",
        "page 1 / ",
    ):
        assert expected in text, expected
    pages = pages_as_png(response.data, tmp_path)
    assert len(pages) == page_count(response.data) >= 1


def test_the_case_sheet_of_a_long_case_lists_everything_on_pages_that_hold_it(client, people, long_case, db, tmp_path):
    _report, item_id = long_case
    response = case_sheet(client, people, item_id)
    assert response.status_code == 200
    pdf = response.data
    text = pdf_text(pdf)
    count = page_count(pdf)
    assert count >= 3
    assert f"page {count} / {count}" in text
    # The whole description, every paragraph, cut nowhere.
    for n in range(1, 7):
        assert f"Paragraphe {n} :" in text
    assert text.count("prélèvements pour hémocultures") == 24
    assert "CGR phénotypé" in text and "albumine humaine 20 %" in text
    assert "LOT-B22" in text
    for n in range(1, 13):
        assert f"Question {n} :" in text
    assert text.count("Réponse ") >= 8 and "Sans réponse" in text
    assert "EFIT-2026-04512" in text and "ANSM" in text
    assert "Version 3 : bilan" in text
    # The attachments: their names (which may wrap in their cell), types, sizes, hash start, uploader.
    # (pdftotext joins a word cut at a hyphen without it: compared without spaces and hyphens.)
    squeezed = re.sub(r"[ -]", "", text)
    for n in range(1, 21):
        name = f"bilan-immuno-hematologique-{n:02d}-prelevement-du-jour.pdf" if n % 2 else f"photo-poche-{n:02d}.png"
        assert name.replace("-", "") in squeezed, name
    detail = client.get(f"/api/v1/queue-items/{item_id}", headers=people["hv"][1]).get_json()
    for attachment in detail["attachments"]:
        assert attachment["sha256"][:16] in text
    assert "image/png" in text and "application/pdf" in text
    assert "Hélène Vasseur" in text
    # The history's steps, in the reader's words.
    assert "évaluation" in text and "déclaration enregistrée" in text
    assert len(pages_as_png(pdf, tmp_path)) == count


def test_the_case_sheet_in_english_on_request(client, people, short_case):
    _report, item_id = short_case
    text = pdf_text(case_sheet(client, people, item_id, lang="en").data)
    assert "Case sheet" in text and "Generated on" in text and "haemovigilance" in text
    refused = case_sheet(client, people, item_id, lang="de")
    assert refused.status_code == 422


def test_only_who_may_open_the_item_has_its_case_sheet(client, people, short_case, db):
    _report, item_id = short_case
    assert case_sheet(client, people, item_id, "hv_elsewhere").status_code == 404
    assert case_sheet(client, people, item_id, "bv").status_code == 404
    assert case_sheet(client, people, item_id, "reporter").status_code == 404
    assert case_sheet(client, people, 2**31 - 1).status_code == 404
    assert client.get(f"/api/v1/queue-items/{item_id}/case-sheet.pdf").status_code == 401
    assert case_sheet(client, people, item_id, "coordinator").status_code == 200


def test_the_case_sheet_is_audited_as_a_read(client, people, short_case, db):
    report, item_id = short_case
    case_sheet(client, people, item_id)
    case_sheet(client, people, item_id, "hv_elsewhere")
    db.rollback()
    reads = db.exec(select(AuditEvent).where(AuditEvent.report_id == report["id"], AuditEvent.action == "read")).all()
    assert [(e.target, e.actor_id) for e in reads] == [(f"case-sheet:{item_id}", people["hv"][0].id)]


def test_the_case_sheet_from_the_item_page(client, people, short_case):
    report, item_id = short_case
    sign_in(client, people["coordinator"][0])
    page = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    assert f'href="/queue-items/{item_id}/case-sheet.pdf"' in page
    response = client.get(f"/queue-items/{item_id}/case-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert report["reference"] in pdf_text(response.data)


# The line list ----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def test_the_line_list_as_french_spreadsheets_read_it(client, people, long_case, short_case, db):
    long_report, _long_item = long_case
    short_report, _short_item = short_case
    evil = file(client, people, product={"name": '=HYPERLINK("http://evil","CGR")'}, serious=False, severity_grade=1)
    rows = read_csv(client.get("/api/v1/queues/haemovigilance/line-list.csv", headers=people["hv"][1]))
    assert rows[0] == [
        "Référence",
        "Reçu le",
        "Survenu le",
        "Système de vigilance",
        "Catégorie",
        "Produit(s)",
        "Gravité",
        "Grade de sévérité",
        "Statut",
        "Attribué à",
        "Échéance",
        "État du délai",
        "Déclaré à",
        "Déclaré le",
    ]
    by_reference = {row[0]: row for row in rows[1:]}
    assert set(by_reference) == {long_report["reference"], short_report["reference"], evil["reference"]}
    line = by_reference[long_report["reference"]]
    stored = db.get(Report, long_report["id"])
    assert line[1] == paris(stored.received_at.isoformat())
    assert line[2] == "20/11/2026 14:30"
    assert line[3] == "hémovigilance"
    assert line[5] == "CGR phénotypé + albumine humaine 20 %"
    assert line[6] == "grave" and line[7] == "2"
    assert line[8] == "en attente d'information"  # the last question waits for its answer
    assert line[9] == "Hélène Vasseur"
    assert line[11] == "respecté"  # declared before its deadline
    assert line[12] == "ANSM" and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", line[13])
    short = by_reference[short_report["reference"]]
    assert short[8] == "nouveau" and short[9] == "" and short[11] == "ouvert" and short[12] == ""
    assert by_reference[evil["reference"]][5] == '\'=HYPERLINK("http://evil","CGR")'  # text, never run


def test_the_line_list_takes_the_queue_filters_and_every_page(client, people, short_case, db, monkeypatch):
    from vigilance import line_list

    monkeypatch.setattr(line_list, "BATCH", 2)  # several keyset pages for five items
    filed = [file(client, people, serious=n % 2 == 0) for n in range(4)]
    body = client.get("/api/v1/queues/haemovigilance/line-list.json", headers=people["hv"][1]).get_json()
    assert body["count"] == 5 and len(body["items"]) == 5
    serious = client.get(
        "/api/v1/queues/haemovigilance/line-list.json", headers=people["hv"][1], query_string={"serious": "false"}
    ).get_json()
    assert {i["reference"] for i in serious["items"]} == {filed[1]["reference"], filed[3]["reference"]}, [
        (f["reference"], f.get("serious")) for f in filed
    ]
    refused = client.get(
        "/api/v1/queues/haemovigilance/line-list.json", headers=people["hv"][1], query_string={"status": "lost"}
    )
    assert refused.status_code == 422, refused.get_json()
    assert "status" in str(refused.get_json()["errors"])
    backwards = client.get(
        "/api/v1/queues/haemovigilance/line-list.csv",
        headers=people["hv"][1],
        query_string={"received_from": "2026-12-02", "received_to": "2026-12-01"},
    )
    assert backwards.status_code == 422


def test_the_json_line_list_shape(client, people, long_case, db):
    report, item_id = long_case
    body = client.get("/api/v1/queues/haemovigilance/line-list.json", headers=people["hv"][1]).get_json()
    assert set(body) == {"queue", "generated_at", "count", "items"}
    (line,) = body["items"]
    assert line["item_id"] == item_id and line["report_id"] == report["id"]
    assert line["reference"] == report["reference"]
    assert line["products"] == ["CGR phénotypé", "albumine humaine 20 %"]
    assert line["serious"] is True and line["severity_grade"] == 2 and line["status"] == "awaiting_information"
    assert line["assignee"] == "Hélène Vasseur"
    assert line["deadline"]["state"] == "met"
    assert line["occurred_at"] == "2026-11-20T13:30:00+00:00"
    (declared,) = line["declarations"]
    assert declared["authority"] == "ANSM" and declared["authority_reference"] == "EFIT-2026-04512"


def test_the_line_list_holds_only_what_the_reader_may_list_and_is_audited(client, people, short_case, db):
    elsewhere = client.get("/api/v1/queues/haemovigilance/line-list.json", headers=people["hv_elsewhere"][1])
    assert elsewhere.status_code == 200 and elsewhere.get_json()["count"] == 0
    assert client.get("/api/v1/queues/haemovigilance/line-list.csv", headers=people["bv"][1]).status_code == 404
    assert client.get("/api/v1/queues/haemovigilance/line-list.csv", headers=people["reporter"][1]).status_code == 404
    client.get("/api/v1/queues/haemovigilance/line-list.csv", headers=people["hv"][1], query_string={"serious": "true"})
    db.rollback()
    events = db.exec(
        select(AuditEvent).where(AuditEvent.action == "list", col(AuditEvent.target).contains("export"))
    ).all()
    assert [(e.target, e.actor_id, e.after["filters"], e.after["shown"]) for e in events] == [
        ("api-export:queue:haemovigilance", people["hv_elsewhere"][0].id, {}, 0),
        ("api-export:queue:haemovigilance", people["hv"][0].id, {"serious": True}, 1),
    ]


def test_the_queue_page_links_its_line_list_with_its_filters(client, people, short_case, db):
    report, _item_id = short_case
    sign_in(client, people["coordinator"][0])
    page = client.get("/queues/haemovigilance?serious=yes&from=2020-01-01").get_data(as_text=True)
    link = re.search(r'href="(/queues/haemovigilance/line-list\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "serious=yes" in link and "from=2020-01-01" in link
    rows = read_csv(client.get(link))
    assert [row[0] for row in rows[1:]] == [report["reference"]]
    assert read_csv(client.get("/queues/haemovigilance/line-list.csv?serious=no"))[1:] == []
    as_json = client.get("/queues/haemovigilance/line-list.json?from=2020-01-01")
    assert json.loads(as_json.data)["items"][0]["reference"] == report["reference"]
    refused = client.get("/queues/haemovigilance/line-list.csv?from=hier")
    assert refused.status_code == 400 and "from" in refused.get_json()["errors"]


# The activity report ------------------------------------------------------------------------------


def test_the_activity_report_as_pdf_holds_the_page_figures(client, people, long_case, short_case, db, tmp_path):
    long_report, _ = long_case
    year = db.get(Report, long_report["id"]).received_at.astimezone(PARIS).year
    sign_in(client, people["coordinator"][0])
    page = client.get(f"/activity/{year}").get_data(as_text=True)
    assert f'href="/activity/{year}/report.pdf"' in page
    response = client.get(f"/activity/{year}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert f"Rapport d'activité — {year}" in text
    assert "CHU de Test" in text and "page 1 / " in text
    assert "Synthèse par système de vigilance" in text
    assert long_report["reference"] in text and "Cas graves (" in text
    assert len(pages_as_png(response.data, tmp_path)) == page_count(response.data)
    # One vigilance's report: the page's choice of system, kept by its link.
    one = client.get(f"/activity/{year}?queue=pharmacovigilance").get_data(as_text=True)
    assert f'href="/activity/{year}/report.pdf?queue=pharmacovigilance"' in one
    alone = pdf_text(client.get(f"/activity/{year}/report.pdf?queue=pharmacovigilance").data)
    assert "pharmacovigilance" in alone and "hémovigilance" not in alone
    english = pdf_text(client.get(f"/activity/{year}/report.pdf?lang=en").data)
    assert f"Activity report — {year}" in english
    assert client.get(f"/activity/{year}/report.pdf?lang=de").status_code == 400


def test_the_openapi_document_names_the_documents_and_their_types(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    sheet = paths["/api/v1/queue-items/{item_id}/case-sheet.pdf"]["get"]
    assert list(sheet["responses"]["200"]["content"]) == ["application/pdf"]
    assert {"404", "401"} <= set(sheet["responses"])
    assert list(paths["/api/v1/queues/{queue}/line-list.csv"]["get"]["responses"]["200"]["content"]) == ["text/csv"]
    listed = paths["/api/v1/queues/{queue}/line-list.json"]["get"]
    assert {p["name"] for p in listed["parameters"] if p["in"] == "query"} >= {
        "status",
        "serious",
        "received_from",
        "q",
    }
    assert "cursor" not in {p["name"] for p in listed["parameters"]}
