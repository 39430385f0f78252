"""An item's file: everything a correspondent needs to work it, read once for every door.

The API's ``GET /queue-items/<id>`` and the item page show the same file; they read it here,
so they cannot drift apart in what they show, in how they order it, or in who may open it
(``open_item``).
"""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from vigilance import attachments as attachments_of
from vigilance.access import may_read_item, may_see_link_to
from vigilance.copies import copies_of_report, offered_copies
from vigilance.duplicates import shown_to
from vigilance.errors import NotFound
from vigilance.followups import steps_of_items
from vigilance.i18n import translatable
from vigilance.models import (
    Assessment,
    Attachment,
    AuditEvent,
    Deadline,
    Declaration,
    FollowupStep,
    InformationCopy,
    InformationRequest,
    QueueItem,
    Report,
    ReportLink,
    User,
)
from vigilance.triage import links_of, load_item, rulebook_of

#: The same words as for an item that does not exist: a refusal reveals nothing.
_NO_ITEM = translatable("Élément introuvable.")


@dataclass(frozen=True)
class ItemFile:
    item: QueueItem
    report: Report
    #: The report's deadlines, of every queue, in order of creation (see ``item_deadlines``).
    deadlines: list[Deadline]
    #: Newest version first.
    assessments: list[Assessment]
    questions: list[InformationRequest]
    declarations: list[Declaration]
    #: The report's history, reads left out (they are audited, not part of the case).
    history: list[AuditEvent]
    #: Earlier reports that may be the same event, those the reader may read only.
    possible_duplicates: list[dict]
    #: The report's links to reports the reader may read.
    links: list[ReportLink]
    #: The people the file names: the holder, the assessors, the authors of the history, the reporter.
    people: dict[int, User]
    #: The linked reports shown, by id (their reference and queues, never their content).
    linked: dict[int, Report]
    #: The steps of the item's follow-up plans, by plan and date.
    followup_steps: list[FollowupStep]
    #: When the item is an information copy: what it copies, from which queue, on which basis.
    copy_of: "CopyLink | None"
    #: The information copies this item sent to other queues.
    copies_sent: list["CopyLink"]
    #: The copies a text lets the item's correspondent send, to queues that do not have the report yet.
    copies_offered: list
    #: The files attached to the report by its reporter, and to its items the reader may open
    #: (this one's included), oldest first; their uploaders are in ``people``.
    attachments: list[Attachment]

    @property
    def item_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.queue_item_id == self.item.id]

    @property
    def latest_assessment(self) -> Assessment | None:
        return self.assessments[0] if self.assessments else None

    @property
    def holder(self) -> User | None:
        return self.people.get(self.item.assignee_id) if self.item.assignee_id else None

    @property
    def reporter(self) -> "ReporterContact":
        """Who reported, and how to reach them about the case."""
        account = self.people.get(self.report.reporter_id)
        return ReporterContact(
            name=account.name if account else "",
            email=account.email if account else "",
            unit=self.report.reporter_unit,
            phone=self.report.reporter_phone,
        )

    @property
    def open_questions(self) -> list[InformationRequest]:
        """The questions still waiting for the reporter: closing the item withdraws them."""
        return [q for q in self.questions if q.answered_at is None and q.withdrawn_at is None]


@dataclass(frozen=True)
class CopyLink:
    """One end of an information copy seen from the other: the item, its queue, the basis."""

    copy: InformationCopy
    item_id: int
    queue: str


@dataclass(frozen=True)
class ReporterContact:
    """The reporter as their account and their report name them: never anything of the patient."""

    name: str
    email: str
    unit: str | None
    phone: str | None


def _linked_to(event: AuditEvent) -> int | None:
    """The other report of a link's event, ``None`` for any other event."""
    return event.after.get("linked_to") if event.target == "link" and isinstance(event.after, dict) else None


def open_item(session: Session, item_id: int, reader: User) -> QueueItem:
    """The item, if *reader* may open its file (see ``may_read_item``); else :class:`NotFound`,
    as for an item that does not exist. Doors call it before recording the read."""
    item = load_item(session, item_id, reader)
    report = session.get(Report, item.report_id)
    if not may_read_item(reader, item, report):
        raise NotFound(_NO_ITEM)
    return item


def item_file(session: Session, item: QueueItem, reader: User) -> ItemFile:
    """The file of *item* (opened by ``open_item``, or just worked by *reader*) as *reader* sees it."""
    report = session.get(Report, item.report_id)
    deadlines = list(session.exec(select(Deadline).where(Deadline.report_id == report.id).order_by(Deadline.id)))
    assessments = list(
        session.exec(
            select(Assessment).where(Assessment.queue_item_id == item.id).order_by(col(Assessment.version).desc())
        )
    )
    questions = list(
        session.exec(
            select(InformationRequest)
            .where(InformationRequest.queue_item_id == item.id)
            .order_by(InformationRequest.id)
        )
    )
    declarations = list(
        session.exec(select(Declaration).where(Declaration.queue_item_id == item.id).order_by(Declaration.id))
    )
    history = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.report_id == report.id, AuditEvent.action != "read")
            .order_by(AuditEvent.id)
        )
    )
    links = links_of(session, report.id)
    linked: dict[int, Report] = {}
    if links:
        # A link names another report, and its reason may quote that report's lot or patient:
        # shown only to whoever may read that report, or works a queue of the same establishment
        # (a link between two vigilances' reports is seen by the correspondents of both), in
        # the list and in the history alike.
        others = {link.other(report.id) for link in links}
        linked = {
            r.id: r
            for r in session.exec(select(Report).where(col(Report.id).in_(others)))
            if may_see_link_to(reader, r)
        }
        links = [link for link in links if link.other(report.id) in linked]
        history = [h for h in history if _linked_to(h) in set(linked) | {None}]
    steps = steps_of_items(session, [item.id])
    copy_of, copies_sent = None, []
    report_copies = copies_of_report(session, report.id)
    if report_copies:
        queues = dict(
            session.exec(
                select(QueueItem.id, QueueItem.queue).where(
                    col(QueueItem.id).in_(
                        {c.original_item_id for c in report_copies} | {c.queue_item_id for c in report_copies}
                    )
                )
            ).all()
        )
        for copy in report_copies:
            if copy.queue_item_id == item.id:
                copy_of = CopyLink(copy, copy.original_item_id, queues[copy.original_item_id])
            elif copy.original_item_id == item.id:
                copies_sent.append(CopyLink(copy, copy.queue_item_id, queues[copy.queue_item_id]))
    attachments = attachments_of.shown_to(session, reader, report)
    named = (
        {item.assignee_id, report.reporter_id}
        | {a.assessed_by for a in assessments}
        | {h.actor_id for h in history}
        | {s.done_by for s in steps}
        | {a.uploaded_by for a in attachments}
    )
    named = {i for i in named if i}
    people = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(named)))} if named else {}
    return ItemFile(
        item=item,
        report=report,
        deadlines=deadlines,
        assessments=assessments,
        questions=questions,
        declarations=declarations,
        history=history,
        possible_duplicates=shown_to(session, reader, report.possible_duplicates),
        links=links,
        people=people,
        linked=linked,
        followup_steps=steps,
        copy_of=copy_of,
        copies_sent=copies_sent,
        copies_offered=_offered(session, item, report),
        attachments=attachments,
    )


def _offered(session: Session, item: QueueItem, report: Report) -> list:
    held = set(session.exec(select(QueueItem.queue).where(QueueItem.report_id == report.id)).all())
    return [
        rule
        for rule in offered_copies(
            rulebook_of(report).copies, category=report.category, event_kind=report.event_kind, queue=item.queue
        )
        if rule.target.value not in held
    ]
