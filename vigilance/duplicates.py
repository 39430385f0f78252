"""Likely duplicates: earlier reports that seem to be about the same event, with the reason."""

from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, col, select

from routing.identifiers import normalise_donation_number, normalise_lot_number
from vigilance.access import may_read_report
from vigilance.i18n import by_language, translatable, translatable_plural
from vigilance.models import Report, User
from vigilance.storage.driver_cursor import DirectStatement

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
    pseudonymous patient within a few days; each with the reason, in both languages.

    Numbers are compared as routing.identifiers normalises them: "G123 498 654 321 H" and the
    bar code's "=G12349865432100" are one donation, "l 123" and "L123" one lot.
    """
    sex, birth_year, initials = patient
    donation_key = normalise_donation_number(donation_number)
    lot_key = normalise_lot_number(lot_number)
    donation_number = donation_number if donation_key else None
    lot_number = lot_number if lot_key else None
    same_patient = bool(sex and birth_year and initials)
    if not (donation_number or lot_number or same_patient):
        return []
    rows = _candidates_query(bool(donation_number), bool(lot_number), same_patient).rows(
        session.connection(),
        {
            "establishment_id": establishment_id,
            "donation_number": donation_key,
            "lot_number": lot_key,
            "sex": sex,
            "birth_year": birth_year,
            "initials": initials.upper() if initials else None,
            "event_kind": event_kind,
            "earliest": occurred_at - SAME_PATIENT_WINDOW,
            "latest": occurred_at + SAME_PATIENT_WINDOW,
        },
    )
    candidates = []
    for report_id, reference, their_donation, their_lot, their_time in rows:
        if donation_key and their_donation == donation_key:
            reason = translatable("même numéro de don (%(number)s)", number=donation_number)
        elif lot_key and their_lot == lot_key:
            reason = translatable("même numéro de lot (%(number)s)", number=lot_number)
        else:
            days = Decimal(f"{abs((their_time - occurred_at).total_seconds()) / 86400:.1f}")
            reason = translatable_plural(
                "même patient (sexe, année de naissance, initiales) à %(num)s jour d'écart",
                "même patient (sexe, année de naissance, initiales) à %(num)s jours d'écart",
                days,
            )
        # Kept with the report in both languages, as said the day it was filed.
        candidates.append({"report_id": report_id, "reference": reference, "reason": by_language(reason)})
    return candidates


def shown_to(session: Session, reader: User, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates *reader* may read.

    Intake searches the whole establishment, whatever the queues, and keeps what it found with
    the report; each reader sees only the reports they could open (a pharmacovigilance
    correspondent does not learn the reference and lot of a haemovigilance case).
    """
    if not candidates:
        return []
    ids = {c["report_id"] for c in candidates}
    readable = {r.id for r in session.exec(select(Report).where(col(Report.id).in_(ids))) if may_read_report(reader, r)}
    return [c for c in candidates if c["report_id"] in readable]


@lru_cache(maxsize=8)
def _candidates_query(by_donation: bool, by_lot: bool, by_patient: bool) -> DirectStatement:
    """The search for one combination of known facts, built once: every intake runs one, and
    building the expression anew cost more than running it. It runs on the driver's cursor (see
    vigilance.storage.driver_cursor), inside intake's write transaction."""
    clauses = []
    if by_donation:
        clauses.append(col(Report.donation_number_normalised) == bindparam("donation_number"))
    if by_lot:
        clauses.append(col(Report.lot_number_normalised) == bindparam("lot_number"))
    if by_patient:
        clauses.append(
            and_(
                col(Report.patient_sex) == bindparam("sex"),
                col(Report.patient_birth_year) == bindparam("birth_year"),
                col(Report.patient_initials) == bindparam("initials"),
                col(Report.event_kind) == bindparam("event_kind"),
                col(Report.occurred_at).between(bindparam("earliest"), bindparam("latest")),
            )
        )
    return DirectStatement(
        select(
            Report.id,
            Report.reference,
            Report.donation_number_normalised,
            Report.lot_number_normalised,
            Report.occurred_at,
        )
        .where(col(Report.establishment_id) == bindparam("establishment_id"), or_(*clauses))
        .order_by(col(Report.id).desc())
        .limit(MAX_CANDIDATES)
    )
