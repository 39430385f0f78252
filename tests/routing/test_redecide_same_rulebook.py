"""Re-deciding stored reports under the rulebook that decided them changes nothing: the dry run
lists nothing and ``--apply`` writes nothing, whatever was filed through intake."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from app.cli import cli
from routing import EventKind, ProductFacts, shipped_rulebooks
from vigilance import intake
from vigilance.models import AuditEvent, Deadline, QueueItem, Report

RULEBOOKS = tuple(shipped_rulebooks())
ENTRIES = sorted(
    {entry.id: entry for rb in RULEBOOKS for entry in rb.catalogue.entries.values()}.values(), key=lambda e: e.id
)
#: Names as a clinician types them: an entry's label or alias, now and then an unknown product.
NAMES = st.sampled_from(ENTRIES).flatmap(lambda entry: st.sampled_from(list(entry.names()))) | st.just(
    "Produit inconnu Z-17"
)
#: Days under each shipped rulebook, the first and last days of each among them.
DAYS = st.sampled_from(RULEBOOKS).flatmap(
    lambda rb: st.dates(min_value=rb.effective_from, max_value=rb.effective_from + timedelta(days=400))
)


def _snapshot(db) -> dict:
    """What a re-decision could change: every report's decision, items and deadlines, the audit trail."""
    db.expire_all()
    return {
        "reports": [
            (r.id, r.category, tuple(r.queues or ()), r.rulebook_id, r.decision)
            for r in db.exec(select(Report).order_by(Report.id)).all()
        ],
        "items": [(i.id, i.queue, i.status, i.outcome) for i in db.exec(select(QueueItem).order_by(QueueItem.id))],
        "deadlines": [(d.id, d.rule_id, d.due_at) for d in db.exec(select(Deadline).order_by(Deadline.id))],
        "audit": db.exec(select(func.count()).select_from(AuditEvent)).one(),
    }


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    reports=st.lists(
        st.tuples(
            st.lists(NAMES, min_size=1, max_size=3),
            st.sampled_from(EventKind),
            st.booleans(),
            st.none() | st.booleans(),
            st.none() | st.integers(1, 4),
            DAYS,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_redeciding_under_the_same_rulebook_lists_and_changes_nothing(runner, db, staff, reports):
    for names, kind, serious, unexpected, grade, day in reports:
        occurred = datetime.combine(day, time(9, 0), tzinfo=UTC)
        products = tuple(ProductFacts(name=name) for name in names)
        intake.submit(
            db,
            actor=staff["reporter"],
            now=occurred + timedelta(hours=2),
            draft=intake.Draft(
                event_kind=kind,
                occurred_at=occurred,
                product=products[0],
                products=products,
                description="Frissons et hyperthermie.",
                serious=serious or grade == 4,  # a death is serious: intake refuses it otherwise
                unexpected=unexpected,
                severity_grade=grade,
            ),
        )
        db.commit()
    before = _snapshot(db)
    for rulebook in RULEBOOKS:
        dry = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", rulebook.id])
        assert dry.exit_code == 0, dry.output
        # Nothing listed, and why: none of the reports is decided by it, or none would change.
        (said,) = dry.output.splitlines()
        assert said.startswith(
            (
                f"0 open report(s) would be re-decided under {rulebook.id}; nothing changed.",
                f"No open report is decided by {rulebook.id} yet",
            )
        ), said
        applied = runner.invoke(cli, ["rulebook", "redecide", "--rulebook", rulebook.id, "--apply"])
        assert applied.exit_code == 0, applied.output
        (said,) = applied.output.splitlines()
        assert said.startswith(
            (f"Re-decided 0 report(s) under {rulebook.id}.", f"No open report is decided by {rulebook.id} yet")
        ), said
    assert _snapshot(db) == before
