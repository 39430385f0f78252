"""0025: the case_files table; the items already there get their case file from their report."""

from datetime import timedelta

from sqlalchemy import inspect, text
from sqlmodel import Session

from app.cli import cli

DIN = "G123498654321 00 H"


def test_existing_items_get_a_case_file_from_what_their_report_holds(app, runner, client):
    from routing import EventKind, ProductFacts
    from tests.scenarios import paris
    from vigilance import accounts, intake

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    received = paris(2026, 11, 16, 9, 0)
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        hv = accounts.create_user(
            db, email="hv@example.org", role="correspondent", establishment=place, vigilances=["haemovigilance"]
        )
        db.commit()

        def file(product, **fields):
            result = intake.submit(
                db,
                actor=reporter,
                now=received,
                draft=intake.Draft(
                    event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                    occurred_at=received - timedelta(hours=1),
                    detected_at=received - timedelta(minutes=30),
                    product=ProductFacts(name=product),
                    description="Frissons et hyperthermie.",
                    serious=True,
                    severity_grade=2,
                    patient_sex="F",
                    patient_birth_year=1956,
                    patient_initials="MD",
                    **fields,
                ),
            )
            db.commit()
            return result.items[0].id

        hv_item = file("CGR", donation_number=DIN)
        pv_item = file("Clottafact", lot_number="L2026-77")
    # Before 0025 there were no case files.
    result = runner.invoke(cli, ["db", "downgrade", "0024_generated_documents"])
    assert result.exit_code == 0, result.output
    assert "case_files" not in inspect(engine).get_table_names()

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        rows = {
            row.queue_item_id: row
            for row in connection.execute(
                text("SELECT queue_item_id, form_id, data, version, updated_by FROM case_files")
            )
        }
    assert set(rows) == {hv_item, pv_item}
    assert rows[hv_item].form_id == "feir" and rows[pv_item].form_id == "cerfa_10011"
    assert {row.version for row in rows.values()} == {1}
    assert {row.updated_by for row in rows.values()} == {None}

    with Session(engine, expire_on_commit=False) as db:
        _record, token = accounts.issue_token(db, user=db.get(accounts.User, hv.id))
        db.commit()
    body = client.get(f"/api/v1/queue-items/{hv_item}/case-file", headers={"Authorization": f"Bearer {token}"})
    assert body.status_code == 200
    data = body.get_json()["data"]
    assert data["units"] == [{"donation_number": DIN}]
    assert (data["recipient_sex"], data["recipient_birth_year"], data["severity_grade"]) == ("F", 1956, "2")
    assert data["reaction_onset_at"].startswith("2026-11-16T07:00:00")  # 8:00 in Paris, stored in UTC
    assert data["description"] == "Frissons et hyperthermie."

    with engine.connect() as connection:
        import json

        raw = connection.execute(
            text("SELECT data FROM case_files WHERE queue_item_id = :id"), {"id": pv_item}
        ).scalar()
    pv = raw if isinstance(raw, dict) else json.loads(raw)
    assert pv["medicines"] == [{"name": "Clottafact", "role": "suspect", "lot_number": "L2026-77"}]
    assert (pv["patient_initials"], pv["patient_sex"], pv["serious"]) == ("MD", "F", True)
    assert pv["reactions"] == [{"description": "Frissons et hyperthermie.", "started_on": "2026-11-16"}]

    assert runner.invoke(cli, ["db", "downgrade", "0024_generated_documents"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0


def test_the_case_files_are_sealed_and_a_direct_edit_is_named(app, runner, client):
    from sqlalchemy import select

    from tests.report_payloads import a_report
    from vigilance import accounts
    from vigilance.models import CaseFileRecord

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        _record, token = accounts.issue_token(db, user=reporter)
        db.commit()
    filed = client.post("/api/v1/reports", json=a_report(), headers={"Authorization": f"Bearer {token}"})
    assert filed.status_code == 201
    clean = runner.invoke(cli, ["audit", "verify"])
    assert clean.exit_code == 0 and "case_files" not in clean.output, clean.output
    with engine.begin() as connection:
        record_id = connection.execute(select(CaseFileRecord.__table__.c.id)).scalar_one()
        connection.execute(
            CaseFileRecord.__table__.update()
            .where(CaseFileRecord.__table__.c.id == record_id)
            .values(data={"diagnosis": "trali"})
        )
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code != 0 and "case_files" in result.output and "data" in result.output, result.output
