"""How long printing a document takes: the case sheet of a short case, of a case with 20
attachments (target: under 2 s), and the authorities' declaration forms (FEIR, cerfa 10011 with 15
medicines; target: under 1 s).

    python -m bench.documents [--rounds 15] [--out FOLDER]

Two parts. ``documents``: each document laid out from its plain data object
(``vigilance.case_sheet.CaseSheet``, ``vigilance.declaration_form.Declaration``), the renderer alone. ``route``: ``GET
/api/v1/queue-items/<id>/case-sheet.pdf`` called in process (Flask's test client, a SQLite
database in a temporary folder) for a case just filed and for one with 20 attachments and
twelve questions: the token check, the item's file read, the audited read and the rendering,
as a client waits for them; and ``GET .../declaration.pdf`` of the short case once its version is
stored (its case file read, the form rebuilt with the stored version's stamp and compared, the
audited download). The first round of each process is reported apart: it imports
WeasyPrint, parses the stylesheet and loads the fonts once (about 0.7 s here); every later
document reuses them. ``--out`` keeps one PDF of each, to look at. Figures: bench/README.md.
"""

import argparse
import io
import re
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import harness
from vigilance import case_sheet
from vigilance.case_file import CERFA_10011, FEIR
from vigilance.case_sheet import (
    AssessmentVersion,
    AttachmentLine,
    CaseSheet,
    DeadlineLine,
    DeclarationLine,
    FollowupLine,
    HistoryLine,
    Product,
    Question,
    Relation,
    Reporter,
)

RECEIVED = datetime(2026, 11, 3, 13, 5, tzinfo=UTC)


def short_case(now: datetime = RECEIVED) -> CaseSheet:
    """A case as it stands the day it arrives: one product, one deadline, its first history."""
    return CaseSheet(
        establishment="CHU de Démonstration",
        finess="750000010",
        generated_at=now + timedelta(days=1),
        reference="2026-000123",
        item_id=123,
        queue="haemovigilance",
        status="in_progress",
        outcome=None,
        closing_note=None,
        closed_at=None,
        holder="Hélène Vasseur",
        serious=True,
        event_kind="recipient_adverse_reaction",
        occurred_at=RECEIVED - timedelta(hours=2),
        detected_at=None,
        received_at=RECEIVED,
        category="labile_blood_product",
        products=(Product("CGR phénotypé", "labile_blood_product", True),),
        lot_number="LOT-2026-A17",
        donation_number="G123498654321H",
        patient_sex="F",
        patient_birth_year=1948,
        patient_initials="MD",
        severity_grade=2,
        description="Frissons et hyperthermie à 39,2 °C trente minutes après le début de la transfusion.",
        reporter=Reporter("Dr Martin", "martin@example.org", "Hématologie", "01 23 45 67 89"),
        recipient={"fr": "ANSM (e-FIT)", "en": "ANSM (e-FIT)"},
        assessments=(),
        deadlines=(
            DeadlineLine(
                {"fr": "Déclaration sous 48 heures ouvrables", "en": "Declaration within 48 working hours"},
                RECEIVED + timedelta(days=2),
                "open",
                None,
                None,
                ("Code de la santé publique, art. R1221-49",),
            ),
        ),
        questions=(),
        declarations=(),
        copy_of=None,
        copies_sent=(),
        links=(),
        followup=(),
        attachments=(),
        history=(HistoryLine(RECEIVED, "create", "report", "Dr Martin"),),
    )


def long_case(attachments: int = 20, questions: int = 12) -> CaseSheet:
    """A case worked for weeks: several products, assessments, many questions and attachments,
    a description of several paragraphs and a long history."""
    base = short_case()
    words = "Transfusion d'un concentré de globules rouges au décours d'une chirurgie programmée ; "
    return replace(
        base,
        status="declared",
        products=(
            Product("CGR phénotypé compatibilisé", "labile_blood_product", True),
            Product("Albumine humaine 20 %", "blood_derived_medicine"),
            Product("Réchauffeur de sang Ranger", "medical_device"),
        ),
        description="\n\n".join(words * 8 for _ in range(5)),
        assessments=tuple(
            AssessmentVersion(
                version=v,
                assessed_at=RECEIVED + timedelta(days=v),
                assessed_by="Hélène Vasseur",
                severity_grade=2,
                imputability="probable",
                reaction_type=None,
                investigation_status="in_progress",
                seriousness_criteria=("hospitalisation",),
                comment="Bilan immuno-hématologique demandé ; " * 6,
            )
            for v in (3, 2, 1)
        ),
        questions=tuple(
            Question(
                f"Question {n} : pouvez-vous préciser l'heure exacte de la pose et le débit ? " * 2,
                RECEIVED + timedelta(hours=n),
                "Pose à 14 h 10, débit 2 ml/min pendant 15 min puis 4 ml/min. " * 2 if n % 3 else None,
                RECEIVED + timedelta(hours=n + 3) if n % 3 else None,
                None,
            )
            for n in range(1, questions + 1)
        ),
        declarations=(DeclarationLine("ANSM", "EFIT-2026-004512", RECEIVED + timedelta(days=1), "initial"),),
        links=(Relation(None, "2026-000098", "Même lot de CGR, autre receveur."),),
        followup=(
            FollowupLine(
                {"fr": "Suivi post-transfusionnel", "en": "Post-transfusion follow-up"},
                {"fr": "J+7", "en": "D+7"},
                {"fr": "Recherche d'agglutinines irrégulières", "en": "Irregular antibody screen"},
                RECEIVED + timedelta(days=7),
                None,
                None,
                None,
            ),
        ),
        attachments=tuple(
            AttachmentLine(
                file_name=f"bilan-immuno-hematologique-{n:02d}-prelevement-du-{3 + n % 20:02d}-11-2026.pdf",
                media_type="application/pdf" if n % 2 else "image/jpeg",
                size=180_000 + n * 37_123,
                sha256=f"{n:02d}" + "ab3f9c27e1d04b5a8e6f" * 3,
                uploaded_by="Hélène Vasseur",
                uploaded_at=RECEIVED + timedelta(hours=n),
                description="Compte rendu du laboratoire" if n % 4 == 0 else None,
                to_report=n % 5 == 0,
            )
            for n in range(1, attachments + 1)
        ),
        history=tuple(
            HistoryLine(RECEIVED + timedelta(hours=n), "update", f"item:123:{step}", "Hélène Vasseur")
            for n, step in enumerate(["claim", "assess", "request_information", "declare"] * 6)
        ),
    )


#: A FEIR as a correspondent completes it: every section filled but the outcome and the investigation.
FEIR_DATA = {
    "declaration_kind": "initial",
    "flagged_urgent": False,
    "care_unit": "Hématologie clinique",
    "ets_site": "EFS Île-de-France, site Saint-Louis",
    "recipient_sex": "F",
    "recipient_birth_year": 1948,
    "recipient_transfusion_history": "Transfusée en 2019 (CGR) sans incident.",
    "transfusion_started_at": "2026-11-03T11:20:00+01:00",
    "reaction_onset_at": "2026-11-03T11:50:00+01:00",
    "reaction_timing": "immediate",
    "units": [
        {
            "donation_number": "G123498654321 00 H",
            "product_code": "E4578V00",
            "product_type": "CGR",
            "transfused": "partly",
        },
        {
            "donation_number": "G123498654322 00",
            "product_code": "E4578V00",
            "product_type": "CGR",
            "transfused": "fully",
        },
    ],
    "signs": ["fever", "chills"],
    "description": "Frissons et hyperthermie à 39,5 °C trente minutes après le début de la transfusion.",
    "diagnosis": "fnhtr",
    "severity_grade": "1",
    "imputability": "2",
}

#: A cerfa 10011 with 15 medicines (one suspected), two reactions, the seriousness criteria.
CERFA_DATA = {
    "crpv_department": "69",
    "reporter_identification": "Dr P. Vidal, pharmacie à usage intérieur, 69003",
    "patient_initials": "DUPM",
    "patient_sex": "M",
    "patient_weight_kg": 72.5,
    "patient_birth_year": 1950,
    "medical_history": "Lymphome B diffus à grandes cellules en rechute.",
    "medicines": [
        {
            "name": "Kymriah" if n == 0 else f"Traitement associé n° {n}",
            "role": "suspect" if n == 0 else "concomitant",
            "route": "IV",
            "dose": f"{n + 1} mg/kg/j",
            "started_on": "2026-10-30",
            "ended_on": "2026-11-04",
            "lot_number": f"LOT-{n:03d}",
        }
        for n in range(15)
    ],
    "reactions": [
        {
            "description": "Syndrome de relargage cytokinique de grade 2",
            "started_on": "2026-11-03",
            "duration": "4 jours",
        },
        {"description": "Hypotension", "started_on": "2026-11-03"},
    ],
    "serious": True,
    "seriousness_criteria": ["hospitalisation", "life_threatening"],
    "outcome": "recovered",
}


def declaration(form, data: dict) -> bytes:
    """The declaration form of a case file holding *data*, laid out as the route lays it out."""
    from vigilance import declaration_form
    from vigilance.case_file import CaseFile
    from vigilance.models import Establishment

    case = CaseFile(123, form, data, 3)
    printed = declaration_form.declaration_of(
        case, establishment=Establishment(name="CHU de Démonstration", finess="750000010"), reference="2026-000123"
    )
    return declaration_form.render(printed, declaration_form.Stamp(RECEIVED + timedelta(days=1), 1))


def measure(name: str, make, rounds: int) -> tuple[float, list[float], bytes]:
    start = time.perf_counter()
    pdf = make()
    first = time.perf_counter() - start
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        make()
        times.append(time.perf_counter() - start)
    return first, times, pdf


@contextmanager
def served_cases():
    """An app on a fresh SQLite database with a short case and a long one (20 attachments, 12
    questions), filed and worked through the API; yields the test client, the correspondent's
    headers and the two items' ids."""
    from app import create_app
    from app.migrate import upgrade
    from vigilance import accounts

    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        app = create_app(
            {
                "ENV": "testing",
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SECRET_KEY": "bench-documents",
                "SCHEDULER": "off",
                "AUDIT_CHECKPOINT_DIR": f"{folder}/checkpoints",
                "ATTACHMENTS_DIR": f"{folder}/attachments",
            }
        )
        upgrade(app)
        client = app.test_client()
        with app.app_context():
            from app.db import get_session

            db = get_session()
            place = accounts.create_establishment(db, finess="750000010", name="CHU de Démonstration")
            reporter = accounts.create_user(db, email="dr@example.org", role="reporter", establishment=place)
            worker = accounts.create_user(
                db, email="hv@example.org", role="correspondent", establishment=place, vigilances=["haemovigilance"]
            )
            db.commit()
            as_reporter = {"Authorization": f"Bearer {accounts.issue_token(db, user=reporter)[1]}"}
            as_worker = {"Authorization": f"Bearer {accounts.issue_token(db, user=worker)[1]}"}
            db.commit()

        def file(description: str) -> int:
            body = {
                "event_kind": "recipient_adverse_reaction",
                "occurred_at": "2026-11-20T14:30:00+01:00",
                "product": {"name": "CGR phénotypé"},
                "description": description,
                "serious": True,
                "severity_grade": 2,
                "lot_number": "LOT-A17",
                "patient": {"sex": "F", "birth_year": 1956, "initials": "MD"},
            }
            report = client.post("/api/v1/reports", json=body, headers=as_reporter).get_json()
            listed = client.get("/api/v1/queues/haemovigilance/items", headers=as_worker).get_json()["items"]
            return next(i["id"] for i in listed if i["report_id"] == report["id"])

        short = file("Frissons et hyperthermie à 39,5 °C trente minutes après le début de la transfusion.")
        long = file(short_case().description * 20)
        client.post(f"/api/v1/queue-items/{long}/claim", headers=as_worker)
        for n in range(12):
            client.post(
                f"/api/v1/queue-items/{long}/information-requests",
                json={"question": f"Question {n + 1} : heure de pose et débit de la transfusion ?"},
                headers=as_worker,
            )
        pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
        for n in range(20):
            answer = client.post(
                f"/api/v1/queue-items/{long}/attachments",
                data={"file": (io.BytesIO(pdf), f"bilan-immuno-hematologique-{n + 1:02d}.pdf")},
                headers=as_worker,
                content_type="multipart/form-data",
            )
            assert answer.status_code == 201, answer.get_json()
        yield client, as_worker, short, long
        app.extensions["vigilance.db"].dispose()


def _through(client, headers, item_id: int, document: str = "case-sheet.pdf"):
    def get() -> bytes:
        answer = client.get(f"/api/v1/queue-items/{item_id}/{document}", headers=headers)
        assert answer.status_code == 200, answer.status_code
        return answer.data

    return get


def _report(documents, rounds: int, out: Path | None) -> None:
    harness.say(f"{'document':44} {'first':>8} {'median':>8} {'p90':>8} {'max':>8}  target")
    for name, make, target in documents:
        first, times, pdf = measure(name, make, rounds)
        median = statistics.median(times)
        harness.say(
            f"{name:44} {first:8.3f} {median:8.3f} {harness.percentile(times, 0.9):8.3f} {max(times):8.3f}"
            f"  < {target:.0f} s {'ok' if max(times) < target else 'MISSED'}"
        )
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".pdf")).write_bytes(pdf)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--part", choices=("all", "documents", "route"), default="all")
    parser.add_argument("--out", type=Path, help="a folder to keep one PDF of each document in")
    args = parser.parse_args(argv)
    harness.say(harness.machine_load())
    if args.part in ("all", "documents"):
        documents = [
            ("case sheet, short case", lambda: case_sheet.render(short_case()), 2.0),
            ("case sheet, 20 attachments", lambda: case_sheet.render(long_case(20)), 2.0),
            ("declaration form, FEIR (3 pages)", lambda: declaration(FEIR, FEIR_DATA), 1.0),
            ("declaration form, cerfa 10011, 15 medicines", lambda: declaration(CERFA_10011, CERFA_DATA), 1.0),
        ]
        _report(documents, args.rounds, args.out)
    if args.part in ("all", "route"):
        with served_cases() as (client, headers, short, long):
            documents = [
                ("GET case-sheet.pdf, short case", _through(client, headers, short), 2.0),
                ("GET case-sheet.pdf, 20 attachments", _through(client, headers, long), 2.0),
                ("GET declaration.pdf, same version", _through(client, headers, short, "declaration.pdf"), 1.0),
            ]
            _report(documents, args.rounds, args.out)
    harness.say(harness.machine_load())


if __name__ == "__main__":
    main()
