"""0022: the donation and lot numbers of reports filed before it are normalised, so that search
and duplicate detection find them whatever their spelling; the fill leaves no audit note."""

from sqlalchemy import text

from app.cli import cli


def test_existing_numbers_are_normalised_and_found_by_intake(app, runner):
    from sqlmodel import Session

    from tests.scenarios import file_report, paris
    from vigilance import accounts, duplicates

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        ids = [file_report(db, reporter, paris(2026, 11, 16, 9, n)).report.id for n in range(3)]
        db.commit()
    assert runner.invoke(cli, ["db", "downgrade", "0021_products_sealed"]).exit_code == 0
    typed = {
        ids[0]: ("G123 498 654 321 H", " l 2291"),  # the label's spelling (JPAC Red Book, annex 2)
        ids[1]: ("don 4711-b", None),  # no known format
        ids[2]: (None, None),
    }
    with engine.connect() as connection:
        for report_id, (donation, lot) in typed.items():
            connection.execute(
                text("UPDATE reports SET donation_number = :donation, lot_number = :lot WHERE id = :id"),
                {"donation": donation, "lot": lot, "id": report_id},
            )
        connection.commit()
        notes_before = connection.execute(text("SELECT count(*) FROM audit_pending")).scalar_one()

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        rows = {
            row.id: (row.donation_number_normalised, row.lot_number_normalised)
            for row in connection.execute(
                text("SELECT id, donation_number_normalised, lot_number_normalised FROM reports")
            )
        }
        notes_after = connection.execute(text("SELECT count(*) FROM audit_pending")).scalar_one()
        assert connection.execute(text("SELECT count(*) FROM user_rpps")).scalar_one() == 0
    assert rows == {ids[0]: ("G123498654321", "L2291"), ids[1]: ("DON4711B", None), ids[2]: (None, None)}
    assert notes_after == notes_before  # the migration's own writes are no tampering

    # Intake now finds the old report from the bar code's reading of the same donation.
    with Session(engine, expire_on_commit=False) as db:
        found = duplicates.find_candidates(
            db,
            establishment_id=place.id,
            occurred_at=paris(2026, 11, 16, 9, 0),
            event_kind="recipient_adverse_reaction",
            lot_number="L2291",
            donation_number="=G12349865432177",
            patient=(None, None, None),
        )
    assert [c["report_id"] for c in found] == [ids[0]]

    assert runner.invoke(cli, ["db", "downgrade", "0021_products_sealed"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
