"""The imports' doors: ``vigilance import ...`` and the administrators' page ``/admin/imports``."""

import io
import re
from pathlib import Path

import time_machine
from sqlalchemy import func
from sqlmodel import select

from app.cli import cli
from tests.page_session import csrf_from, sign_in
from tests.scenarios import paris
from vigilance.models import Alert, AuditEvent, Establishment, OutboxMessage, QueueItem, Report, User

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def count(db, model) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


# The command line -------------------------------------------------------------------------------


def test_the_command_line_dry_run_stores_nothing_then_imports(runner, db, establishment):
    path = str(DATA / "finess_etalab_sample.csv")
    dry = runner.invoke(cli, ["import", "establishments", path, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 4" in dry.output and "nothing stored" in dry.output
    assert count(db, Establishment) == 1
    done = runner.invoke(cli, ["import", "establishments", path])
    assert done.exit_code == 0, done.output
    assert "created 4, updated 1" in done.output
    assert count(db, Establishment) == 5
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "import.establishments")).one()
    assert event.actor_id is None and event.actor_label  # the command line


def test_the_command_line_lists_problems_by_line_and_fails(runner, db, establishment, tmp_path):
    bad = tmp_path / "accounts.csv"
    bad.write_text("email,role,establishment\nok@example.org,reporter,750000010\nnot-an-email,reporter,750000010\n")
    result = runner.invoke(cli, ["import", "accounts", str(bad)])
    assert result.exit_code == 1
    assert "line 3: email" in result.output and "nothing stored" in result.output
    assert count(db, User) == 0


def test_the_command_line_imports_cases_of_an_establishment(runner, db, establishment, make_user):
    make_user("reporter", email="declarant@chu-test.example")
    path = str(DATA / "cases.csv")
    refused = runner.invoke(cli, ["import", "cases", path, "--dry-run"])
    assert refused.exit_code == 2  # --establishment is required
    with time_machine.travel(paris(2028, 1, 10, 9, 0), tick=False):
        result = runner.invoke(
            cli,
            ["import", "cases", path, "--establishment", "750000010", "--reporter", "declarant@chu-test.example"],
        )
    assert result.exit_code == 0, result.output
    assert {r.reference for r in db.exec(select(Report))} == {"HV-2023-014", "HV-2023-015", "PV-2023-002"}


# The page ---------------------------------------------------------------------------------------


def _upload(client, kind, name, data, **fields):
    page = client.get("/admin/imports").get_data(as_text=True)
    return client.post(
        "/admin/imports",
        data={"csrf_token": csrf_from(page), "kind": kind, "file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def _confirm(client, html):
    form = dict(
        re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', html.split('id="confirm-import"')[1])
    )
    return client.post("/admin/imports/confirm", data=form)


def test_an_administrator_previews_then_imports_accounts(client, db, establishment, make_user):
    admin = make_user("admin", password="correct horse battery")
    sign_in(client, admin)
    data = (DATA / "accounts.csv").read_bytes()
    preview = _upload(client, "accounts", "accounts.csv", data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="confirm-import"' in html
    assert count(db, User) == 1  # the preview stored nothing
    done = _confirm(client, html)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "4 créés" in done.get_data(as_text=True)
    assert count(db, User) == 5
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "import.accounts")).one()
    assert event.actor_id == admin.id and event.after["file_name"] == "accounts.csv"
    # Confirming again: the file was imported and forgotten.
    assert _confirm(client, html).status_code == 409


def test_the_page_lists_every_problem_with_its_line_and_field(client, db, establishment, make_user):
    sign_in(client, make_user("admin", password="correct horse battery"))
    bad = b"email,role,establishment\nok@example.org,reporter,750000010\nnot-an-email,chef,750000010\n"
    preview = _upload(client, "accounts", "bad.csv", bad)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="confirm-import"' not in html
    assert "<code>email</code>" in html and "<code>role</code>" in html and ">3<" in html
    assert count(db, User) == 1


def test_a_confirmation_is_bound_to_the_file_previewed(client, db, establishment, make_user):
    sign_in(client, make_user("admin", password="correct horse battery"))
    html = _upload(client, "establishments", "finess.csv", (DATA / "finess_etalab_sample.csv").read_bytes()).get_data(
        as_text=True
    )
    tampered = html.replace('name="sha256" value="', 'name="sha256" value="0')
    assert _confirm(client, tampered).status_code == 409
    as_accounts = html.replace('name="kind" value="establishments"', 'name="kind" value="accounts"')
    assert _confirm(client, as_accounts).status_code == 409
    assert count(db, Establishment) == 1
    assert _confirm(client, html).status_code == 200
    assert count(db, Establishment) == 5


def test_imported_cases_are_marked_on_their_pages_and_announce_nothing(client, db, establishment, make_user):
    make_user("reporter", email="declarant@chu-test.example")
    correspondent = make_user("correspondent", vigilances=["haemovigilance"], password="correct horse battery")
    admin = make_user("admin", password="correct horse battery")
    with time_machine.travel(paris(2028, 1, 10, 9, 0), tick=True):
        sign_in(client, admin)
        html = _upload(
            client,
            "cases",
            "cases.json",
            (DATA / "cases.json").read_bytes(),
            establishment="750000010",
            reporter="declarant@chu-test.example",
        ).get_data(as_text=True)
        assert 'id="confirm-import"' in html, html
        assert _confirm(client, html).status_code == 200
        assert count(db, Alert) == 0 and count(db, OutboxMessage) == 0
        report = db.exec(select(Report).where(Report.reference == "HV-2026-007")).one()
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
        sign_in(client, correspondent)
        page = client.get(f"/reports/{report.id}").get_data(as_text=True)
        assert 'id="imported-mark"' in page and "importé" in page
        item = db.exec(select(QueueItem).where(QueueItem.report_id == report.id)).first()
        assert 'id="imported-mark"' in client.get(f"/queue-items/{item.id}").get_data(as_text=True)


def test_only_administrators_reach_the_imports_page(client, make_user):
    sign_in(client, make_user("coordinator", password="correct horse battery"))
    assert client.get("/admin/imports").status_code == 404


def test_the_page_speaks_english_too(client, establishment, make_user):
    sign_in(client, make_user("admin", password="correct horse battery", language="en"))
    page = client.get("/admin/imports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Try a file" in page and "Kind of import" in page
    bad = b"email,role,establishment\nnot-an-email,reporter,750000010\n"
    html = _upload(client, "accounts", "bad.csv", bad).get_data(as_text=True)
    assert "<code>email</code>" in html
    assert "1 problem: nothing is stored." in html


def test_the_page_takes_a_file_larger_than_the_usual_bodies(client, db, make_user):
    from routing.identifiers import finess_with_key

    sign_in(client, make_user("admin", password="correct horse battery"))
    lines = ["finess;etalab;100;2026-11-30"]
    for n in range(3000):
        name = f"ETABLISSEMENT FICTIF NUMERO {n:05d} DU GROUPE HOSPITALIER DES ESSAIS"
        lines.append(
            ";".join(["structureet", finess_with_key(f"13{n:06d}"), "", name[:38], name, *[""] * 8, "13", "BDR"])
        )
        lines[-1] += ";" * (32 - lines[-1].count(";") - 1)
    data = "\n".join(lines).encode()
    assert len(data) > app_body_limit(client)
    html = _upload(client, "establishments", "finess.csv", data).get_data(as_text=True)
    assert 'id="confirm-import"' in html, html[:3000]
    assert _confirm(client, html).status_code == 200
    assert count(db, Establishment) == 3001  # and the fixture's


def app_body_limit(client) -> int:
    return client.application.config["MAX_CONTENT_LENGTH"]
