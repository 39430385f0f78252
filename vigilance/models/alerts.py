"""Alerts: what a person is told the moment it happens, seen in the service (read or not)."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (
        # The navigation's count: a person's unread alerts.
        Index("ix_alerts_user_read", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: One alert per effect (kind, item or question, person): raising it again is a no-op.
    dedupe_key: str = Field(max_length=200, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    #: vigilance.alerts.AlertKind: serious_report, urgent_deadline, death, question.
    kind: str = Field(max_length=24)
    report_id: int = Field(foreign_key="reports.id", index=True)
    queue_item_id: int | None = Field(default=None, foreign_key="queue_items.id")
    information_request_id: int | None = Field(default=None, foreign_key="information_requests.id")
    #: Where the alert leads, relative to the service's address (/queue-items/7, /reports/3).
    path: str = Field(max_length=200)
    #: Whether an email was queued too (mandatory, or the person chose it).
    emailed: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlertEmailChoice(SQLModel, table=True):
    """Whether a person also receives one kind of optional alert by email (no row: yes).

    A table of its own rather than columns of ``users``: choices are few and the accounts table
    stays as every earlier release wrote it.
    """

    __tablename__ = "alert_email_choices"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    kind: str = Field(max_length=24, primary_key=True)
    by_email: bool = True
