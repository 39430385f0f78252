"""The declaration form of an item as a PDF: ``GET /api/v1/queue-items/<id>/declaration.pdf``, its
stored versions, and the item page's button. Read back with poppler's ``pdftotext``."""

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.pdf_text import needs_poppler, pages_as_png, pdf_text
from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.models import AuditEvent, GeneratedDocument, QueueItem

pytestmark = needs_poppler

VALID_DIN = "G123498654321 00 H"
#: Where to keep the PDFs and their pages to look at: DECLARATION_PDF_OUT=/tmp/x pytest ...
OUT = os.environ.get("DECLARATION_PDF_OUT")


@pytest.fixture
def people(make_user, token_for, db):
    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"]),
        "hv_elsewhere": make_user("correspondent", vigilances=["haemovigilance"], place=elsewhere),
        "coordinator": make_user("coordinator"),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def _file(client, people, **overrides):
    answer = client.post("/api/v1/reports", json=a_report(**overrides), headers=people["reporter"][1])
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _item_id(db, report_id, queue):
    db.rollback()
    return db.scalar(select(QueueItem.id).where(QueueItem.report_id == report_id, QueueItem.queue == queue))


def _save(client, people, who, item_id, data):
    url = f"/api/v1/queue-items/{item_id}/case-file"
    version = client.get(url, headers=people[who][1]).get_json()["version"]
    answer = client.put(url, json={"based_on_version": version, "data": data}, headers=people[who][1])
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def read_back(content: bytes, name: str) -> str:
    """The PDF's text as poppler reads it (whitespace made single spaces); its pages kept as PNG
    in ``DECLARATION_PDF_OUT``, when set, to look at."""
    if OUT:
        folder = Path(OUT) / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "declaration.pdf").write_bytes(content)
        pages_as_png(content, folder, resolution=60)
    return pdf_text(content)


def _declaration(client, people, who, item_id):
    answer = client.get(f"/api/v1/queue-items/{item_id}/declaration.pdf", headers=people[who][1])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == "application/pdf"
    return answer


FEIR_DATA = {
    "declaration_kind": "initial",
    "care_unit": "Hématologie",
    "ets_site": "EFS Île-de-France, site Saint-Louis",
    "recipient_sex": "F",
    "recipient_birth_year": 1956,
    "transfusion_started_at": "2026-07-20T16:00:00+02:00",
    "reaction_onset_at": "2026-07-20T14:30:00+00:00",
    "units": [
        {"donation_number": VALID_DIN, "product_code": "E4578V00", "product_type": "CGR", "transfused": "partly"}
    ],
    "signs": ["fever", "chills"],
    "diagnosis": "fnhtr",
    "severity_grade": "2",
    "imputability": "2",
}


def test_the_feir_prints_the_case_file(client, db, people):
    report = _file(client, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    _save(client, people, "hv", item_id, FEIR_DATA)
    answer = _declaration(client, people, "hv", item_id)
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{report["reference"]}-declaration-v1.pdf"'
    text = read_back(answer.data, "feir-short")
    assert "Fiche de déclaration d'effet indésirable receveur (FEIR)" in text
    assert "Décision ANSM du 02/07/2020" in text and report["reference"] in text
    assert "FINESS" in text
    # Units with their donation numbers, times in Paris time (summer: UTC+2), labels of choices.
    assert VALID_DIN in text and "E4578V00" in text and "Concentré de globules rouges (CGR)" in text
    assert "Partiellement" in text
    assert "20/07/2026 16:00" in text and "20/07/2026 16:30" in text
    assert "Réaction fébrile non hémolytique (RFNH)" in text and "2 — sévère" in text
    assert "Fièvre, Frissons" in text and "Féminin" in text
    # What is missing before sending: outcome and investigation status.
    missing = text[text.index("À compléter avant l'envoi") :]
    assert "Évolution" in missing and "État de l'enquête" in missing
    assert "Procédure dégradée" in text


def test_same_case_same_version_changed_case_new_version(client, db, people):
    report = _file(client, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    _save(client, people, "hv", item_id, FEIR_DATA)
    first = _declaration(client, people, "hv", item_id)
    second = _declaration(client, people, "hv", item_id)
    assert first.data == second.data
    db.rollback()
    stored = db.scalars(select(GeneratedDocument).where(GeneratedDocument.queue_item_id == item_id)).all()
    assert [(d.kind, d.version) for d in stored] == [("declaration_pdf", 1)]
    _save(client, people, "hv", item_id, {"outcome": "recovered"})
    third = _declaration(client, people, "hv", item_id)
    assert third.headers["Content-Disposition"].endswith('-declaration-v2.pdf"')
    assert "Guérison" in read_back(third.data, "v2")
    db.rollback()
    versions = db.scalars(select(GeneratedDocument.version).where(GeneratedDocument.queue_item_id == item_id)).all()
    assert sorted(versions) == [1, 2]
    # Audited: each generation once, each download.
    events = db.scalars(select(AuditEvent).where(AuditEvent.report_id == report["id"])).all()
    created = [e for e in events if e.action == "create" and (e.target or "").startswith("document:")]
    reads = [e for e in events if e.action == "read" and (e.target or "").startswith("api:document:")]
    assert len(created) == 2 and len(reads) == 3


def test_a_long_feir_lists_every_unit(client, db, people):
    report = _file(client, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    units = [
        {"donation_number": f"G1234986543{n:02d} 00", "product_code": f"E{4500 + n}V00", "product_type": "CPA"}
        for n in range(12)
    ]
    _save(client, people, "hv", item_id, {**FEIR_DATA, "units": units})
    text = read_back(_declaration(client, people, "hv", item_id).data, "feir-long")
    for unit in units:
        assert unit["product_code"] in text
    assert text.count("Concentré de plaquettes d'aphérèse (CPA)") == 12


CERFA_DATA = {
    "crpv_department": "69",
    "reporter_identification": "Dr P. Vidal, pharmacie, 69003",
    "patient_initials": "DUPM",
    "patient_sex": "M",
    "patient_weight_kg": 72.5,
    "patient_birth_year": 1950,
    "reactions": [
        {"description": "Syndrome de relargage cytokinique", "started_on": "2026-11-03", "duration": "4 jours"},
    ],
    "serious": True,
    "seriousness_criteria": ["hospitalisation", "life_threatening"],
    "circumstances": ["normal_use"],
    "haemovigilance_declared": False,
}


def _medicine(n: int) -> dict:
    return {
        "name": f"Médicament numéro {n}",
        "role": "suspect" if n == 0 else "concomitant",
        "route": "IV",
        "dose": f"{n + 1} mg/kg",
        "started_on": "2026-10-30",
        "ended_on": "2026-11-04",
        "lot_number": f"LOT-{n:03d}",
    }


@pytest.mark.parametrize("medicines", [1, 15])
def test_the_cerfa_10011_prints_medicines_reactions_and_seriousness(client, db, people, medicines):
    report = _file(client, people, product={"name": "Kymriah"}, description="Syndrome de relargage cytokinique.")
    item_id = _item_id(db, report["id"], "pharmacovigilance")
    _save(client, people, "pv", item_id, {**CERFA_DATA, "medicines": [_medicine(n) for n in range(medicines)]})
    answer = _declaration(client, people, "pv", item_id)
    text = read_back(answer.data, f"cerfa-{medicines}")
    assert "cerfa n° 10011" in text and "Cerfa n° 10011*07" in text
    for n in range(medicines):
        assert f"Médicament numéro {n}" in text and f"LOT-{n:03d}" in text
    assert "Suspect" in text and ("Concomitant" in text) == (medicines > 1)
    assert "30/10/2026" in text and "04/11/2026" in text and "03/11/2026" in text
    assert "Syndrome de relargage cytokinique" in text and "4 jours" in text
    assert "Hospitalisation ou prolongation d'hospitalisation, Mise en jeu du pronostic vital" in text
    assert "Oui" in text and "Non" in text  # serious; no haemovigilance declaration
    assert "72,5 kg" in text and "DUPM" in text and "1950" in text
    assert "Conditions normales d'utilisation" in text
    assert "Indication : Préciser si ATU ou RTU le cas échéant" in text  # the form's hint
    missing = text[text.index("À compléter avant l'envoi") :]
    assert "Évolution" in missing
    # Pseudonymous: the report's patient's initials only, no name field at all.
    assert "Nom du patient" not in text


def test_no_form_no_document_and_other_establishments_see_nothing(client, db, make_user, token_for, people):
    qualifier = make_user("correspondent", vigilances=["qualification"])
    report = _file(client, people, product={"name": "amoxicilline"})
    item_id = _item_id(db, report["id"], "qualification")
    answer = client.get(f"/api/v1/queue-items/{item_id}/declaration.pdf", headers=token_for(qualifier))
    assert answer.status_code == 404 and "formulaire" in answer.get_json()["message"]
    report = _file(client, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    for who in ("hv_elsewhere", "pv", "reporter"):
        answer = client.get(f"/api/v1/queue-items/{item_id}/declaration.pdf", headers=people[who][1])
        assert answer.status_code == 404, who
    db.rollback()
    assert db.scalars(select(GeneratedDocument)).all() == []


def test_the_item_page_generates_and_downloads_the_form(client, make_user, db, people):
    from tests.page_session import PASSWORD, csrf_from, sign_in

    report = _file(client, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    sign_in(client, people["hv"][0], PASSWORD)
    page = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    assert 'id="generate-declaration-pdf"' in page and "Générer le formulaire de déclaration (PDF)" in page
    # No CSRF token: refused.
    assert client.post(f"/queue-items/{item_id}/declaration.pdf").status_code == 400
    token = csrf_from(page)
    answer = client.post(f"/queue-items/{item_id}/declaration.pdf", data={"csrf_token": token})
    assert answer.status_code == 303
    db.rollback()
    document = db.scalars(select(GeneratedDocument)).one()
    assert answer.headers["Location"].endswith(f"/documents/{document.id}")
    download = client.get(answer.headers["Location"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == document.content and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="{report["reference"]}-declaration-v1.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    db.rollback()
    assert db.scalars(select(AuditEvent).where(AuditEvent.target == f"document:{document.id}")).one().action == "create"
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.target == f"page:document:{document.id}")).all()) == 1
    # Again: the same version.
    again = client.post(f"/queue-items/{item_id}/declaration.pdf", data={"csrf_token": token})
    assert again.headers["Location"] == answer.headers["Location"]
    page = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    table = page[page.index('id="generated-documents"') :]
    assert "Formulaire de déclaration (PDF)" in table and document.sha256[:12] in table
    # The declaration names it as the document sent.
    declare = page[page.index('id="declare-form"') :]
    assert f'<option value="{document.id}">Formulaire de déclaration (PDF) v1</option>' in declare
    # Another establishment's correspondent: 404.
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, people["hv_elsewhere"][0], PASSWORD)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/queue-items/{item_id}/declaration.pdf", data={"csrf_token": token}).status_code == 404
