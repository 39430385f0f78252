"""0019: reports filed before it get their one product in report_products, as the report was qualified."""

from sqlalchemy import text

from app.cli import cli


def test_existing_reports_get_their_one_product_and_the_api_lists_it(app, runner, client):
    from sqlmodel import Session

    from tests.scenarios import file_report, paris
    from vigilance import accounts

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    engine = app.extensions["vigilance.db"]
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        reporter = accounts.create_user(db, email="r@example.org", role="reporter", establishment=place)
        db.commit()
        report_id = file_report(db, reporter, paris(2026, 11, 16, 9, 0)).report.id
        db.commit()
    # Before 0019 there was no products table: the report had only its one product.
    assert runner.invoke(cli, ["db", "downgrade", "0020_plans_copies"]).exit_code == 0
    with engine.connect() as connection:
        name, category = connection.execute(
            text("SELECT product_name, category FROM reports WHERE id = :id"), {"id": report_id}
        ).one()

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT position, name, category, is_principal FROM report_products WHERE report_id = :id"),
            {"id": report_id},
        ).all()
    assert [tuple(row) for row in rows] == [(0, name, category, True)]

    with Session(engine, expire_on_commit=False) as db:
        _record, token = accounts.issue_token(db, user=db.get(accounts.User, reporter.id))
        db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/reports/{report_id}", headers=headers).get_json()
    assert [(p["name"], p["category"]) for p in body["products"]] == [(name, category)]
    assert [(p["name"], p["category"]) for p in body["classification"]["products"]] == [(name, category)]

    assert runner.invoke(cli, ["db", "downgrade", "0020_plans_copies"]).exit_code == 0
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
