"""Summary runs: one row per kind of summary, period and establishment, once it was queued."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class SummaryRun(SQLModel, table=True):
    """A period's summaries for one establishment were queued.

    The row is inserted first, in the transaction that queues the emails: a second worker's
    insert waits on it and then finds it taken, so a period is summarised once; a worker killed
    before committing leaves no row, and the next one does the period.
    """

    __tablename__ = "summary_runs"
    __table_args__ = (UniqueConstraint("period", "period_start", "establishment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    #: daily, weekly, monthly
    period: str = Field(max_length=8)
    #: The first day the period covers (daily: the day the digest is sent for).
    period_start: date
    establishment_id: int = Field(foreign_key="establishments.id")
    queued: int = Field(default=0)
    queued_at: datetime = Field(sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<SummaryRun {self.period} {self.period_start} establishment={self.establishment_id}>"
