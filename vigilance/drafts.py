"""Drafts of the report form: saved as the clinician types, resumed, deleted, removed when filed.

A draft holds the form's fields as typed (text, by the form's own names), so that the form opens
again exactly as it was left; nothing in it is checked as a report is, since a draft is by nature
unfinished, but every field has the length a report allows, so that a draft can always be filed,
and no text shaped like a social security number is kept.
Only its owner reads, changes or deletes it: anyone else is told it does not exist. Only whoever
may file a report keeps one (a person of an establishment): a draft nobody could file would only
hold health data for nothing. Drafts hold
health data, so every read and change is audited, as reports' are, without their content.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from routing.vocabulary import FEATURE_FLAGS
from vigilance import audit
from vigilance.errors import Forbidden, InvalidInput, NotFound
from vigilance.i18n import translatable
from vigilance.models import Report, ReportDraft, User
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir


def _column_length(field: str) -> int:
    # What the report stores is what its draft keeps: one bound, the column's.
    return Report.__table__.c[field].type.length


#: The qualification questions a product row carries, and the longest answer each may hold.
_QUESTION_LENGTHS: dict[str, int] = {"origin": 32, **dict.fromkeys(FEATURE_FLAGS, 8), "intended_action": 64}
#: The report form's fields and the longest text each may hold (as a report's, or the form's).
FIELD_LENGTHS: dict[str, int] = {
    "event_kind": 64,
    "occurred_at": 32,
    "detected_at": 32,
    "product_name": _column_length("product_name"),
    **_QUESTION_LENGTHS,
    "lot_number": _column_length("lot_number"),
    "donation_number": _column_length("donation_number"),
    "serious": 8,
    "unexpected": 8,
    "severity_grade": 8,
    "patient_sex": 8,
    "patient_birth_year": 8,
    "patient_initials": _column_length("patient_initials"),
    "description": _column_length("description"),
    "reporter_unit": _column_length("reporter_unit"),
    "reporter_phone": _column_length("reporter_phone"),
    "confirm_no_product": 8,
    # Several products (contract.md): the form's further product rows, and how many it shows.
    **{f"product_name_{n}": _column_length("product_name") for n in range(2, 11)},
    # ... each with its own qualification questions (``origin_2`` ...), for a name not recognised.
    **{f"{name}_{n}": length for n in range(2, 11) for name, length in _QUESTION_LENGTHS.items()},
    "product_rows": 8,
}
TOKEN_MAX_LENGTH = 64
#: How long a draft nobody touched is kept, unless the settings say otherwise.
DEFAULT_RETENTION = timedelta(days=30)


def clean_fields(fields: Mapping[str, object]) -> dict[str, str]:
    """The draft's fields, empty ones left out; :class:`InvalidInput` names any field too long or
    unknown, or holding a social security number (NIR)."""
    problems: dict[str, list] = {}
    kept: dict[str, str] = {}
    for name, value in fields.items():
        limit = FIELD_LENGTHS.get(name)
        if limit is None:
            problems[f"fields.{name}"] = [translatable("Champ inconnu.")]
        elif not isinstance(value, str):
            problems[f"fields.{name}"] = [translatable("Texte attendu.")]
        elif len(value) > limit:
            problems[f"fields.{name}"] = [translatable("{limit} caractères au plus.", limit=limit)]
        elif contains_nir(value):
            # Never kept, even for a while: the report would refuse it anyway.
            problems[f"fields.{name}"] = [NIR_MESSAGE]
        elif value != "":
            kept[name] = value
    if problems:
        raise InvalidInput(problems)
    return kept


def _audit(db: Session, actor: User | None, action: str, draft: ReportDraft, now: datetime) -> None:
    # The event says who touched which draft; the typed text stays out of the trail.
    audit.record(db, actor=actor, action=action, now=now, target=f"draft:{draft.id}")


def save(db: Session, *, owner: User, form_token: str, fields: Mapping[str, object], now: datetime) -> ReportDraft:
    """Create or update the draft of the form *form_token* (flush, no commit).

    :raises Forbidden: *owner* belongs to no establishment, so could never file it.
    """
    if owner.establishment_id is None:
        raise Forbidden(translatable("Votre compte n'est rattaché à aucun établissement."))
    if not form_token or len(form_token) > TOKEN_MAX_LENGTH:
        raise InvalidInput({"form_token": [translatable("Jeton de formulaire invalide.")]})
    cleaned = clean_fields(fields)
    draft = _draft_of_form(db, owner, form_token)
    action = "draft.update"
    if draft is None:
        draft = ReportDraft(owner_id=owner.id, form_token=form_token, fields=cleaned, created_at=now, updated_at=now)
        try:
            # The page saves as typing stops and again as it is left: two first saves of one form
            # can run at once (PostgreSQL); the second then updates what the first created.
            with db.begin_nested():
                db.add(draft)
            action = "draft.create"
        except IntegrityError:
            draft = _draft_of_form(db, owner, form_token)
    if action == "draft.update":
        draft.fields = cleaned
        draft.updated_at = now
        db.add(draft)
    db.flush()
    _audit(db, owner, action, draft, now)
    return draft


def _draft_of_form(db: Session, owner: User, form_token: str) -> ReportDraft | None:
    return db.exec(
        select(ReportDraft).where(ReportDraft.owner_id == owner.id, ReportDraft.form_token == form_token)
    ).first()


def get(db: Session, *, draft_id: int, actor: User, now: datetime) -> ReportDraft:
    """The draft, to its owner only (anyone else: :class:`NotFound`); the read is audited."""
    draft = db.get(ReportDraft, draft_id)
    if draft is None or draft.owner_id != actor.id:
        raise NotFound(translatable("Brouillon introuvable."))
    _audit(db, actor, "draft.read", draft, now)
    return draft


def update(db: Session, *, draft_id: int, actor: User, fields: Mapping[str, object], now: datetime) -> ReportDraft:
    draft = db.get(ReportDraft, draft_id)
    if draft is None or draft.owner_id != actor.id:
        raise NotFound(translatable("Brouillon introuvable."))
    draft.fields = clean_fields(fields)
    draft.updated_at = now
    db.add(draft)
    db.flush()
    _audit(db, actor, "draft.update", draft, now)
    return draft


def own_drafts(db: Session, *, actor: User, now: datetime) -> list[ReportDraft]:
    """The owner's drafts, the latest touched first; the list counts as a read of each."""
    drafts = list(
        db.exec(
            select(ReportDraft)
            .where(ReportDraft.owner_id == actor.id)
            .order_by(col(ReportDraft.updated_at).desc(), col(ReportDraft.id).desc())
        )
    )
    for draft in drafts:
        _audit(db, actor, "draft.read", draft, now)
    return drafts


def remove(db: Session, *, draft_id: int, actor: User, now: datetime) -> None:
    draft = db.get(ReportDraft, draft_id)
    if draft is None or draft.owner_id != actor.id:
        raise NotFound(translatable("Brouillon introuvable."))
    _audit(db, actor, "draft.delete", draft, now)
    db.delete(draft)
    db.flush()


def remove_filed(db: Session, *, owner: User, form_token: str, report_id: int, now: datetime) -> None:
    """The form *form_token* was filed as *report_id*: its draft has done its work (same transaction)."""
    draft = _draft_of_form(db, owner, form_token)
    if draft is not None:
        audit.record(db, actor=owner, action="draft.filed", now=now, report_id=report_id, target=f"draft:{draft.id}")
        db.delete(draft)
        db.flush()


def remove_filed_draft(db: Session, *, owner: User, draft_id: int, report_id: int, now: datetime) -> None:
    """The draft *draft_id* was filed as *report_id* (same transaction); :class:`InvalidInput` on
    ``draft_id`` when it is not *owner*'s or was filed already, so the filing is undone."""
    draft = db.get(ReportDraft, draft_id)
    if draft is None or draft.owner_id != owner.id:
        raise InvalidInput({"draft_id": [translatable("Ce brouillon n'existe pas ou a déjà été envoyé.")]})
    audit.record(db, actor=owner, action="draft.filed", now=now, report_id=report_id, target=f"draft:{draft.id}")
    db.delete(draft)
    db.flush()


def purge(db: Session, *, now: datetime, retention: timedelta = DEFAULT_RETENTION) -> int:
    """Delete the drafts untouched for longer than *retention*; return how many."""
    cutoff = now - retention
    result = db.exec(delete(ReportDraft).where(col(ReportDraft.updated_at) < cutoff))
    removed = result.rowcount or 0
    if removed:
        audit.record(db, actor=None, action="drafts.purge", now=now, after={"removed": removed, "before": cutoff})
    return removed


def count_own(db: Session, *, actor: User) -> int:
    """How many drafts *actor* has (a number, no content: not a read of any)."""
    return db.exec(select(func.count()).select_from(ReportDraft).where(ReportDraft.owner_id == actor.id)).one()
