"""What correspondents record while they work an item: assessments, questions, declarations, links."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class Assessment(SQLModel, table=True):
    """One version of a correspondent's assessment of an item; the latest is in force."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("queue_item_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", index=True)
    #: 1, 2, 3...: an edit names the version it was made from, so a stale one is refused.
    version: int
    severity_grade: int | None = None
    #: The imputability level on the queue's scale, and that scale's identifier and version.
    imputability: str | None = Field(default=None, max_length=24)
    imputability_scale: str = Field(max_length=40)
    seriousness_criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reaction_type: str | None = Field(default=None, max_length=64)
    investigation_status: str | None = Field(default=None, max_length=24)
    comment: str = Field(default="", max_length=5_000)
    assessed_by: int = Field(foreign_key="users.id")
    assessed_at: datetime = Field(sa_type=UTCDateTime)


class InformationRequest(SQLModel, table=True):
    """A correspondent's question to the reporter, and the answer."""

    __tablename__ = "information_requests"
    __table_args__ = (
        # A correspondent's questions still waiting for an answer (the daily digest).
        Index(
            "ix_information_requests_unanswered",
            "asked_by",
            postgresql_where=text("answered_at IS NULL"),
            sqlite_where=text("answered_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", index=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    question: str = Field(max_length=5_000)
    asked_by: int = Field(foreign_key="users.id")
    asked_at: datetime = Field(sa_type=UTCDateTime)
    answer: str | None = Field(default=None, max_length=5_000)
    answered_by: int | None = Field(default=None, foreign_key="users.id")
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Withdrawn unanswered when its item was closed: no longer awaited, no longer answerable.
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Declaration(SQLModel, table=True):
    """A declaration made to an authority (e-FIT, ABM, CRPV, ANSM), initial or follow-up."""

    __tablename__ = "declarations"

    id: int | None = Field(default=None, primary_key=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", index=True)
    authority: str = Field(max_length=40)
    #: The authority's own number (e-FIT, ABM, CRPV case number...).
    authority_reference: str = Field(max_length=64)
    #: When the declaration was made (not recorded): what its deadline is compared with.
    declared_at: datetime = Field(sa_type=UTCDateTime)
    #: The day of ``declared_at`` in France, as the API first gave it.
    declared_on: date
    kind: str = Field(default="initial", max_length=12)
    recorded_by: int = Field(foreign_key="users.id")
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    #: The generated document sent (an E2B message, a form), one of the item's own.
    document_id: int | None = Field(default=None, foreign_key="generated_documents.id")


class ReportLink(SQLModel, table=True):
    """Two reports about the same event or product, linked by a correspondent."""

    __tablename__ = "report_links"
    __table_args__ = (UniqueConstraint("report_id", "other_report_id"),)

    id: int | None = Field(default=None, primary_key=True)
    #: The smaller id first, so that a pair is stored once.
    report_id: int = Field(foreign_key="reports.id", index=True)
    other_report_id: int = Field(foreign_key="reports.id", index=True)
    reason: str = Field(max_length=500)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_type=UTCDateTime)

    def other(self, report_id: int) -> int:
        return self.other_report_id if self.report_id == report_id else self.report_id
