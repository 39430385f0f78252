"""Reports, their queue items and their deadlines, as decided at intake."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from vigilance.clock import utcnow
from vigilance.models.types import UTCDateTime

#: The urgency of an item with no dated deadline: after every dated one.
NOTHING_DUE = datetime(9999, 12, 31, tzinfo=UTC)
#: The urgency of a closed item (closed with an outcome, or requalified away): after every open
#: one, NOTHING_DUE included, so that a queue listing both shows all open work first. A sort key,
#: never a date to show; an hour after NOTHING_DUE and hours before the end of year 9999, so that
#: it still converts to any time zone.
CLOSED_URGENCY = datetime(9999, 12, 31, 1, tzinfo=UTC)


class ReportStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class ItemStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    AWAITING_INFORMATION = "awaiting_information"
    DECLARED = "declared"
    CLOSED = "closed"


#: Every status but closed: the item still asks for work.
OPEN_ITEM_STATUSES: tuple[str, ...] = tuple(s.value for s in ItemStatus if s is not ItemStatus.CLOSED)


class DeadlineState(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    WAIVED = "waived"


class ReferenceCounter(SQLModel, table=True):
    """The last reference number given in a year: the row lock makes numbers gapless and unique."""

    __tablename__ = "reference_counters"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = Field(default=0)


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    #: VIG-YYYY-NNNNNN, sequential within the year of receipt.
    reference: str = Field(max_length=20, unique=True, index=True)
    year: int
    sequence: int
    event_kind: str = Field(max_length=40)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    detected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    #: The product as the clinician typed it, and their questionnaire answers.
    product_name: str = Field(max_length=500)
    product_answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    lot_number: str | None = Field(default=None, max_length=64, index=True)
    donation_number: str | None = Field(default=None, max_length=64, index=True)
    #: The numbers as search and duplicate detection compare them (routing.identifiers): two
    #: spellings of one donation (spaces, case, bar-code reading or label) give the same value.
    lot_number_normalised: str | None = Field(default=None, max_length=64, index=True)
    donation_number_normalised: str | None = Field(default=None, max_length=64, index=True)
    #: The decision taken at intake, frozen: a later rulebook does not rewrite it silently.
    category: str = Field(max_length=40, index=True)
    queues: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rulebook_id: str = Field(max_length=64)
    decision: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Pseudonymous patient: sex (F, M, U), birth year, initials. Never a name or a NIR.
    patient_sex: str | None = Field(default=None, max_length=1)
    patient_birth_year: int | None = None
    patient_initials: str | None = Field(default=None, max_length=3)
    #: A length on both databases: what the door accepts is read from here (app/api/fields.py).
    description: str = Field(max_length=10_000)
    serious: bool
    #: The reaction was unexpected (None: not said). Biovigilance and AMP vigilance declare an
    #: unexpected reaction even when it is not serious (CSP R.1211-30, R.2142-47 3°).
    unexpected: bool | None = None
    #: The reporter's estimate (1 to 4); correspondents assess on their own scale later.
    severity_grade: int | None = None
    reporter_id: int = Field(foreign_key="users.id", index=True)
    #: How to reach the reporter about this case (optional): their unit and a telephone number.
    #: The reporter's own contact, never the patient's.
    reporter_unit: str | None = Field(default=None, max_length=120)
    reporter_phone: str | None = Field(default=None, max_length=30)
    establishment_id: int = Field(foreign_key="establishments.id", index=True)
    #: Earlier reports that look like the same event, flagged at intake with the reason.
    possible_duplicates: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=ReportStatus.RECEIVED, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.reference} {self.category}>"


class ReportProduct(SQLModel, table=True):
    """One product of a report, in the order given (a name holding several stored as several).

    The report's own ``product_name`` keeps every name joined, for the lists, emails and search
    that show one line; this table keeps each product with its answers and how it was qualified.
    """

    __tablename__ = "report_products"
    __table_args__ = (UniqueConstraint("report_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    #: 0 for the first product given.
    position: int
    name: str = Field(max_length=500)
    #: The questionnaire's answers given for this product (as ``Report.product_answers``).
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: How the rules (or a person) qualified it: its category, and by what (catalogue entry).
    category: str = Field(max_length=40)
    matched_by: str | None = Field(default=None, max_length=20)
    entry_id: str | None = Field(default=None, max_length=80)
    #: The principal product: the report's category is its category.
    is_principal: bool = False

    def __repr__(self) -> str:
        return f"<ReportProduct {self.report_id}#{self.position} {self.category}>"


class QueueItem(SQLModel, table=True):
    """A report's place in one vigilance system's queue."""

    __tablename__ = "queue_items"
    __table_args__ = (
        UniqueConstraint("report_id", "queue"),
        # The queue page: one establishment's queue in its exact order (most urgent first,
        # serious first among equals, then by id), so that a page, however deep, starts at its
        # cursor in the index: ``(urgency_at, NOT serious, id) > cursor`` is one index range.
        Index("ix_queue_items_by_urgency", "queue", "establishment_id", "urgency_at", text("(NOT serious)"), "id"),
        # Filters on the status (and reports' items by status).
        Index("ix_queue_items_queue_establishment_status", "queue", "establishment_id", "status"),
        # What arrived in a period: digests, summaries, activity reports, the dashboard.
        Index("ix_queue_items_establishment_created", "establishment_id", "created_at"),
        # What falls due in an establishment, counted per queue and holder for the digests
        # from the index alone (no visit to each item's row).
        Index("ix_queue_items_establishment_due", "establishment_id", "urgency_at", "queue", "status", "assignee_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    queue: str = Field(max_length=20)
    establishment_id: int = Field(foreign_key="establishments.id")
    status: str = Field(default=ItemStatus.NEW, max_length=24)
    assignee_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    serious: bool = False
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The sort key of the queue: next_due_at, or NOTHING_DUE when no deadline is dated, or
    #: CLOSED_URGENCY once closed (``vigilance.triage.refresh_next_due`` keeps it).
    urgency_at: datetime = Field(default=NOTHING_DUE, sa_type=UTCDateTime)
    #: Optimistic concurrency: every change increments it.
    version: int = Field(default=1)
    #: How it ended (closed) or why it was closed without an outcome (requalified elsewhere).
    outcome: str | None = Field(default=None, max_length=40)
    closing_note: str | None = Field(default=None, max_length=5_000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<QueueItem {self.id} {self.queue} report={self.report_id} {self.status}>"


#: Each (queue, establishment, status) count is kept in this many rows, the item's id choosing
#: one: concurrent changes to different items seldom wait for the same row.
COUNT_SLOTS = 16


class QueueStatusCount(SQLModel, table=True):
    """How many items of one queue and establishment are in one status (one slot of the count).

    Kept in the same transaction as every change of an item's status (``vigilance.storage.status_counts``, by trigger),
    so that a queue page reads a handful of rows instead of counting the whole queue.
    """

    __tablename__ = "queue_status_counts"

    queue: str = Field(max_length=20, primary_key=True)
    establishment_id: int = Field(foreign_key="establishments.id", primary_key=True)
    status: str = Field(max_length=24, primary_key=True)
    slot: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    count: int = Field(default=0)


class Deadline(SQLModel, table=True):
    """A regulatory clock, dated at intake from the rulebook's policy."""

    __tablename__ = "deadlines"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    queue_item_id: int = Field(foreign_key="queue_items.id", index=True)
    queue: str = Field(max_length=20)
    kind: str = Field(max_length=24)
    rule_id: str = Field(max_length=64)
    description: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    unit: str = Field(max_length=20)
    without_delay: bool = False
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    state: str = Field(default=DeadlineState.OPEN, max_length=10)
    #: When the workflow met it (declaration recorded, item closed), or why it was waived.
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    waiver_reason: str | None = Field(default=None, max_length=500)
    legal_basis: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    def __repr__(self) -> str:
        return f"<Deadline {self.id} {self.queue}/{self.kind} due={self.due_at} {self.state}>"
