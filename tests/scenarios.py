"""Known data for the summaries, the dashboard and the activity reports: two weeks of November 2026."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from routing import EventKind, ProductFacts
from vigilance import intake

PARIS = ZoneInfo("Europe/Paris")
BASE = "https://vigilance.example.org"
HOUR = 7


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def file_report(
    db, reporter, received, *, product="CGR", serious=True, grade=2, kind=EventKind.RECIPIENT_ADVERSE_REACTION
):
    result = intake.submit(
        db,
        actor=reporter,
        now=received,
        draft=intake.Draft(
            event_kind=kind,
            occurred_at=received - timedelta(hours=1),
            product=ProductFacts(name=product),
            description="Frissons et hyperthermie.",
            serious=serious,
            severity_grade=grade,
        ),
    )
    db.commit()
    return result
