"""What the audit trail records of a report: its fields, as plain JSON values."""

from typing import Any

from vigilance.models import Report

_AUDITED_FIELDS = (
    "reference",
    "event_kind",
    "occurred_at",
    "detected_at",
    "received_at",
    "product_name",
    "product_answers",
    "lot_number",
    "donation_number",
    "category",
    "queues",
    "rulebook_id",
    "patient_sex",
    "patient_birth_year",
    "patient_initials",
    "description",
    "serious",
    "unexpected",
    "severity_grade",
    "reporter_id",
    "reporter_unit",
    "reporter_phone",
    "establishment_id",
    "status",
)


def report_snapshot(report: Report) -> dict[str, Any]:
    snapshot = {}
    for name in _AUDITED_FIELDS:
        value = getattr(report, name)
        snapshot[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return snapshot
