"""Likely duplicates: earlier reports that seem to be about the same event, with the reason."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from vigilance.models import Report

#: Two reports about the same patient this close in time probably describe one event.
SAME_PATIENT_WINDOW = timedelta(days=3)
MAX_CANDIDATES = 10


def find_candidates(
    session: Session,
    *,
    establishment_id: int,
    occurred_at: datetime,
    event_kind: str,
    lot_number: str | None,
    donation_number: str | None,
    patient: tuple[str | None, int | None, str | None],
) -> list[dict[str, Any]]:
    """Earlier reports of the establishment sharing a donation or lot number, or the same
    pseudonymous patient within a few days; each with the reason, in both languages."""
    clauses = []
    if donation_number:
        clauses.append(col(Report.donation_number) == donation_number)
    if lot_number:
        clauses.append(col(Report.lot_number) == lot_number)
    sex, birth_year, initials = patient
    same_patient = None
    if sex and birth_year and initials:
        same_patient = and_(
            col(Report.patient_sex) == sex,
            col(Report.patient_birth_year) == birth_year,
            col(Report.patient_initials) == initials.upper(),
            col(Report.event_kind) == event_kind,
            col(Report.occurred_at).between(occurred_at - SAME_PATIENT_WINDOW, occurred_at + SAME_PATIENT_WINDOW),
        )
        clauses.append(same_patient)
    if not clauses:
        return []
    rows = session.exec(
        select(Report.id, Report.reference, Report.donation_number, Report.lot_number, Report.occurred_at)
        .where(Report.establishment_id == establishment_id, or_(*clauses))
        .order_by(col(Report.id).desc())
        .limit(MAX_CANDIDATES)
    ).all()
    candidates = []
    for report_id, reference, their_donation, their_lot, their_time in rows:
        if donation_number and their_donation == donation_number:
            reason = {"fr": f"même numéro de don ({donation_number})", "en": f"same donation number ({donation_number})"}
        elif lot_number and their_lot == lot_number:
            reason = {"fr": f"même numéro de lot ({lot_number})", "en": f"same batch number ({lot_number})"}
        else:
            days = abs((their_time - occurred_at).total_seconds()) / 86400
            reason = {
                "fr": f"même patient (sexe, année de naissance, initiales) à {days:.1f} jour(s) d'écart",
                "en": f"same patient (sex, birth year, initials) {days:.1f} day(s) apart",
            }
        candidates.append({"report_id": report_id, "reference": reference, "reason": reason})
    return candidates
