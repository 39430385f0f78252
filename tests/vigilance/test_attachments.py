"""The domain of attachments: safe names, the type read from the content, the folder store
(whole files or none), and the sweep of files no row names."""

import io
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tests.scenarios import file_report, paris
from vigilance import accounts, attachments
from vigilance.errors import InvalidInput
from vigilance.models import Attachment
from vigilance.storage.attachment_store import FolderStore, new_key

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.mark.parametrize(
    ("given", "media_type", "kept"),
    [
        ("bilan.pdf", "application/pdf", "bilan.pdf"),
        ("Photo.JPEG", "image/jpeg", "Photo.jpeg"),
        ("../../etc/passwd.pdf", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\dr\\scan.png", "image/png", "scan.png"),
        # A right-to-left override that would show "photo_gpj.exe" as "photo_exe.jpg".
        ("photo_\u202egpj.exe", "image/jpeg", "photo_gpj.exe.jpg"),
        ("rapport.pdf", "image/png", "rapport.pdf.png"),
        ('a"b;c\r\n.pdf', "application/pdf", "a_b_c.pdf"),
        ("", "application/pdf", "piece-jointe.pdf"),
        (None, "image/heic", "piece-jointe.heic"),
        ("...", "image/webp", "piece-jointe.webp"),
        ("x" * 300 + ".pdf", "application/pdf", "x" * 200 + ".pdf"),
        ("e\u0301chographie.pdf", "application/pdf", "\u00e9chographie.pdf"),
    ],
)
def test_names_are_made_safe_and_end_with_their_type(given, media_type, kept):
    assert attachments.sanitise_name(given, media_type) == kept


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF, "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16, "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16, "image/heic"),
        (b"<html><script>alert(1)</script></html>", None),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"PK\x03\x04\x14\x00\x00\x00", None),
        (b"plain text", None),
    ],
)
def test_the_type_is_read_from_the_first_bytes(head, expected):
    assert attachments.detected_type(head) == expected


def test_the_folder_store_writes_whole_files_under_their_key(tmp_path):
    store = FolderStore(tmp_path / "files")
    key = new_key()
    store.put(key, io.BytesIO(PDF))
    path = tmp_path / "files" / key[:2] / key
    assert path.read_bytes() == PDF
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with store.open(key) as stored:
        assert stored.read() == PDF
    assert [k.key for k in store.stored_keys()] == [key]

    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError("the disk went away")

    other = new_key()
    with pytest.raises(OSError):
        store.put(other, Broken())
    # Nothing half-written, under its key or beside it.
    assert [k.key for k in store.stored_keys()] == [key]
    assert not (tmp_path / "files" / other[:2] / other).exists()
    for bad in ("../escape", "ABC", key + "0"):
        with pytest.raises(ValueError):
            store.open(bad)
    store.delete(key)
    assert list(store.stored_keys()) == []


@pytest.fixture
def reporter_and_report(db: Session):
    place = accounts.create_establishment(db, finess="750000010", name="CHU")
    reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
    db.commit()
    return reporter, file_report(db, reporter, paris(2026, 11, 16, 9, 0)).report


def test_orphans_are_swept_once_old_and_named_files_stay(db, reporter_and_report, tmp_path):
    reporter, report = reporter_and_report
    store = FolderStore(tmp_path / "files")
    now = datetime.now(UTC)
    kept = attachments.attach(
        db,
        store,
        upload=attachments.Upload(io.BytesIO(PDF), "bilan.pdf"),
        actor=reporter,
        now=now,
        max_bytes=attachments.DEFAULT_MAX_BYTES,
        report_id=report.id,
    )
    # What a process killed between the file and its row leaves: a file no row names.
    orphan, young = new_key(), new_key()
    store.put(orphan, io.BytesIO(PDF))
    store.put(young, io.BytesIO(PDF))
    old = (now - timedelta(hours=2)).timestamp()
    os.utime(tmp_path / "files" / orphan[:2] / orphan, (old, old))
    os.utime(tmp_path / "files" / kept.storage_key[:2] / kept.storage_key, (old, old))
    # And a temporary file a write left behind.
    leftover = tmp_path / "files" / orphan[:2] / f".partial-{orphan[:2]}{'0' * 30}"
    leftover.write_bytes(b"%PDF-half")
    os.utime(leftover, (old, old))
    assert attachments.sweep_orphans(db, store, now=now) == 2
    assert {k.key for k in store.stored_keys()} == {kept.storage_key, young}


def test_a_refused_file_stores_nothing(db, reporter_and_report, tmp_path):
    reporter, report = reporter_and_report
    store = FolderStore(tmp_path / "files")
    for content, name in ((b"<svg onload=alert(1)>", "image.png"), (b"", "vide.pdf"), (PDF * 100, "gros.pdf")):
        with pytest.raises(InvalidInput) as refused:
            attachments.attach(
                db,
                store,
                upload=attachments.Upload(io.BytesIO(content), name),
                actor=reporter,
                now=datetime.now(UTC),
                max_bytes=1000,
                report_id=report.id,
            )
        assert list(refused.value.errors) == ["file"]
    db.rollback()
    assert db.exec(select(Attachment)).all() == []
    assert list(store.stored_keys()) == []


@pytest.mark.parametrize(
    ("name", "description", "field"),
    [("bilan 1 84 12 75 123 456 78.pdf", None, "file"), ("bilan.pdf", "Patient 184127512345678", "description")],
)
def test_a_social_security_number_in_the_name_or_description_stores_nothing(
    db, reporter_and_report, tmp_path, name, description, field
):
    reporter, report = reporter_and_report
    store = FolderStore(tmp_path / "files")
    with pytest.raises(InvalidInput) as refused:
        attachments.attach(
            db,
            store,
            upload=attachments.Upload(io.BytesIO(PDF), name, description),
            actor=reporter,
            now=datetime.now(UTC),
            max_bytes=attachments.DEFAULT_MAX_BYTES,
            report_id=report.id,
        )
    assert list(refused.value.errors) == [field]
    db.rollback()
    assert db.exec(select(Attachment)).all() == []
    assert list(store.stored_keys()) == []
