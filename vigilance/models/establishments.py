"""Health establishments, identified by their FINESS number."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from vigilance.clock import utcnow
from vigilance.models.types import UTCDateTime


class Establishment(SQLModel, table=True):
    __tablename__ = "establishments"

    id: int | None = Field(default=None, primary_key=True)
    #: FINESS: the 9-character national identifier of health establishments.
    finess: str = Field(max_length=9, unique=True, index=True)
    name: str = Field(max_length=200)
    #: Holiday calendar of the place (routing.calendar.REGIONS): Alsace-Moselle and overseas differ.
    region: str = Field(default="metropole", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<Establishment {self.id} {self.finess}>"
