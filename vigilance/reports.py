"""Reading reports: every read is access-checked and audited."""

from datetime import datetime

from sqlmodel import Session, col, select

from vigilance import audit
from vigilance.access import may_read_report, own_reports_filter
from vigilance.errors import NotFound
from vigilance.i18n import translatable
from vigilance.models import Report, User

_NOT_FOUND = translatable("Signalement introuvable.")


def read_report(session: Session, *, report_id: int, actor: User, now: datetime, via: str = "api") -> Report:
    """The report, if *actor* may see it; the read is recorded in the audit trail.

    :raises NotFound: no such report, or one the actor may not see (the two look the same, so
        that nobody learns which reports exist).
    """
    # Identifiers are 32-bit integers: a larger number cannot be a report (and would overflow).
    report = session.get(Report, report_id) if 0 < report_id < 2**31 else None
    if report is None or not may_read_report(actor, report):
        raise NotFound(_NOT_FOUND)
    audit.record(session, actor=actor, action="read", now=now, report_id=report.id, target=via)
    return report


def own_reports(
    session: Session, *, actor: User, now: datetime, via: str, before_id: int | None = None, limit: int = 50
) -> list[Report]:
    """The reports *actor* filed, newest first, a page at a time (keyset: ``before_id``).

    Each report listed counts as read, and is audited as such.
    """
    query = select(Report).where(own_reports_filter(actor))
    if before_id is not None:
        query = query.where(col(Report.id) < before_id)
    page = list(session.exec(query.order_by(col(Report.id).desc()).limit(limit)))
    audit.record_all(
        session, [audit.Event("read", report_id=r.id, target=f"{via}:list") for r in page], actor=actor, now=now
    )
    return page
