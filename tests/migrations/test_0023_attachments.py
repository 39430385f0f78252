"""0023: the attachments table, down and up again; a file attached once migrated."""

import io

from sqlalchemy import inspect
from sqlmodel import Session, select

from app.attachment_doors import store_of
from app.cli import cli


def test_the_table_goes_and_comes_back_and_takes_a_file(app, runner):
    from tests.scenarios import file_report, paris
    from vigilance import accounts, attachments
    from vigilance.models import Attachment, AuditEvent

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    assert "attachments" in inspect(engine).get_table_names()
    result = runner.invoke(cli, ["db", "downgrade", "0022_identifiers"])
    assert result.exit_code == 0, result.output
    assert "attachments" not in inspect(engine).get_table_names()
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    inspector = inspect(engine)
    assert {c["name"] for c in inspector.get_columns("attachments")} >= {
        "report_id",
        "queue_item_id",
        "file_name",
        "media_type",
        "size",
        "sha256",
        "storage_key",
        "uploaded_by",
        "uploaded_at",
    }
    assert {i["name"] for i in inspector.get_indexes("attachments")} >= {
        "ix_attachments_report_id",
        "ix_attachments_queue_item_id",
    }
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        report = file_report(db, reporter, paris(2026, 11, 16, 9, 0)).report
        attached = attachments.attach(
            db,
            store_of(app),
            upload=attachments.Upload(io.BytesIO(b"%PDF-1.7\n%%EOF\n"), "bilan.pdf"),
            actor=reporter,
            now=paris(2026, 11, 16, 10, 0),
            max_bytes=attachments.DEFAULT_MAX_BYTES,
            report_id=report.id,
        )
        assert db.get(Attachment, attached.id).media_type == "application/pdf"
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "attachment")).first() is not None
