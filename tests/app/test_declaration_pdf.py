"""The declaration form of an item as a PDF: ``GET /api/v1/queue-items/<id>/declaration.pdf``, its
stored versions, and the item page's button. Read back with poppler's ``pdftotext``."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.models import AuditEvent, GeneratedDocument, QueueItem

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


def pdf_text(content: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    if OUT:
        Path(OUT).mkdir(parents=True, exist_ok=True)
        (Path(OUT) / f"{name}.pdf").write_bytes(content)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(Path(OUT) / name)], check=True)
    # In reading order (no -layout): a table's cells come one after the other.
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True).stdout.decode()


def flat(text: str) -> str:
    """The text with its layout's spaces and line breaks collapsed."""
    return re.sub(r"\s+", " ", text)


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


def test_the_feir_prints_the_case_file(client, db, people, tmp_path):
    report = _file(client, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    _save(client, people, "hv", item_id, FEIR_DATA)
    answer = _declaration(client, people, "hv", item_id)
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{report["reference"]}-declaration-v1.pdf"'
    text = flat(pdf_text(answer.data, tmp_path, "feir-short"))
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


def test_same_case_same_version_changed_case_new_version(client, db, people, tmp_path):
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
    assert "Guérison" in flat(pdf_text(third.data, tmp_path, "v2"))
    db.rollback()
    versions = db.scalars(select(GeneratedDocument.version).where(GeneratedDocument.queue_item_id == item_id)).all()
    assert sorted(versions) == [1, 2]
    # Audited: each generation once, each download.
    events = db.scalars(select(AuditEvent).where(AuditEvent.report_id == report["id"])).all()
    created = [e for e in events if e.action == "create" and (e.target or "").startswith("document:")]
    reads = [e for e in events if e.action == "read" and (e.target or "").startswith("api:document:")]
    assert len(created) == 2 and len(reads) == 3
