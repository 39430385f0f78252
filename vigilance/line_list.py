"""The line list of a queue's cases, for the establishment: one line per queue item (a report in
two vigilances is two cases, each with its own status, deadlines and declaration), every item the
queue page's filters find, not one page of them.

The rows are those of ``vigilance.queues.list_items`` (the same scope, filters and order as the
queue page and the API's list, so the export holds exactly what the reader may list), read a
keyset page at a time; what a list row does not carry (the date of the event, the products, the
assessed grade, the declarations) is read per page in a few queries, never per row.

The CSV is written by ``vigilance.spreadsheets`` (French spreadsheets by default, no formula
that would run); the JSON by the doors, from :func:`line_document`.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from vigilance import i18n, report_products
from vigilance.models import Assessment, Deadline, Declaration, QueueItem, Report, User
from vigilance.queues import QueueFilter, list_items

#: Items read per query: the export of a queue of 10,000 items is 20 rounds.
BATCH = 500


@dataclass(frozen=True)
class Declared:
    authority: str
    authority_reference: str
    declared_at: datetime


@dataclass(frozen=True)
class CaseLine:
    item_id: int
    report_id: int
    reference: str
    received_at: datetime
    occurred_at: datetime
    queue: str
    category: str
    products: tuple[str, ...]
    serious: bool
    #: The latest assessment's grade, else the reporter's estimate, else none.
    severity_grade: int | None
    status: str
    assignee: str | None
    #: The item's earliest open dated deadline, else its last settled one, else none.
    deadline_due_at: datetime | None
    #: ``open``, ``overdue`` (open and past due), ``met``, ``missed`` or ``waived``; none without a deadline.
    deadline_state: str | None
    declarations: tuple[Declared, ...]


def line_list(session: Session, *, queue: str, actor: User, filters: QueueFilter, now: datetime) -> list[CaseLine]:
    """Every item of *queue* that *actor* may list and *filters* find, most urgent first.

    :raises NotFound: *actor* does not work *queue* (as the queue's list).
    """
    lines: list[CaseLine] = []
    after = None
    while True:
        page = list_items(session, queue=queue, actor=actor, filters=filters, after=after, limit=BATCH, now=now)
        lines.extend(_lines(session, page.rows, page.deadlines, now))
        if page.next is None:
            return lines
        after = page.next


def _lines(session: Session, rows: list[tuple[QueueItem, Report]], next_due: dict[int, Deadline], now: datetime):
    if not rows:
        return []
    item_ids = [item.id for item, _ in rows]
    report_ids = list({report.id for _, report in rows})
    # What the list rows do not load (load_only): read once for the page.
    extra = {
        row.id: row
        for row in session.exec(
            select(Report.id, Report.occurred_at, Report.severity_grade).where(col(Report.id).in_(report_ids))
        )
    }
    products = report_products.products_of(session, report_ids)
    grades: dict[int, tuple[int, int | None]] = {}
    for item_id, version, grade in session.exec(
        select(Assessment.queue_item_id, Assessment.version, Assessment.severity_grade).where(
            col(Assessment.queue_item_id).in_(item_ids)
        )
    ):
        if item_id not in grades or version > grades[item_id][0]:
            grades[item_id] = (version, grade)
    settled: dict[int, Deadline] = {}
    for deadline in session.exec(
        select(Deadline)
        .where(col(Deadline.queue_item_id).in_(item_ids), col(Deadline.settled_at).is_not(None))
        .order_by(col(Deadline.settled_at), col(Deadline.id))
    ):
        settled[deadline.queue_item_id] = deadline  # the last settled one wins
    declared: dict[int, list[Declared]] = {}
    for d in session.exec(
        select(Declaration).where(col(Declaration.queue_item_id).in_(item_ids)).order_by(col(Declaration.id))
    ):
        declared.setdefault(d.queue_item_id, []).append(Declared(d.authority, d.authority_reference, d.declared_at))
    holders = {item.assignee_id for item, _ in rows if item.assignee_id}
    people = {u.id: u.label for u in session.exec(select(User).where(col(User.id).in_(holders)))} if holders else {}
    lines = []
    for item, report in rows:
        report_extra = extra[report.id]
        grade = grades.get(item.id, (0, None))[1] or report_extra.severity_grade
        due, state = _deadline(next_due.get(item.id), settled.get(item.id), now)
        lines.append(
            CaseLine(
                item_id=item.id,
                report_id=report.id,
                reference=report.reference,
                received_at=report.received_at,
                occurred_at=report_extra.occurred_at,
                queue=item.queue,
                category=report.category,
                products=tuple(p.name for p in products.get(report.id, ())) or (report.product_name,),
                serious=item.serious,
                severity_grade=grade,
                status=item.status,
                assignee=people.get(item.assignee_id) if item.assignee_id else None,
                deadline_due_at=due,
                deadline_state=state,
                declarations=tuple(declared.get(item.id, ())),
            )
        )
    return lines


def _deadline(open_one: Deadline | None, settled: Deadline | None, now: datetime):
    if open_one is not None and open_one.due_at is not None:
        return open_one.due_at, "overdue" if open_one.due_at <= now else "open"
    if settled is not None:
        return settled.due_at, settled.state
    return None, None


def line_document(line: CaseLine) -> dict:
    """One line as the JSON export gives it: codes, not words; moments in ISO 8601 (UTC)."""
    return {
        "item_id": line.item_id,
        "report_id": line.report_id,
        "reference": line.reference,
        "received_at": line.received_at.isoformat(),
        "occurred_at": line.occurred_at.isoformat(),
        "queue": line.queue,
        "category": line.category,
        "products": list(line.products),
        "serious": line.serious,
        "severity_grade": line.severity_grade,
        "status": line.status,
        "assignee": line.assignee,
        "deadline": {
            "due_at": line.deadline_due_at.isoformat() if line.deadline_due_at else None,
            "state": line.deadline_state,
        }
        if line.deadline_state
        else None,
        "declarations": [
            {
                "authority": d.authority,
                "authority_reference": d.authority_reference,
                "declared_at": d.declared_at.isoformat(),
            }
            for d in line.declarations
        ],
    }


def list_document(queue: str, lines: list[CaseLine], now: datetime) -> dict:
    """The JSON export: the queue, when it was made, how many lines, and the lines."""
    return {
        "queue": queue,
        "generated_at": now.isoformat(),
        "count": len(lines),
        "items": [line_document(line) for line in lines],
    }


def file_stem(queue: str, now: datetime) -> str:
    return f"vigilance-cas-{queue}-{i18n.format_moment(now, 'fr', 'yyyyMMdd-HHmm')}"
