"""Follow-up steps and information copies: what a case asks for after, and beside, its declaration."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class FollowupStep(SQLModel, table=True):
    """One dated check of a follow-up plan (rulebook ``[[followup]]``), held by a queue item.

    Its timer reminds whoever holds the item when it falls due; a correspondent marks it done
    with a note (audited).
    """

    __tablename__ = "followup_steps"
    __table_args__ = (UniqueConstraint("queue_item_id", "plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", index=True)
    #: The rulebook's plan (its id, kind and title as decided: a later rulebook does not rewrite them).
    plan_id: str = Field(max_length=64)
    plan_kind: str = Field(max_length=32)
    plan_title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: 1, 2, 3... within the plan, in date order.
    number: int
    #: "J+7", "A+3"... in French and English.
    label: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: What to check at this step, in French and English.
    check: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    legal_basis: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The plan ends when its item is closed (an investigation's), or runs its course (a long-term one).
    ends_with_item: bool = False
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: int | None = Field(default=None, foreign_key="users.id")
    note: str | None = Field(default=None, max_length=2_000)
    #: When the step stopped being asked for (its item closed or requalified away), if it did.
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<FollowupStep {self.id} {self.plan_id}#{self.number} due={self.due_at} done={self.done_at}>"


class InformationCopy(SQLModel, table=True):
    """A queue item that is another vigilance's copy of a report, for information only.

    A text makes one vigilance inform another (rulebook ``[[copy]]``): the copy has no
    declaration deadline of its own and points to the item it copies.
    """

    __tablename__ = "information_copies"

    id: int | None = Field(default=None, primary_key=True)
    #: The copy: an item of the receiving queue.
    queue_item_id: int = Field(foreign_key="queue_items.id", unique=True)
    #: The item of the queue that informs.
    original_item_id: int = Field(foreign_key="queue_items.id", index=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    rule_id: str = Field(max_length=64)
    explanation: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    legal_basis: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<InformationCopy {self.id} item={self.queue_item_id} of={self.original_item_id} {self.rule_id}>"
