"""Stored documents are versioned only when their content changes; the E2B builder is a pure function."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from tests.scenarios import file_report, paris
from vigilance import documents
from vigilance.exports.e2b import Case, Causality, Drug, Patient, Reaction, Stamp, build

NS = {"h": "urn:hl7-org:v3"}


def test_a_new_version_only_when_the_content_changes(db, make_user):
    reporter = make_user("reporter")
    correspondent = make_user("correspondent", vigilances=["pharmacovigilance"])
    item = file_report(db, reporter, paris(2026, 11, 16, 9, 0), product="Kymriah").items[0]

    def store(content, kind=documents.CASE_SHEET_PDF):
        return documents.store(
            db,
            report_id=item.report_id,
            queue_item_id=item.id,
            kind=kind,
            media_type="application/pdf",
            content=content,
            actor=correspondent,
            now=datetime(2026, 11, 18, 8, tzinfo=UTC),
        )

    first, new = store(b"%PDF-1 one")
    assert new and first.version == 1 and first.size == 10 and len(first.sha256) == 64
    again, new = store(b"%PDF-1 one")
    assert not new and again.id == first.id
    second, new = store(b"%PDF-1 two")
    assert new and second.version == 2
    back, new = store(b"%PDF-1 one")  # the same as an older version, not as the latest: a new version
    assert new and back.version == 3
    other_kind, new = store(b"%PDF-1 one", kind=documents.DECLARATION_PDF)
    assert new and other_kind.version == 1
    db.commit()
    assert [(d.kind, d.version) for d in documents.list_for_item(db, item.id)] == [
        ("case_sheet_pdf", 3),
        ("case_sheet_pdf", 2),
        ("case_sheet_pdf", 1),
        ("declaration_pdf", 1),
    ]
    assert documents.file_name(second, "VIG-2026-000001") == "VIG-2026-000001-fiche-v2.pdf"


CASE = Case(
    sender_id="750000001",
    sender_name="CHU de Test",
    report_reference="VIG-2026-000007",
    received_at=datetime(2026, 11, 16, 8, tzinfo=UTC),
    latest_information_at=datetime(2026, 11, 17, 8, tzinfo=UTC),
    serious=False,
    narrative="Éruption cutanée après la deuxième dose.",
    patient=Patient(sex="U"),
    reactions=(Reaction(reported="Éruption cutanée"),),
    drugs=(
        Drug(name="Vaccin A", lot_number="A1", causality=(Causality("CRPV", "who-umc", "possible"),)),
        Drug(name="Paracétamol", role=2),
    ),
)


def test_the_builder_is_pure_and_says_what_it_does_not_know_with_null_flavors():
    stamp = Stamp(datetime(2026, 11, 18, 7, 30, 15, tzinfo=UTC), 1)
    content = build(CASE, stamp)
    assert content == build(CASE, stamp)
    assert content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(content)
    assert root.find("h:creationTime", NS).get("value") == "20261118083015+0100"  # N.1.5, in France
    player = root.find(".//h:primaryRole/h:player1", NS)
    assert player.find("h:name", NS).get("nullFlavor") == "UNK"  # D.1 not known
    assert player.find("h:administrativeGenderCode", NS).get("nullFlavor") == "UNK"  # D.5 "U"
    assert player.find("h:birthTime", NS) is None
    names = [n.text for n in root.iterfind(".//h:kindOfProduct/h:name", NS)]
    assert names == ["Vaccin A", "Paracétamol"]
    roles = [
        c.find("h:value", NS).get("code")
        for c in root.iterfind(".//h:adverseEventAssessment/h:component/h:causalityAssessment", NS)
        if c.find("h:code", NS).get("code") == "20"
    ]
    assert roles == ["1", "2"]  # G.k.1: suspect, concomitant
    assert [lot.text for lot in root.iterfind(".//h:lotNumberText", NS)] == ["A1"]
    expedited = root.find(".//h:investigationEvent/h:component/h:observationEvent/h:value", NS)
    assert expedited.get("value") == "false"  # C.1.7, not serious
    assert root.find(".//h:investigationEvent/h:subjectOf2/h:investigationCharacteristic/h:value", NS) is not None

    nullified = ET.fromstring(build(CASE, Stamp(stamp.created_at, 2, nullification_reason="Erreur de saisie.")))
    values = {
        c.find("h:code", NS).get("code"): c.find("h:value", NS)
        for c in nullified.iterfind(".//h:investigationCharacteristic", NS)
    }
    assert values["3"].get("code") == "1"
    assert values["4"].find("h:originalText", NS).text == "Erreur de saisie."
    assert nullified.find("h:id", NS).get("extension") == "FR-750000001-VIG-2026-000007-2"  # N.1.2, per message


def test_a_reports_own_documents_are_versioned_under_the_reports_lock(db, make_user):
    reporter = make_user("reporter")
    coordinator = make_user("coordinator")
    item = file_report(db, reporter, paris(2026, 11, 16, 9, 0), product="Kymriah").items[0]

    def store(content):
        return documents.store(
            db,
            report_id=item.report_id,
            queue_item_id=None,
            kind=documents.FHIR_BUNDLE,
            media_type="application/fhir+json",
            content=content,
            actor=coordinator,
            now=datetime(2026, 11, 18, 8, tzinfo=UTC),
        )

    assert [store(b"{}")[0].version, store(b"{}")[0].version, store(b'{"a": 1}')[0].version] == [1, 1, 2]
    db.commit()


def test_simultaneous_report_level_generations_store_distinct_versions(engine, db, make_user):
    """Two generations of a report's own document at once: one waits for the other's commit.

    On SQLite the app's engine takes the write lock at BEGIN anyway; on PostgreSQL
    (``VIGILANCE_TEST_DATABASE_URL``) it is the report's row lock that keeps the versions apart.
    """
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session, select

    from vigilance.models import GeneratedDocument

    reporter = make_user("reporter")
    coordinator = make_user("coordinator")
    report_id = file_report(db, reporter, paris(2026, 11, 16, 9, 0), product="Kymriah").items[0].report_id
    db.commit()
    barrier = threading.Barrier(4, timeout=30)

    def generate(n):
        # Met before any transaction begins: on SQLite the first BEGIN takes the write lock.
        barrier.wait()
        with Session(engine, expire_on_commit=False) as session:
            actor = session.get(type(coordinator), coordinator.id)
            document, _new = documents.store(
                session,
                report_id=report_id,
                queue_item_id=None,
                kind=documents.FHIR_BUNDLE,
                media_type="application/fhir+json",
                content=f'{{"n": {n}}}'.encode(),
                actor=actor,
                now=datetime(2026, 11, 18, 8, tzinfo=UTC),
            )
            time.sleep(0.2)  # the others read the latest version meanwhile, unless they wait
            session.commit()
            return document.version

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(generate, range(4)))
    db.expire_all()
    versions = db.exec(select(GeneratedDocument.version).where(GeneratedDocument.report_id == report_id)).all()
    assert sorted(versions) == [1, 2, 3, 4]
