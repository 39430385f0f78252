"""The case file of a queue item: what its authority's declaration form asks, as data."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class CaseFileRecord(SQLModel, table=True):
    """One per queue item: the data of the item's declaration form (``vigilance.case_file``)."""

    __tablename__ = "case_files"

    id: int | None = Field(default=None, primary_key=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", unique=True)
    #: The form the data follows (``feir``, ``cerfa_10011``): its keys are that form's fields.
    form_id: str = Field(max_length=40)
    #: The form's fields by name, as JSON (dates as ISO texts; groups as lists of objects).
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Optimistic concurrency: 1 when opened, +1 on every change; a change names the version it
    #: was made from and is refused if another came first.
    version: int = Field(default=1)
    #: Who changed it last (the reporter when opened at filing; nobody when filled by migration).
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(sa_type=UTCDateTime)
