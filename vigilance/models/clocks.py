"""Timers: every moment a clock must act (a reminder stage, an escalation, a follow-up) is a row."""

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class Timer(SQLModel, table=True):
    """One effect due at one moment. Workers claim due rows; doing one and marking it done
    happen in one transaction, so a timer acts once however many workers run."""

    __tablename__ = "timers"
    __table_args__ = (
        # The workers' only question: what is due and not done? A partial index keeps it cheap
        # however many timers wait in the future or lie done in the past.
        # (due_at, id): the claim's exact order, so that many timers due at one moment (reports
        # received over a weekend) are claimed from the index, not sorted on every tick.
        Index(
            "ix_timers_pending_due",
            "due_at",
            "id",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: reminder, escalation, overdue_repeat, followup_due, information_reminder
    kind: str = Field(max_length=24)
    due_at: datetime = Field(sa_type=UTCDateTime)
    deadline_id: int | None = Field(default=None, foreign_key="deadlines.id", index=True)
    information_request_id: int | None = Field(default=None, foreign_key="information_requests.id", index=True)
    followup_step_id: int | None = Field(default=None, foreign_key="followup_steps.id", index=True)
    #: Which stage of its clock: "50%", "90%", "due", "day 3"...
    stage: str = Field(default="", max_length=16)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: done, cancelled (the workflow met the deadline first), skipped (nothing left to say)
    outcome: str | None = Field(default=None, max_length=12)

    def __repr__(self) -> str:
        return f"<Timer {self.id} {self.kind} {self.stage} due={self.due_at} done={self.done_at}>"
