"""Imports: establishments (FINESS extract), accounts and past cases; dry run, one transaction, audit."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from routing.identifiers import finess_with_key
from tests.scenarios import paris
from vigilance import audit, audit_seals, imports
from vigilance.i18n import say
from vigilance.models import (
    Alert,
    AuditEvent,
    Deadline,
    Declaration,
    Establishment,
    OutboxMessage,
    QueueItem,
    Report,
    ReportImport,
    Timer,
    User,
)
from vigilance.storage.transaction import write_transaction

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
#: After the SoHO regulation's date, so that cases of September 2027 are in the past.
NOW = paris(2028, 1, 10, 9, 0)


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def count(db, model) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


def run(db, kind, data, *, actor=None, now=NOW, **options):
    with write_transaction(db):
        return imports.apply(db, kind=kind, data=data, actor=actor, now=now, **options)


def lines(outcome):
    return [(p.line, p.field) for p in outcome.problems]


# Establishments ---------------------------------------------------------------------------------


def test_a_finess_extract_registers_establishments_with_the_region_of_their_department(db, establishment):
    data = read("finess_etalab_sample.csv")
    dry = imports.preview(db, kind="establishments", data=data)
    assert dry.problems == [] and dry.records == 5
    assert (dry.created, dry.updated, dry.unchanged) == (4, 1, 0)
    assert count(db, Establishment) == 1  # the dry run stored nothing

    outcome = run(db, "establishments", data)
    assert (outcome.created, outcome.updated, outcome.stored) == (4, 1, True)
    places = {e.finess: (e.name, e.region) for e in db.exec(select(Establishment))}
    assert places == {
        "750000010": ("CENTRE HOSPITALIER UNIVERSITAIRE DE TEST", "metropole"),  # updated by FINESS
        "670000017": ("CENTRE HOSPITALIER DE L'ILL (FICTIF)", "alsace"),
        "570000018": ("CLINIQUE DU SAULCY (FICTIVE)", "moselle"),
        "971000013": ("CENTRE HOSPITALIER DES ALIZES (FICTIF)", "guadeloupe"),
        "130000011": ("HOPITAL DU VIEUX PORT", "metropole"),  # no long name: the short one
    }
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "import.establishments")).all()
    assert len(events) == 1 and events[0].after["created"] == 4 and events[0].after["sha256"] == outcome.sha256
    assert count(db, AuditEvent) > 0
    updated = db.exec(select(AuditEvent).where(AuditEvent.action == "establishment.update")).one()
    assert updated.before == {"name": "CHU de Test", "region": "metropole"}

    again = run(db, "establishments", data)  # idempotent
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert count(db, Establishment) == 5
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "establishment.update")).all()) == 1


def test_a_bad_line_even_the_last_of_a_thousand_stores_nothing(db):
    header = "finess;etalab;100;2026-11-30"
    good = []
    for n in range(999):
        finess = finess_with_key(f"75{n:06d}")
        good.append(";".join(["structureet", finess, "", f"ETS {n}", "", *[""] * 8, "75", "PARIS", *[""] * 17]))
    bad = ";".join(["structureet", "750000011", "", "ETS FAUX", "", *[""] * 8, "75", "PARIS", *[""] * 17])
    data = "\n".join([header, *good, bad]).encode()
    seen = []
    dry = imports.preview(db, kind="establishments", data=data, progress=lambda *p: seen.append(p))
    assert lines(dry) == [(1001, "nofinesset")]
    assert seen[-1] == ("check", 1000, 1000)
    with pytest.raises(imports.ImportRefused) as refused:
        run(db, "establishments", data)
    assert lines(refused.value.outcome) == [(1001, "nofinesset")]
    assert "clé" in say(refused.value.outcome.problems[0].message, "fr")
    assert count(db, Establishment) == 0 and count(db, AuditEvent) == 0


def test_a_finess_extract_with_problems_lists_each_by_line(db):
    data = "\n".join(
        [
            "finess;etalab;100;2026-11-30",
            ";".join(["structureet", "750000010", "", "A", "", *[""] * 8, "75", "P", *[""] * 17]),
            ";".join(["structureet", "750000010", "", "B", "", *[""] * 8, "75", "P", *[""] * 17]),
            ";".join(["structureet", "750000028", "", "", "", *[""] * 8, "99", "P", *[""] * 17]),
            "structureet;750000036;court",
            "autre;chose",
        ]
    ).encode()
    dry = imports.preview(db, kind="establishments", data=data)
    assert lines(dry) == [(6, "file"), (3, "nofinesset"), (4, "rs"), (4, "departement"), (5, "structureet")]
    not_finess = imports.preview(db, kind="establishments", data=b"email,role\na@b.fr,admin\n")
    assert lines(not_finess) == [(1, "file")]


# Accounts ---------------------------------------------------------------------------------------


def test_accounts_are_created_without_a_password_and_audited(db, establishment, make_user):
    admin = make_user("admin")
    data = read("accounts.csv")
    assert imports.preview(db, kind="accounts", data=data).problems == []
    outcome = run(db, "accounts", data, actor=admin)
    assert outcome.created == 4
    hv = db.exec(select(User).where(User.email == "h.vasseur@chu-test.example")).one()
    assert hv.password_hash is None and hv.vigilances == ["biovigilance", "haemovigilance"]
    assert hv.establishment_id == establishment.id and hv.name == "Hélène Vasseur"
    assert db.exec(select(User).where(User.email == "admin.import@chu-test.example")).one().is_coordinator
    created = db.exec(select(AuditEvent).where(AuditEvent.action == "account.create")).all()
    assert len([e for e in created if e.actor_id == admin.id]) == 4
    batch = db.exec(select(AuditEvent).where(AuditEvent.action == "import.accounts")).one()
    assert batch.actor_id == admin.id and batch.after["created"] == 4


def test_accounts_already_there_or_wrong_are_refused_in_the_dry_run(db, establishment, make_user):
    make_user("reporter", email="r.martin@chu-test.example")
    data = (
        b"email;role;establishment;vigilances;rpps\n"
        b"r.martin@chu-test.example;reporter;750000010;;\n"
        b"x@chu-test.example;correspondent;750000010;;\n"
        b"y@chu-test.example;correspondent;750000010;haemovigilance,biovigilance;10000000001\n"
        b"z@chu-test.example;chef;130000011;;\n"
        b"y@chu-test.example;reporter;750000010;;\n"
    )
    before = count(db, User)
    dry = imports.preview(db, kind="accounts", data=data)
    assert lines(dry) == [
        (2, "email"),
        (3, "vigilances"),
        (4, "rpps"),
        (5, "role"),
        (5, "establishment"),
        (6, "email"),
    ]
    with pytest.raises(imports.ImportRefused):
        run(db, "accounts", data)
    assert count(db, User) == before


# Past cases -------------------------------------------------------------------------------------


@pytest.fixture
def reporter(make_user):
    return make_user("reporter", email="declarant@chu-test.example")


def test_past_cases_keep_their_references_and_are_decided_under_the_rulebook_of_their_date(db, establishment, reporter):
    make = {"establishment": "750000010", "reporter": reporter.email}
    csv_cases, json_cases = read("cases.csv"), read("cases.json")
    dry = imports.preview(db, kind="cases", data=csv_cases, now=NOW, **make)
    assert dry.problems == [] and dry.created == 3
    assert count(db, Report) == 0
    run(db, "cases", csv_cases, **make)
    run(db, "cases", json_cases, **make)
    reports = {r.reference: r for r in db.exec(select(Report))}
    assert set(reports) == {"HV-2023-014", "HV-2023-015", "PV-2023-002", "HV-2027-101", "HV-2026-007"}
    # Before the first rulebook: the earliest decides; September 2027: the SoHO rulebook.
    assert reports["HV-2023-014"].rulebook_id == "fr-2024-01-02"
    assert reports["HV-2027-101"].rulebook_id == "eu-soho-2027-08-07"
    soho_rules = {d.rule_id for d in db.exec(select(Deadline).where(Deadline.report_id == reports["HV-2027-101"].id))}
    fr_rules = {d.rule_id for d in db.exec(select(Deadline).where(Deadline.report_id == reports["HV-2023-014"].id))}
    assert "d-soho-hv-investigation" in soho_rules and "d-soho-hv-investigation" not in fr_rules
    # Several products, as at intake.
    assert "Kymriah" in reports["PV-2023-002"].product_name
    assert reports["HV-2023-014"].sequence < 0 and reports["HV-2023-014"].year == 2023
    marks = {m.report_id: m for m in db.exec(select(ReportImport))}
    assert set(marks) == {r.id for r in reports.values()}
    assert marks[reports["HV-2023-015"].id].line == 3
    # Written through the service's one write transaction: every row sealed, the trail whole.
    assert [str(f) for f in audit_seals.verify(db)] == []
    assert audit.verify(db).ok
    created = db.exec(select(AuditEvent).where(AuditEvent.action == "create")).all()
    assert {e.target for e in created} == set(reports)


def test_imported_cases_keep_their_past_deadlines_and_announce_nothing(db, establishment, reporter, make_user):
    make_user("correspondent", vigilances=["haemovigilance"])  # someone who would be alerted
    make = {"establishment": "750000010", "reporter": reporter.email}
    run(db, "cases", read("cases.csv"), **make)
    run(db, "cases", read("cases.json"), **make)
    reports = {r.reference: r for r in db.exec(select(Report))}

    def deadlines(reference, kind="declaration"):
        report_id = reports[reference].id
        return [
            d.state for d in db.exec(select(Deadline).where(Deadline.report_id == report_id, Deadline.kind == kind))
        ]

    assert deadlines("HV-2023-014") == ["met"]  # declared the next day
    assert deadlines("HV-2023-015") == ["missed"]  # declared three weeks later
    items = {i.report_id: i for i in db.exec(select(QueueItem))}
    closed = items[reports["HV-2023-014"].id]
    assert (closed.status, closed.outcome) == ("closed", "declared")
    assert closed.closed_at.date().isoformat() == "2023-05-20"
    declaration = db.exec(select(Declaration).where(Declaration.queue_item_id == closed.id)).one()
    assert (declaration.authority, declaration.authority_reference) == ("ANSM", "EFIT-2023-881")
    # The open case of 2026: its declaration deadline passed long ago, missed without escalation.
    open_item = items[reports["HV-2026-007"].id]
    assert open_item.status == "new" and deadlines("HV-2026-007") == ["missed"]
    # Nothing announced, nothing to escalate in the past.
    assert count(db, Alert) == 0 and count(db, OutboxMessage) == 0
    pending = db.exec(select(Timer).where(Timer.done_at.is_(None))).all()
    assert all(t.due_at > NOW for t in pending)


def test_a_duplicate_reference_or_a_bad_case_stores_nothing(db, establishment, reporter):
    make = {"establishment": "750000010", "reporter": reporter.email}
    run(db, "cases", read("cases.json"), **make)
    before = (count(db, Report), count(db, AuditEvent))
    cases = [
        {
            "reference": f"OLD-{n}",
            "received_at": "2024-03-01",
            "occurred_at": "2024-02-28",
            "event_kind": "incident",
            "products": ["CGR"],
            "serious": False,
            "description": "Erreur d'étiquetage.",
            "status": "closed",
        }
        for n in range(999)
    ]
    cases.append({**cases[0], "reference": "HV-2026-007"})  # already imported
    dry = imports.preview(db, kind="cases", data=json.dumps(cases).encode(), now=NOW, **make)
    assert lines(dry) == [(1000, "reference")]
    with pytest.raises(imports.ImportRefused):
        run(db, "cases", json.dumps(cases).encode(), **make)
    assert (count(db, Report), count(db, AuditEvent)) == before

    bad = (
        "reference,received_at,occurred_at,event_kind,products,serious,description,status,donation_number\n"
        "VIG-2023-000001,2023-01-02,2023-01-01,incident,CGR,non,x,closed,\n"
        "A-1,02/01/2023,hier,incident,CGR,peut-être,x,ouvert,\n"
        "A-2,2023-01-02,2023-01-03,explosion,,non,,closed,\n"
    ).encode()
    dry = imports.preview(db, kind="cases", data=bad, now=NOW, **make)
    assert lines(dry) == [
        (2, "reference"),
        (3, "occurred_at"),
        (3, "serious"),
        (3, "status"),
        (4, "products"),
        (4, "description"),
        (4, "received_at"),
        (4, "event_kind"),
    ]


def test_cases_need_an_establishment_and_a_reporter_of_it(db, establishment, reporter, make_user):
    data = read("cases.json")
    assert lines(imports.preview(db, kind="cases", data=data, now=NOW)) == [(0, "establishment")]
    outsider = make_user("admin")
    dry = imports.preview(db, kind="cases", data=data, now=NOW, establishment="750000010", reporter=outsider.email)
    assert lines(dry) == [(0, "reporter")]
    dry = imports.preview(db, kind="cases", data=data, now=NOW, establishment="750000010")
    assert lines(dry) == [(1, "reporter_email"), (2, "reporter_email")]


def test_an_import_is_bound_to_the_file_previewed(db, establishment):
    data = read("finess_etalab_sample.csv")
    from vigilance.errors import Conflict

    with pytest.raises(Conflict):
        run(db, "establishments", data, expected=imports.sha256_of(data + b"\n"))
    assert count(db, AuditEvent) == 1  # the fixture's establishment only
    run(db, "establishments", data, expected=imports.sha256_of(data))
    assert count(db, Establishment) == 5
