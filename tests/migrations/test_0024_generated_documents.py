"""0024: generated documents, and declarations that may name the document sent."""

from datetime import date

from sqlalchemy import inspect, text

from app.cli import cli


def test_declarations_keep_their_rows_seals_and_triggers_and_may_name_a_document(app, runner):
    from sqlmodel import Session

    from tests.scenarios import file_report, paris
    from vigilance import accounts, audit_seals, triage
    from vigilance.exports import e2b

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        pv = accounts.create_user(
            db, email="pv@example.org", role="correspondent", establishment=place, vigilances=["pharmacovigilance"]
        )
        db.commit()
        item = file_report(db, reporter, paris(2026, 11, 16, 9, 0), product="Kymriah").items[0].id
        triage.claim(db, item_id=item, actor=pv, now=paris(2026, 11, 18, 8, 0))
        triage.declare(
            db,
            item_id=item,
            actor=pv,
            authority="CRPV",
            authority_reference="PV-1",
            kind="initial",
            declared_on=date(2026, 11, 18),
            now=paris(2026, 11, 18, 8, 0),
        )
        db.commit()
        audit_seals.seal_unsealed(db)  # as the service's write helper seals what it writes
        db.commit()
    with engine.connect() as connection:
        connection.execute(text("DELETE FROM audit_pending"))
        connection.commit()

    assert runner.invoke(cli, ["db", "downgrade", "0023_attachments"]).exit_code == 0
    assert "generated_documents" not in inspect(engine).get_table_names()
    assert "document_id" not in {c["name"] for c in inspect(engine).get_columns("declarations")}

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    # Later migrations write rows of their own (0025: a case file per item), sealed by the
    # command their notes prescribe; the declaration keeps the seal it had.
    assert runner.invoke(cli, ["audit", "seal-existing"]).output.count("declarations 0") == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT authority_reference, document_id FROM declarations")).all() == [
            ("PV-1", None)
        ]
    with Session(engine, expire_on_commit=False) as db:
        # The declaration's seal, written before the column, still matches.
        assert [str(f) for f in audit_seals.verify(db)] == []
        document, new = e2b.generate(db, item_id=item, actor=db.get(accounts.User, pv.id), now=paris(2026, 11, 18, 9))
        db.commit()
        assert new and document.version == 1 and document.size == len(document.content)

    # The table rebuilt on SQLite still has its audit triggers: a write outside the service is noted.
    with engine.connect() as connection:
        connection.execute(text("DELETE FROM audit_pending"))
        connection.execute(text("UPDATE declarations SET document_id = :id"), {"id": document.id})
        connection.commit()
        assert connection.execute(text("SELECT table_name FROM audit_pending")).scalars().all() == ["declarations"]
        connection.execute(text("UPDATE declarations SET document_id = NULL"))
        connection.execute(text("DELETE FROM audit_pending"))
        connection.commit()

    assert runner.invoke(cli, ["db", "downgrade", "0023_attachments"]).exit_code == 0
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM declarations")).scalar_one() == 1
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
