"""Files attached to a report by its reporter, or to a queue item by its correspondents."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class Attachment(SQLModel, table=True):
    """One stored file: the row says what it is; the bytes are in the attachment store under
    ``storage_key`` (a random key, never the name the person gave)."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    #: Set when a correspondent attached it to their item (the investigation's documents);
    #: empty when the reporter attached it to the report.
    queue_item_id: int | None = Field(default=None, foreign_key="queue_items.id", index=True)
    #: The name the person gave, made safe to show and to offer as a download name.
    file_name: str = Field(max_length=255)
    #: The type read from the content (magic bytes), never the client's word or the name.
    media_type: str = Field(max_length=100)
    size: int
    #: SHA-256 of the bytes stored, in hex: recorded in the audit trail with the upload.
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=64, unique=True)
    description: str | None = Field(default=None, max_length=500)
    uploaded_by: int = Field(foreign_key="users.id")
    uploaded_at: datetime = Field(sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} report={self.report_id} item={self.queue_item_id} {self.media_type}>"
