"""A report as the API takes it, and the rows a filing leaves behind."""

from sqlalchemy import func, select

from vigilance.models import AuditEvent, Deadline, IdempotencyRecord, QueueItem, Report


def a_report(**overrides):
    body = {
        "event_kind": "recipient_adverse_reaction",
        "occurred_at": "2026-11-20T14:30:00+01:00",
        "product": {"name": "CGR phénotypé"},
        "description": "Frissons et hyperthermie à 39,5 °C 30 minutes après le début de la transfusion.",
        "serious": True,
        "severity_grade": 2,
        "patient": {"sex": "F", "birth_year": 1956, "initials": "MD"},
    }
    body.update(overrides)
    return body


def stored_rows(db):
    db.rollback()  # a fresh snapshot: see what the app committed since the last look
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model))
        for model in (Report, QueueItem, Deadline, AuditEvent, IdempotencyRecord)
    }
