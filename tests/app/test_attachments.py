"""Attachments through both doors: upload, list, download; refusals by content and size with
nothing stored; the download's headers; who may see what; the audit trail."""

import io
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app import create_app
from app.config import ConfigError
from tests.page_session import PASSWORD, csrf_from, sign_in
from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.item_file import item_file
from vigilance.models import Attachment, AuditEvent, QueueItem, User


def a_png() -> bytes:
    """A real 1×1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


A_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
A_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
AN_HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
#: The start of a Windows executable (an "MZ" header and its PE pointer).
AN_EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00"


def upload(client, path, content: bytes, name: str, headers=None, content_type="application/octet-stream", **form):
    data = {"file": (io.BytesIO(content), name, content_type), **form}
    return client.post(path, data=data, headers=headers or {}, content_type="multipart/form-data")


@pytest.fixture
def store_dir(app):
    return Path(app.config["ATTACHMENTS_DIR"])


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def counts(db):
    db.rollback()
    return (
        db.scalar(select(func.count()).select_from(Attachment)),
        db.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.fixture
def case(client, make_user, token_for, db):
    """A haemovigilance report, its reporter, the queue's correspondent, and their item."""
    reporter = make_user("reporter")
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    body = client.post("/api/v1/reports", json=a_report(), headers=token_for(reporter)).get_json()
    item = db.exec(select(QueueItem).where(QueueItem.report_id == body["id"])).scalars().first()
    return {
        "report_id": body["id"],
        "reference": body["reference"],
        "item_id": item.id,
        "reporter": reporter,
        "correspondent": correspondent,
        "as_reporter": token_for(reporter),
        "as_correspondent": token_for(correspondent),
    }


def test_the_reporter_attaches_lists_and_downloads_through_the_api(client, case, db, store_dir):
    path = f"/api/v1/reports/{case['report_id']}/attachments"
    response = upload(client, path, A_PDF, "compte rendu.pdf", case["as_reporter"], description="Bilan")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["media_type"] == "application/pdf"
    assert body["file_name"] == "compte rendu.pdf"
    assert body["size"] == len(A_PDF)
    assert body["description"] == "Bilan"
    assert body["queue_item_id"] is None
    row = db.get(Attachment, body["id"])
    # Stored under its random key, never under the name given, and outside the web root.
    (stored,) = stored_files(store_dir)
    assert stored.name == row.storage_key and re.fullmatch(r"[0-9a-f]{32}", stored.name)
    assert stored.read_bytes() == A_PDF
    assert "static" not in stored.parts
    listed = client.get(path, headers=case["as_reporter"]).get_json()["items"]
    assert [a["id"] for a in listed] == [body["id"]]
    download = client.get(body["download_url"], headers=case["as_reporter"], buffered=True)
    assert download.status_code == 200
    assert download.data == A_PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Length"] == str(len(A_PDF))


def test_the_download_headers_keep_a_browser_from_running_it(client, case):
    name = "résumé <script>.png"
    body = upload(client, f"/api/v1/reports/{case['report_id']}/attachments", a_png(), name, case["as_reporter"])
    attachment = body.get_json()
    assert attachment["file_name"] == "résumé _script_.png"
    response = client.get(attachment["download_url"], headers=case["as_reporter"], buffered=True)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('résumé _script_.png', safe='')}" in disposition
    assert 'filename="resume _script_.png"' in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert any(policy.startswith("sandbox") for policy in response.headers.getlist("Content-Security-Policy")), (
        response.headers
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "image/png"


@pytest.mark.parametrize(
    ("content", "name", "claimed"),
    [
        pytest.param(AN_HTML_PAGE, "photo.jpg", "image/jpeg", id="an HTML page named photo.jpg"),
        pytest.param(AN_EXECUTABLE, "rapport.pdf", "application/pdf", id="an executable renamed .pdf"),
        pytest.param(b"Notes de la poche n\xc2\xb0 3\n", "notes.png", "image/png", id="plain text named .png"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "scan.jpeg", "image/jpeg", id="an ELF binary"),
    ],
)
def test_a_file_is_judged_by_its_content_and_a_refused_one_leaves_nothing(
    client, case, db, store_dir, content, name, claimed
):
    before = counts(db)
    response = upload(
        client, f"/api/v1/reports/{case['report_id']}/attachments", content, name, case["as_reporter"], claimed
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["file"]
    assert "PDF, JPEG, PNG" in errors["file"][0]
    assert counts(db) == before
    assert stored_files(store_dir) == []


def test_a_file_that_claims_another_type_is_stored_as_what_it_is(client, case, db):
    """A JPEG sent as ``scan.pdf`` with Content-Type application/pdf is a JPEG: so it is served."""
    body = upload(
        client,
        f"/api/v1/reports/{case['report_id']}/attachments",
        A_JPEG,
        "scan.pdf",
        case["as_reporter"],
        "application/pdf",
    ).get_json()
    assert body["media_type"] == "image/jpeg"
    assert body["file_name"] == "scan.pdf.jpg"


def test_missing_and_empty_files_are_refused_on_file(client, case, db, store_dir):
    path = f"/api/v1/reports/{case['report_id']}/attachments"
    before = counts(db)
    empty = upload(client, path, b"", "vide.pdf", case["as_reporter"])
    assert empty.status_code == 422 and list(empty.get_json()["errors"]) == ["file"]
    missing = client.post(
        path, data={"description": "rien"}, headers=case["as_reporter"], content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and list(missing.get_json()["errors"]) == ["file"]
    too_long = upload(client, path, A_PDF, "a.pdf", case["as_reporter"], description="x" * 501)
    assert too_long.status_code == 422 and list(too_long.get_json()["errors"]) == ["description"]
    assert counts(db) == before
    assert stored_files(store_dir) == []


@pytest.fixture
def small_app(database_url, tmp_path):
    """An app whose files may be 2,000 bytes at most, with its store in a folder of its own."""
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SCHEDULER": "off",
            "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
            "ATTACHMENTS_MAX_BYTES": 2000,
            "ATTACHMENTS_DIR": str(tmp_path / "files"),
        }
    )
    yield app
    app.extensions["vigilance.db"].dispose()


def test_a_file_too_large_is_refused_with_413_on_file_and_nothing_stored(client, case, db, small_app, tmp_path):
    small = small_app.test_client()
    path = f"/api/v1/reports/{case['report_id']}/attachments"
    before = counts(db)
    # Just over the limit: read and refused as it is counted.
    just_over = upload(small, path, A_PDF + b"%" * (2001 - len(A_PDF)), "grand.pdf", case["as_reporter"])
    # Far over: refused from its Content-Length, before anything reads it.
    far_over = upload(small, path, A_PDF + b"%" * 500_000, "enorme.pdf", case["as_reporter"])
    for response in (just_over, far_over):
        assert response.status_code == 413
        body = response.get_json()
        assert list(body["errors"]) == ["file"], body
        assert "Fichier trop volumineux" in body["errors"]["file"][0]
    english = upload(small, path, A_PDF + b"%" * 3000, "big.pdf", {**case["as_reporter"], "Accept-Language": "en"})
    assert english.get_json()["errors"]["file"] == ["File too large: 2000 bytes at most."]
    assert counts(db) == before
    assert stored_files(tmp_path / "files") == []
    # At the limit exactly: taken, into the folder the setting names.
    exact = upload(small, path, A_PDF + b"%" * (2000 - len(A_PDF)), "juste.pdf", case["as_reporter"])
    assert exact.status_code == 201
    assert len(stored_files(tmp_path / "files")) == 1


def test_who_may_attach_and_read(client, case, make_user, token_for, db):
    report_path = f"/api/v1/reports/{case['report_id']}/attachments"
    item_path = f"/api/v1/queue-items/{case['item_id']}/attachments"
    other_place = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    elsewhere = token_for(make_user("correspondent", vigilances=["haemovigilance"], place=other_place))
    other_reporter = token_for(make_user("reporter"))
    coordinator = token_for(make_user("coordinator"))
    before = counts(db)
    # Who may not read the report: 404, as for a report that does not exist; nothing stored.
    for outsider in (elsewhere, other_reporter):
        assert upload(client, report_path, A_PDF, "a.pdf", outsider).status_code == 404
        assert upload(client, item_path, A_PDF, "a.pdf", outsider).status_code == 404
        assert client.get(report_path, headers=outsider).status_code == 404
    # The correspondent reads the report but attaches to their item, not to the reporter's report.
    refused = upload(client, report_path, A_PDF, "a.pdf", case["as_correspondent"])
    assert refused.status_code == 403
    # And the reporter does not work the queue.
    assert upload(client, item_path, A_PDF, "a.pdf", case["as_reporter"]).status_code == 404
    assert counts(db) == before
    by_reporter = upload(client, report_path, a_png(), "photo.png", case["as_reporter"]).get_json()
    by_correspondent = upload(client, item_path, A_PDF, "enquête.pdf", case["as_correspondent"]).get_json()
    assert by_correspondent["queue_item_id"] == case["item_id"]
    assert by_correspondent["report_id"] == case["report_id"]

    def listed(headers):
        return [a["id"] for a in client.get(report_path, headers=headers).get_json()["items"]]

    # The reporter sees their own file, not the investigation's; the queue's people see both.
    assert listed(case["as_reporter"]) == [by_reporter["id"]]
    assert listed(case["as_correspondent"]) == [by_reporter["id"], by_correspondent["id"]]
    assert listed(coordinator) == [by_reporter["id"], by_correspondent["id"]]
    assert client.get(by_correspondent["download_url"], headers=case["as_reporter"]).status_code == 404
    assert client.get(by_reporter["download_url"], headers=case["as_correspondent"], buffered=True).status_code == 200
    assert client.get(by_correspondent["download_url"], headers=coordinator, buffered=True).status_code == 200
    # Another reporter, another establishment: 404 on each download, as for none at all.
    for outsider in (elsewhere, other_reporter):
        for attachment in (by_reporter, by_correspondent):
            response = client.get(attachment["download_url"], headers=outsider)
            assert response.status_code == 404
            assert b"%PDF" not in response.data and b"PNG" not in response.data
    assert client.get("/api/v1/attachments/999999", headers=case["as_reporter"]).status_code == 404
    assert client.get(by_reporter["download_url"]).status_code == 401


def test_uploads_and_each_download_are_audited(client, case, db):
    path = f"/api/v1/reports/{case['report_id']}/attachments"
    attachment = upload(client, path, A_PDF, "bilan.pdf", case["as_reporter"]).get_json()
    client.get(attachment["download_url"], headers=case["as_correspondent"], buffered=True)
    client.get(attachment["download_url"], headers=case["as_correspondent"], buffered=True)
    db.rollback()
    events = (
        db.exec(select(AuditEvent).where(AuditEvent.report_id == case["report_id"]).order_by(AuditEvent.id))
        .scalars()
        .all()
    )
    added = [e for e in events if e.action == "attachment"]
    assert len(added) == 1
    assert added[0].target == f"attachment:{attachment['id']}"
    assert added[0].actor_id == case["reporter"].id
    assert added[0].after["sha256"] == attachment["sha256"] == __import__("hashlib").sha256(A_PDF).hexdigest()
    reads = [e for e in events if e.action == "read" and e.target == f"api:attachment:{attachment['id']}"]
    assert [e.actor_id for e in reads] == [case["correspondent"].id] * 2


def test_the_item_file_lists_the_attachments_for_both_doors(client, case, db):
    upload(client, f"/api/v1/reports/{case['report_id']}/attachments", A_PDF, "a.pdf", case["as_reporter"])
    upload(client, f"/api/v1/queue-items/{case['item_id']}/attachments", a_png(), "b.png", case["as_correspondent"])
    db.rollback()
    item = db.get(QueueItem, case["item_id"])
    reader = db.get(User, case["correspondent"].id)
    file = item_file(db, item, reader)
    assert [(a.file_name, a.queue_item_id) for a in file.attachments] == [("a.pdf", None), ("b.png", item.id)]
    assert case["reporter"].id in file.people and case["correspondent"].id in file.people
    detail = client.get(f"/api/v1/queue-items/{case['item_id']}", headers=case["as_correspondent"]).get_json()
    assert [a["file_name"] for a in detail["attachments"]] == ["a.pdf", "b.png"]
    # Its history says a file was added (downloads are reads, left out of the history).
    assert any(h["action"] == "attachment" for h in detail["history"])


# Pages -------------------------------------------------------------------------------------------


def switch(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user, PASSWORD)


def test_the_reporter_attaches_on_the_report_page_and_downloads_it(client, case, db, store_dir):
    switch(client, case["reporter"])
    page = client.get(f"/reports/{case['report_id']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "Pièces jointes" in page
    data = {
        "csrf_token": csrf_from(page),
        "file": (io.BytesIO(A_PDF), "bilan sanguin.pdf"),
        "description": "Bilan post-transfusionnel",
    }
    response = client.post(f"/reports/{case['report_id']}/attachments", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "bilan sanguin.pdf" in page and "Bilan post-transfusionnel" in page
    link = re.search(r'href="(/attachments/\d+)"', page).group(1)
    download = client.get(link, buffered=True)
    assert download.data == A_PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert any(p.startswith("sandbox") for p in download.headers.getlist("Content-Security-Policy"))
    db.rollback()
    attachment_id = int(link.rsplit("/", 1)[1])
    assert db.exec(select(AuditEvent).where(AuditEvent.target == f"page:attachment:{attachment_id}")).scalars().all()


def test_the_page_refuses_by_content_beside_the_field_in_french_and_english(client, case, db, store_dir):
    switch(client, case["reporter"])
    before = counts(db)
    for language, expected in (("fr", "n'est pas d'un type accepté"), ("en", "is not of an accepted type")):
        client.get(f"/language/{language}")
        page = client.get(f"/reports/{case['report_id']}").get_data(as_text=True)
        data = {"csrf_token": csrf_from(page), "file": (io.BytesIO(AN_HTML_PAGE), "photo.jpg", "image/jpeg")}
        response = client.post(
            f"/reports/{case['report_id']}/attachments", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert 'id="file-error"' in text and expected in text.replace("&#39;", "'")
    db.rollback()
    # The refused posts wrote nothing but the reads of the page shown again.
    assert db.scalar(select(func.count()).select_from(Attachment)) == before[0]
    assert stored_files(store_dir) == []


def test_a_page_upload_without_its_csrf_token_is_refused(client, case, db, store_dir):
    switch(client, case["reporter"])
    before = counts(db)
    response = client.post(
        f"/reports/{case['report_id']}/attachments",
        data={"file": (io.BytesIO(A_PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert counts(db) == before and stored_files(store_dir) == []


def test_the_correspondent_attaches_on_the_item_page(client, case, db):
    switch(client, case["correspondent"])
    page = client.get(f"/queue-items/{case['item_id']}").get_data(as_text=True)
    assert "Pièces jointes" in page
    data = {"csrf_token": csrf_from(page), "file": (io.BytesIO(a_png()), "poche.png")}
    response = client.post(f"/queue-items/{case['item_id']}/attachments", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/queue-items/{case['item_id']}").get_data(as_text=True)
    assert "poche.png" in page and "pièce jointe ajoutée" in page
    # The reporter's page does not show the investigation's file, nor offers it.
    switch(client, case["reporter"])
    assert "poche.png" not in client.get(f"/reports/{case['report_id']}").get_data(as_text=True)
    db.rollback()
    (attachment,) = db.exec(select(Attachment)).scalars().all()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404


def test_the_report_page_offers_the_upload_to_its_reporter_only(client, case):
    switch(client, case["correspondent"])
    page = client.get(f"/reports/{case['report_id']}").get_data(as_text=True)
    assert "Pièces jointes" in page and 'enctype="multipart/form-data"' not in page
    data = {"csrf_token": csrf_from(page), "file": (io.BytesIO(A_PDF), "a.pdf")}
    response = client.post(f"/reports/{case['report_id']}/attachments", data=data, content_type="multipart/form-data")
    assert response.status_code == 403


# Settings ----------------------------------------------------------------------------------------


def test_the_files_may_not_be_kept_under_the_web_root(database_url):
    from app import PROJECT_ROOT

    with pytest.raises(ConfigError, match="ATTACHMENTS_DIR"):
        create_app(
            {
                "ENV": "testing",
                "DATABASE_URL": database_url,
                "SECRET_KEY": "k",
                "ATTACHMENTS_DIR": str(PROJECT_ROOT / "static" / "files"),
            }
        )
    with pytest.raises(ConfigError, match="ATTACHMENTS_MAX_BYTES"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "k", "ATTACHMENTS_MAX_BYTES": "ten"})


def test_a_type_no_longer_accepted_is_downloaded_as_bytes(client, case, db):
    body = upload(client, f"/api/v1/reports/{case['report_id']}/attachments", A_PDF, "a.pdf", case["as_reporter"])
    attachment = db.get(Attachment, body.get_json()["id"])
    attachment.media_type = "image/gif"
    db.commit()
    response = client.get(body.get_json()["download_url"], headers=case["as_reporter"], buffered=True)
    assert response.mimetype == "application/octet-stream"


def test_the_sweep_command_removes_files_no_row_names(app, runner, case, client, store_dir):
    import os
    import time

    from app.cli import cli
    from vigilance.storage.attachment_store import new_key

    upload(client, f"/api/v1/reports/{case['report_id']}/attachments", A_PDF, "a.pdf", case["as_reporter"])
    orphan = new_key()
    (store_dir / orphan[:2]).mkdir(parents=True, exist_ok=True)
    (store_dir / orphan[:2] / orphan).write_bytes(A_PDF)
    two_hours_ago = time.time() - 7200
    for path in stored_files(store_dir):
        os.utime(path, (two_hours_ago, two_hours_ago))
    result = runner.invoke(cli, ["attachments", "sweep"])
    assert result.exit_code == 0, result.output
    assert "removed 1 orphan files" in result.output
    assert len(stored_files(store_dir)) == 1


def test_the_pages_refuse_a_file_too_large_in_the_readers_language(case, db, small_app, tmp_path):
    small = small_app.test_client()
    before = counts(db)
    sign_in(small, case["correspondent"])
    page = small.get(f"/queue-items/{case['item_id']}").get_data(as_text=True)
    assert "2000 octets au plus" in page
    for size in (2500, 300_000):  # read and counted; refused from its Content-Length
        data = {"csrf_token": csrf_from(page), "file": (io.BytesIO(A_PDF + b"%" * size), "scan.pdf")}
        response = small.post(
            f"/queue-items/{case['item_id']}/attachments", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 413
        assert "Fichier trop volumineux" in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Attachment)) == before[0]
    assert stored_files(tmp_path / "files") == []
