"""Idempotency records: a retried request replays its first answer instead of acting twice."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    key: str = Field(max_length=200)
    #: SHA-256 of the canonical request: the same key with another body is refused.
    request_hash: str = Field(max_length=64)
    #: in_progress until the first request finishes, then done.
    state: str = Field(default="in_progress", max_length=12)
    response_status: int | None = None
    response_body: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(sa_type=UTCDateTime)
