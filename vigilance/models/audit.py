"""The audit trail: append-only, each entry chained to the previous one by a hash."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    #: Kept as text too: the trail must still say who it was if the account goes.
    actor_label: str = Field(max_length=254)
    #: create, read, update, export, ...
    action: str = Field(max_length=32)
    report_id: int | None = Field(default=None, foreign_key="reports.id", index=True)
    target: str = Field(default="", max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    #: Which chain the event extends (``vigilance.audit.chain_of``: the report's id decides).
    chain: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} report={self.report_id}>"


class AuditHead(SQLModel, table=True):
    """A chain's last hash and length, in one row per chain (``id`` is the chain's number)
    that appenders lock: a chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_hash: str = Field(max_length=64)
    count: int = Field(default=0)
