"""The outbox: every email, written in the same transaction as the change that causes it."""

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: One effect, one key (deadline, stage, recipient...): the same email is never queued twice.
    dedupe_key: str = Field(max_length=200, unique=True)
    recipient_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    recipient_email: str = Field(max_length=254)
    language: str = Field(default="fr", max_length=2)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    #: pending, sent, failed (gave up: visible to admins, who may retry)
    state: str = Field(default="pending", max_length=8)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.dedupe_key} {self.state}>"
