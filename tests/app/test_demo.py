"""``vigilance demo load``: what ``make run`` shows a newcomer."""

from sqlalchemy import func, select

from app.cli import cli
from vigilance import audit, demo
from vigilance.models import Deadline, ItemStatus, QueueItem, Report


def test_demo_load_files_fifty_reports_worked_to_every_stage_once(runner, db):
    first = runner.invoke(cli, ["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo data: 50 reports" in first.output and demo.DEMO_PASSWORD in first.output
    for account in demo.ACCOUNTS:
        assert account.email in first.output

    categories = set(db.exec(select(Report.category)).scalars())
    assert {
        "labile_blood_product",
        "tissue",
        "organ",
        "cell_therapy_preparation",
        "breast_milk",
        "atmp_gene_therapy",
        "blood_derived_medicine",
        "magistral_preparation",
        "unclassified",
        "gametes_embryos",
        "in_vitro_diagnostic",
    } <= categories
    stages = {status for (status,) in db.exec(select(QueueItem.status).distinct()).all()}
    assert {s.value for s in ItemStatus} <= stages  # new, in progress, awaiting, declared, closed
    states = dict(db.exec(select(Deadline.state, func.count()).group_by(Deadline.state)).all())
    assert states.get("met") and states.get("missed") and states.get("open")
    queues = set(db.exec(select(QueueItem.queue)).scalars())
    assert {"qualification", "amp_vigilance", "reactovigilance"} <= queues
    assert audit.verify(db).ok
    # References follow the order of receipt, as for real reports.
    received = [r for (r,) in db.exec(select(Report.received_at).order_by(Report.sequence)).all()]
    assert received == sorted(received)

    again = runner.invoke(cli, ["demo", "load"])
    assert again.exit_code == 0 and "Demo data: 50 reports" in again.output
    db.expire_all()
    assert db.exec(select(func.count()).select_from(Report)).scalar_one() == 50
