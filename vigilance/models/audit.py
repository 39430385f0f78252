"""The audit trail: append-only, each entry chained to the previous one by a hash."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
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
    #: How ``hash`` was made: ``hmac-sha256`` under the audit key (vigilance.audit_keys), or
    #: ``sha256`` without a key for the events written before there was one (migration 0012).
    scheme: str = Field(default="hmac-sha256", max_length=16, sa_column_kwargs={"server_default": "sha256"})

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} report={self.report_id}>"


class AuditHead(SQLModel, table=True):
    """A chain's last hash and length, in one row per chain (``id`` is the chain's number)
    that appenders lock: a chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_hash: str = Field(max_length=64)
    count: int = Field(default=0)


class AuditSeal(SQLModel, table=True):
    """The audited state of one row of a covered table (reports, queue items, assessments,
    declarations, deadlines), as the service last wrote it: a MAC per field, and a MAC of the
    whole seal (``vigilance.audit_seals``). A row edited, deleted or inserted behind the
    service's back no longer matches its seal."""

    __tablename__ = "audit_seals"

    table_name: str = Field(max_length=32, primary_key=True)
    row_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    #: Field name to its MAC (truncated): says which field changed, without copying its value.
    fields: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    mac: str = Field(max_length=64)


class AuditPending(SQLModel, table=True):
    """Rows of the covered tables written in a transaction and not sealed yet: filled by
    triggers, whoever writes, and emptied by the service's write transaction as it seals them
    at commit. A row left here was written outside the service."""

    __tablename__ = "audit_pending"
    __table_args__ = (Index("ix_audit_pending_txn", "txn"),)

    id: int | None = Field(default=None, primary_key=True)
    table_name: str = Field(max_length=32)
    row_id: int
    #: PostgreSQL: the writing transaction's id (``txid_current()``); SQLite (one writer): none.
    txn: int | None = Field(default=None, sa_type=BigInteger)


class AuditCheckpoint(SQLModel, table=True):
    """A checkpoint of every chain's head written to a signed file outside the database.

    The row says that the day's checkpoint is taken (a second worker finds it there) and gives
    the weekly summary its digest; the file is what ``verify`` trusts.
    """

    __tablename__ = "audit_checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    #: The day of a scheduled checkpoint (one per day); none for one taken by hand.
    scheduled_on: date | None = Field(default=None, unique=True)
    taken_at: datetime = Field(sa_type=UTCDateTime)
    file_name: str = Field(max_length=200)
    #: SHA-256 of the file's signed content: what the weekly summary quotes.
    digest: str = Field(max_length=64)
    events: int = 0
