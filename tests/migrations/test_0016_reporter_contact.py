"""0016: a report's contact columns, and questions left open on items closed before it withdrawn."""

from datetime import UTC, datetime

from sqlalchemy import text

from app.cli import cli


def _aware(value) -> datetime:
    value = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def test_questions_left_open_on_closed_items_are_withdrawn_and_their_reminders_stopped(app, runner):
    from sqlmodel import Session

    from tests.scenarios import file_report, paris
    from vigilance import accounts, triage

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    sqlite = engine.dialect.name == "sqlite"
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        hv = accounts.create_user(
            db, email="hv@example.org", role="correspondent", establishment=place, vigilances=["haemovigilance"]
        )
        db.commit()
        items = []
        for n in (1, 2):
            item = file_report(db, reporter, paris(2026, 11, 16, 9, n)).items[0].id
            triage.request_information(
                db, item_id=item, actor=hv, question=f"Question {n} ?", now=paris(2026, 11, 17, 9, 0)
            )
            db.commit()
            items.append(item)
    # Before 0016, an item was closed with its question open (item 1); item 2 stays open.
    assert runner.invoke(cli, ["db", "downgrade", "0015_declared_at"]).exit_code == 0
    closed_at = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    with engine.connect() as connection:
        connection.execute(
            text("UPDATE queue_items SET status = 'closed', closed_at = :at WHERE id = :item"),
            {"at": closed_at.replace(tzinfo=None) if sqlite else closed_at, "item": items[0]},
        )
        connection.commit()

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        withdrawn = dict(connection.execute(text("SELECT queue_item_id, withdrawn_at FROM information_requests")).all())
        reminders = dict(
            connection.execute(
                text(
                    "SELECT r.queue_item_id, count(t.id) FROM information_requests r "
                    "LEFT JOIN timers t ON t.information_request_id = r.id AND t.done_at IS NULL "
                    "GROUP BY r.queue_item_id"
                )
            ).all()
        )
        assert connection.execute(text("SELECT count(reporter_unit) FROM reports")).scalar_one() == 0
    assert _aware(withdrawn[items[0]]) == closed_at and withdrawn[items[1]] is None
    assert reminders[items[0]] == 0 and reminders[items[1]] > 0

    assert runner.invoke(cli, ["db", "downgrade", "0015_declared_at"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
