"""Documents the service generated from a case (E2B messages, declaration forms...), each version kept."""

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class GeneratedDocument(SQLModel, table=True):
    """One version of a document generated for an item (or a report), as it was produced.

    The bytes are kept in the database: these documents are small (an E2B message is a few
    kilobytes, a pre-filled form well under a megabyte), they belong to the case as much as its
    rows do (same transaction, same backups, same access checks), and what was sent to an
    authority must stay exactly reproducible without a second store to keep consistent.
    """

    __tablename__ = "generated_documents"
    __table_args__ = (UniqueConstraint("report_id", "queue_item_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    #: The item it was generated for; ``None`` for a document of the whole report (a FHIR bundle).
    queue_item_id: int | None = Field(default=None, foreign_key="queue_items.id", index=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    #: ``e2b_icsr``, ``declaration_pdf``, ``case_sheet_pdf``, ``fhir_bundle``...
    kind: str = Field(max_length=32)
    #: 1, 2, 3... per item (or report) and kind: a new version only when the content changed.
    version: int
    media_type: str = Field(max_length=80)
    sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    #: E2B: the batch number (N.1.2), unique per message sent.
    message_id: str | None = Field(default=None, max_length=100)
    #: E2B: the sender's safety report unique identifier (C.1.1), the same for every version.
    safety_report_id: str | None = Field(default=None, max_length=100)
    #: E2B: the worldwide unique case identification number (C.1.8.1), the same for every version.
    worldwide_case_id: str | None = Field(default=None, max_length=100)
    #: E2B: ``initial``, ``follow_up`` or ``nullification``.
    message_kind: str | None = Field(default=None, max_length=20)

    def __repr__(self) -> str:
        return f"<GeneratedDocument {self.id} {self.kind} v{self.version} item={self.queue_item_id}>"
