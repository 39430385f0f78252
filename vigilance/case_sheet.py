"""The case sheet: an item's complete file, for the establishment's records, as a PDF.

Two steps, so that a document can be made again from what it was made of:

- :func:`read_case_sheet` reads the file as its reader sees it (``vigilance.item_file``, the
  same file the item page and the API show, with the same attachments and links left out) into
  a :class:`CaseSheet`: plain frozen values (codes, texts, UTC moments), no rows, no session;
- :func:`render` lays a :class:`CaseSheet` out in a language (``templates/documents/case_sheet.html``)
  and returns the PDF's bytes (``vigilance.printing``).

Patients appear as the report holds them: pseudonymous (sex, birth year, initials).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from vigilance import i18n, printing, report_products
from vigilance.item_file import ItemFile, item_file
from vigilance.models import Establishment, QueueItem, User

TEMPLATE = "case_sheet.html"
TITLE = i18n.translatable("Fiche de cas")
#: How many hex digits of an attachment's SHA-256 the sheet prints (enough to tell files apart
#: and to compare with the file at hand; the whole is in the audit trail).
SHA256_SHOWN = 16


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    principal: bool = False


@dataclass(frozen=True)
class Reporter:
    name: str
    email: str
    unit: str | None
    phone: str | None


@dataclass(frozen=True)
class AssessmentVersion:
    version: int
    assessed_at: datetime
    assessed_by: str
    severity_grade: int | None
    imputability: str | None
    reaction_type: str | None
    investigation_status: str | None
    seriousness_criteria: tuple[str, ...]
    comment: str


@dataclass(frozen=True)
class DeadlineLine:
    #: In French and English, as the rulebook words it.
    description: dict[str, str]
    due_at: datetime | None
    #: ``open``, ``met``, ``missed`` or ``waived``.
    state: str
    settled_at: datetime | None
    waiver_reason: str | None
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class DeclarationLine:
    authority: str
    authority_reference: str
    declared_at: datetime
    kind: str


@dataclass(frozen=True)
class Relation:
    """A copy sent or received, or a linked report: what it points to, and why."""

    queue: str | None
    target: str
    why: dict[str, str] | str
    legal_basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowupLine:
    plan_title: dict[str, str]
    label: dict[str, str]
    check: dict[str, str]
    due_at: datetime
    done_at: datetime | None
    note: str | None
    cancelled_at: datetime | None


@dataclass(frozen=True)
class AttachmentLine:
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    description: str | None
    #: Attached by the reporter to the report, else by a correspondent to an item.
    to_report: bool

    @property
    def sha256_short(self) -> str:
        return self.sha256[:SHA256_SHOWN]


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    action: str
    target: str
    who: str


@dataclass(frozen=True)
class CaseSheet:
    """Everything the sheet prints, as plain values: rendering reads nothing else."""

    establishment: str
    finess: str | None
    generated_at: datetime
    reference: str
    item_id: int
    queue: str
    status: str
    outcome: str | None
    closing_note: str | None
    closed_at: datetime | None
    holder: str | None
    serious: bool
    event_kind: str
    occurred_at: datetime
    detected_at: datetime | None
    received_at: datetime
    category: str
    products: tuple[Product, ...]
    lot_number: str | None
    donation_number: str | None
    patient_sex: str | None
    patient_birth_year: int | None
    patient_initials: str | None
    severity_grade: int | None
    description: str
    reporter: Reporter
    #: The authority the item's vigilance declares to, in French and English, if the decision names one.
    recipient: dict[str, str] | None
    assessments: tuple[AssessmentVersion, ...]
    deadlines: tuple[DeadlineLine, ...]
    questions: tuple[Question, ...]
    declarations: tuple[DeclarationLine, ...]
    copy_of: Relation | None
    copies_sent: tuple[Relation, ...]
    links: tuple[Relation, ...]
    followup: tuple[FollowupLine, ...]
    attachments: tuple[AttachmentLine, ...]
    history: tuple[HistoryLine, ...]


def _who(people: dict[int, User], user_id: int | None) -> str:
    person = people.get(user_id) if user_id else None
    return person.label if person else ""


def sheet_of(file: ItemFile, *, establishment: Establishment | None, products, now: datetime) -> CaseSheet:
    """The sheet of an item's *file* (as ``item_file`` read it for its reader), made at *now*."""
    item, report, people = file.item, file.report, file.people
    recipients = (report.decision or {}).get("recipients") or {}
    return CaseSheet(
        establishment=establishment.name if establishment else "",
        finess=establishment.finess if establishment else None,
        generated_at=now,
        reference=report.reference,
        item_id=item.id,
        queue=item.queue,
        status=item.status,
        outcome=item.outcome,
        closing_note=item.closing_note,
        closed_at=item.closed_at,
        holder=file.holder.label if file.holder else None,
        serious=report.serious,
        event_kind=report.event_kind,
        occurred_at=report.occurred_at,
        detected_at=report.detected_at,
        received_at=report.received_at,
        category=report.category,
        products=tuple(Product(p.name, p.category, p.is_principal) for p in products)
        or (Product(report.product_name, report.category, True),),
        lot_number=report.lot_number,
        donation_number=report.donation_number,
        patient_sex=report.patient_sex,
        patient_birth_year=report.patient_birth_year,
        patient_initials=report.patient_initials,
        severity_grade=report.severity_grade,
        description=report.description,
        reporter=Reporter(**vars(file.reporter)),
        recipient=recipients.get(item.queue),
        assessments=tuple(
            AssessmentVersion(
                version=a.version,
                assessed_at=a.assessed_at,
                assessed_by=_who(people, a.assessed_by),
                severity_grade=a.severity_grade,
                imputability=a.imputability,
                reaction_type=a.reaction_type,
                investigation_status=a.investigation_status,
                seriousness_criteria=tuple(a.seriousness_criteria or ()),
                comment=a.comment,
            )
            for a in file.assessments
        ),
        deadlines=tuple(
            DeadlineLine(d.description, d.due_at, d.state, d.settled_at, d.waiver_reason, tuple(d.legal_basis or ()))
            for d in file.item_deadlines
        ),
        questions=tuple(
            Question(q.question, q.asked_at, q.answer, q.answered_at, q.withdrawn_at) for q in file.questions
        ),
        declarations=tuple(
            DeclarationLine(d.authority, d.authority_reference, d.declared_at, d.kind) for d in file.declarations
        ),
        copy_of=Relation(
            file.copy_of.queue,
            str(file.copy_of.item_id),
            file.copy_of.copy.explanation,
            tuple(file.copy_of.copy.legal_basis),
        )
        if file.copy_of
        else None,
        copies_sent=tuple(
            Relation(c.queue, str(c.item_id), c.copy.explanation, tuple(c.copy.legal_basis)) for c in file.copies_sent
        ),
        links=tuple(
            Relation(
                None,
                other.reference if (other := file.linked.get(link.other(report.id))) else str(link.other(report.id)),
                link.reason,
            )
            for link in file.links
        ),
        followup=tuple(
            FollowupLine(s.plan_title, s.label, s.check, s.due_at, s.done_at, s.note, s.cancelled_at)
            for s in file.followup_steps
        ),
        attachments=tuple(
            AttachmentLine(
                file_name=a.file_name,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
                uploaded_by=_who(people, a.uploaded_by),
                uploaded_at=a.uploaded_at,
                description=a.description,
                to_report=a.queue_item_id is None,
            )
            for a in file.attachments
        ),
        history=tuple(HistoryLine(h.occurred_at, h.action, h.target, h.actor_label or "") for h in file.history),
    )


def read_case_sheet(session: Session, item: QueueItem, reader: User, *, now: datetime) -> CaseSheet:
    """The sheet of *item* as *reader* may see it (the caller opened it with ``item_file.open_item``
    and records the read)."""
    file = item_file(session, item, reader)
    products = report_products.products_of(session, [file.report.id])[file.report.id]
    return sheet_of(file, establishment=session.get(Establishment, item.establishment_id), products=products, now=now)


def title(language: str) -> str:
    return i18n.say(TITLE, language)


def render(sheet: CaseSheet, language: str = i18n.DEFAULT_LANGUAGE) -> bytes:
    """The case sheet's PDF, in *language* (French by default)."""
    return printing.render_pdf(TEMPLATE, language, letterhead(sheet, language), {"sheet": sheet})


def letterhead(sheet: CaseSheet, language: str) -> printing.Letterhead:
    return printing.Letterhead(
        title=title(language),
        establishment=sheet.establishment,
        finess=sheet.finess,
        generated_at=sheet.generated_at,
        reference=sheet.reference,
    )


def file_name(sheet: CaseSheet) -> str:
    return f"fiche-de-cas-{sheet.reference}-{sheet.queue}.pdf"
