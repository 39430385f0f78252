"""Drafts of the report form: what a clinician typed and has not filed yet, kept on the server."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class ReportDraft(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (
        # One draft per form shown: saving the same form again updates it.
        UniqueConstraint("owner_id", "form_token"),
        # The retention purge looks for the oldest.
        Index("ix_drafts_updated_at", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    #: The form's one-time submission key: filing the form removes its draft.
    form_token: str = Field(max_length=64)
    #: The form's fields as typed (names as in the report form), text only.
    fields: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
