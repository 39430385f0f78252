"""Case files kept: opened at filing with what the report holds and what the clinician added,
completed by the correspondent on the item, one version after another."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlmodel import Session, select

from vigilance import audit
from vigilance.access import acts_as_coordinator
from vigilance.case_file.biovigilance import BIOVIGILANCE
from vigilance.case_file.description import Form, Kind
from vigilance.case_file.feir import FEIR
from vigilance.case_file.materiovigilance import CERFA_10246, QUALITY_DEFECT
from vigilance.case_file.missing import Missing, missing
from vigilance.case_file.pharmacovigilance import CERFA_10011
from vigilance.case_file.validation import check, is_empty, typed
from vigilance.clock import PARIS
from vigilance.errors import Conflict, InvalidInput, NotFound
from vigilance.i18n import Message, translatable
from vigilance.models import CaseFileRecord, QueueItem, Report, ReportProduct, User

logger = logging.getLogger(__name__)

#: Every form described, by its id.
FORMS: dict[str, Form] = {form.id: form for form in (FEIR, CERFA_10011, BIOVIGILANCE, CERFA_10246, QUALITY_DEFECT)}
#: Which form an item declares on: by its queue, and for some queues by the report's event kind
#: (haemovigilance's FIG, FEIGD and FIPD are not described yet).
_BY_QUEUE: dict[str, Form | dict[str, Form]] = {
    "haemovigilance": {"recipient_adverse_reaction": FEIR},
    "pharmacovigilance": CERFA_10011,
    "biovigilance": BIOVIGILANCE,
    "materiovigilance": CERFA_10246,
    "quality_defect": QUALITY_DEFECT,
}
_NO_FORM = translatable("Aucun formulaire de déclaration n'est encore décrit pour cette vigilance.")


def form_for(queue: str, event_kind: str) -> Form | None:
    """The declaration form of an item of *queue* about an event of *event_kind*, if described."""
    found = _BY_QUEUE.get(queue)
    return found.get(event_kind) if isinstance(found, dict) else found


@dataclass(frozen=True)
class CaseFile:
    """An item's case file, with typed access to its data.

    ``data`` is as stored (JSON: see each form's module for its keys); ``value``, ``rows`` and
    ``values`` give Python values (dates, aware datetimes, floats, booleans, lists of codes).
    ``version`` is 0 for a file not stored yet (an item routed after filing): its data is then
    what the report holds.
    """

    item_id: int
    form: Form
    data: dict[str, Any]
    version: int
    updated_by: int | None = None
    updated_at: datetime | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def values(self) -> dict[str, Any]:
        return typed(self.form, self.data)

    def value(self, name: str) -> Any:
        """A top-level field's value (``None`` when empty)."""
        return self.values.get(name)

    def rows(self, group: str) -> list[dict[str, Any]]:
        """A group's rows (``units``, ``medicines``, ``reactions``), typed."""
        return list(self.values.get(group) or [])

    def missing(self) -> list[Missing]:
        """Per section, what is still needed before the form can be sent."""
        return missing(self.form, self.data)

    @property
    def ready(self) -> bool:
        return not self.missing()


class StaleCaseFile(Conflict):
    """A case file changed from a version someone has since replaced: refused, not merged."""

    def __init__(self, current: CaseFile, *, seen: int):
        self.current = current
        super().__init__(
            translatable(
                "Le dossier de déclaration a été modifié (version %(current)s) depuis que vous l'avez "
                "ouvert (version %(seen)s) : votre saisie n'a pas été enregistrée ; comparez-la à la "
                "version actuelle et enregistrez-la de nouveau si elle doit la remplacer.",
                current=current.version,
                seen=seen,
            )
        )


# Filled from the report ---------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _day(moment: datetime | None) -> str | None:
    return moment.astimezone(PARIS).date().isoformat() if moment is not None else None


def prefill(form: Form, report: Any, product_names: Sequence[str] = ()) -> dict[str, Any]:
    """What *report* (a row with the report's columns) already says of *form*'s fields.

    :param product_names: the report's products, in the order given (the medicines of a
        pharmacovigilance case).
    """
    sex = report.patient_sex if report.patient_sex in ("F", "M") else None
    if form is FEIR:
        data: dict[str, Any] = {
            "declaration_kind": "initial",
            "care_unit": report.reporter_unit,
            "recipient_sex": sex,
            "recipient_birth_year": report.patient_birth_year,
            "reaction_onset_at": _iso(report.occurred_at),
            "reaction_detected_at": _iso(report.detected_at),
            "description": report.description,
            "severity_grade": str(report.severity_grade) if report.severity_grade else None,
        }
        if report.donation_number:
            data["units"] = [{"donation_number": report.donation_number}]
        return data
    if form is CERFA_10011:
        names = list(product_names) or [report.product_name]
        return {
            "patient_initials": report.patient_initials,
            "patient_sex": sex,
            "patient_birth_year": report.patient_birth_year,
            "medicines": [
                {"name": name, "role": "suspect", **({"lot_number": report.lot_number} if n == 0 else {})}
                for n, name in enumerate(names)
            ],
            "reactions": [{"description": report.description, "started_on": _day(report.occurred_at)}],
            "serious": report.serious,
        }
    names = list(product_names) or [report.product_name]
    if form is BIOVIGILANCE:
        return {
            "declaration_kind": "initial",
            "declaration_date": _day(report.received_at),
            "products": [{"nature": name} for name in names],
            "event_started_at": _iso(report.occurred_at),
            "event_detected_at": _iso(report.detected_at),
            "description": report.description,
        }
    if form is CERFA_10246:
        return {
            "reporter_service": report.reporter_unit,
            "reporter_phone": report.reporter_phone,
            "device_trade_name": names[0],
            "lot_number": report.lot_number,
            "event_date": _day(report.occurred_at),
            "circumstances": report.description,
        }
    if form is QUALITY_DEFECT:
        return {
            "reporter_service": report.reporter_unit,
            "reporter_phone": report.reporter_phone,
            "product_name": names[0],
            "lots": [{"lot_number": report.lot_number}] if report.lot_number else [],
            "defect_description": report.description,
            "defect_detected_at": _iso(report.detected_at or report.occurred_at),
        }
    return {}


def merge(form: Form, base: Mapping[str, Any], changes: Mapping[str, Any], *, rows: bool = False) -> dict[str, Any]:
    """*base* with *changes* over it: a field given replaces it (``null`` clears it), a group's
    rows included; with *rows*, a group's rows are merged by position instead, each row's given
    fields over the row's (the clinician's details over what the report says)."""
    merged = dict(base)
    groups = {spec.name for spec in form.fields() if spec.kind == Kind.GROUP} if rows else set()
    for name, value in changes.items():
        if name in groups and isinstance(value, list) and isinstance(base.get(name), list):
            rows = [dict(row) for row in base[name]]
            for n, row in enumerate(value):
                if not isinstance(row, Mapping):
                    rows.append(row) if n >= len(rows) else rows.__setitem__(n, row)
                elif n < len(rows):
                    rows[n].update(row)
                else:
                    rows.append(dict(row))
            merged[name] = rows
        else:
            merged[name] = value
    return merged


def checked_prefill(form: Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """*data* (what a report says, the clinician's details over it) as stored: a field the form
    cannot take as it is (a text longer than the form's) is left for the correspondent rather
    than refusing the report or the migration."""
    try:
        return check(form, data).data
    except InvalidInput as refused:
        kept = {k: v for k, v in data.items() if k not in {path.split(".")[0] for path in refused.errors}}
        return check(form, kept).data


def details_for(form: Form, details: Mapping[str, Any]) -> dict[str, Any]:
    """The clinician's details that are fields of *form*."""
    names = {spec.name for spec in form.fields()}
    return {k: v for k, v in details.items() if k in names and not is_empty(v)}


def check_details(details: Mapping[str, Any]) -> None:
    """Refuse, at filing, what the clinician added that no form could take (a NIR in a text,
    a donation number whose check character is wrong); paths under ``case_details``.

    :raises InvalidInput: nothing is filed then.
    """
    errors: dict[str, list[Message | str]] = {}
    for form in FORMS.values():
        try:
            check(form, details_for(form, details))
        except InvalidInput as refused:
            for path, messages in refused.errors.items():
                errors.setdefault(f"case_details.{path}", messages)
    if errors:
        raise InvalidInput(errors)


def open_at_intake(
    session: Session,
    *,
    report: Any,
    items: Sequence[Any],
    product_names: Sequence[str],
    details: Mapping[str, Any] | None,
    actor: User,
    now: datetime,
) -> None:
    """Open the case file of each new item that has a form: what the report says, and the
    clinician's details over it (checked already, see :func:`check_details`)."""
    rows = []
    for item in items:
        form = form_for(item.queue, report.event_kind)
        if form is None:
            continue
        data = merge(form, prefill(form, report, product_names), details_for(form, details or {}), rows=True)
        rows.append(
            dict(
                queue_item_id=item.id,
                form_id=form.id,
                data=checked_prefill(form, data),
                version=1,
                updated_by=actor.id,
                updated_at=now,
            )
        )
    if rows:
        session.connection().execute(CaseFileRecord.__table__.insert(), rows)


# Read and changed on the item ---------------------------------------------------------------


def _record(session: Session, item_id: int, *, for_update: bool = False) -> CaseFileRecord | None:
    query = select(CaseFileRecord).where(CaseFileRecord.queue_item_id == item_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def _products(session: Session, report_id: int) -> list[str]:
    return list(
        session.exec(
            select(ReportProduct.name).where(ReportProduct.report_id == report_id).order_by(ReportProduct.position)
        )
    )


def case_file_of(session: Session, item: QueueItem) -> CaseFile:
    """The case file of *item* (which the caller has opened, or may read), typed.

    An item with no stored file (routed after filing) gets what its report says, as version 0.

    :raises NotFound: no form is described for the item's vigilance yet.
    """
    report = session.get(Report, item.report_id)
    form = form_for(item.queue, report.event_kind)
    if form is None:
        raise NotFound(_NO_FORM)
    record = _record(session, item.id)
    if record is None or record.form_id != form.id:
        return CaseFile(item.id, form, checked_prefill(form, prefill(form, report, _products(session, report.id))), 0)
    return CaseFile(item.id, form, dict(record.data), record.version, record.updated_by, record.updated_at)


def changed_fields(form: Form, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The paths that differ (a group's changed rows' fields: ``units.0.donation_number``)."""
    paths: list[str] = []
    for spec in form.fields():
        old, new = before.get(spec.name), after.get(spec.name)
        if old == new:
            continue
        if spec.kind == Kind.GROUP:
            old_rows, new_rows = old or [], new or []
            for n in range(max(len(old_rows), len(new_rows))):
                a = old_rows[n] if n < len(old_rows) else {}
                b = new_rows[n] if n < len(new_rows) else {}
                paths += [f"{spec.name}.{n}.{sub.name}" for sub in spec.fields if a.get(sub.name) != b.get(sub.name)]
        else:
            paths.append(spec.name)
    return paths


def save(
    session: Session,
    *,
    item_id: int,
    actor: User,
    data: Mapping[str, Any],
    based_on_version: int,
    now: datetime,
) -> CaseFile:
    """Record a new version of the item's case file: *data*'s fields over the current ones
    (``null`` clears a field; a group given replaces all its rows; a field not given is kept).

    :param based_on_version: the version the caller saw (0 for a file not stored yet); if
        someone changed it since, the change is refused rather than overwriting theirs.
    :raises NotFound: the actor does not work the item, or no form is described for it.
    :raises Conflict: another person holds the item.
    :raises StaleCaseFile: the file changed since *based_on_version*.
    :raises InvalidInput: by field path; nothing is stored.
    """
    from vigilance import triage  # triage's rules on who works an item

    item = triage.load_item(session, item_id, actor, for_update=True)
    if item.assignee_id not in (None, actor.id) and not acts_as_coordinator(actor):
        holder = session.get(User, item.assignee_id)
        raise Conflict(
            translatable("%(holder)s traite déjà cet élément.", holder=holder.label if holder else "Un collègue")
        )
    current = case_file_of(session, item)
    if based_on_version != current.version:
        raise StaleCaseFile(current, seen=based_on_version)
    if not isinstance(data, Mapping):
        raise InvalidInput({"data": [translatable("Un objet est attendu.")]})
    checked = check(current.form, merge(current.form, current.data, data))
    changed = changed_fields(current.form, current.data, checked.data)
    record = _record(session, item.id, for_update=True)
    version = current.version + 1
    if record is None:
        record = CaseFileRecord(queue_item_id=item.id, form_id=current.form.id, data={}, updated_at=now)
    record.form_id = current.form.id
    record.data = checked.data
    record.version = version
    record.updated_by = actor.id
    record.updated_at = now
    session.add(record)
    session.flush()
    # The fields' names, never their values: they may be the patient's data.
    audit.record(
        session,
        actor=actor,
        action="case_file",
        now=now,
        report_id=item.report_id,
        target=f"item:{item.id}:case_file",
        after={"form": current.form.id, "version": version, "fields": changed},
    )
    logger.info("Case file of item %s: version %s by %s (%s fields)", item.id, version, actor.email, len(changed))
    return CaseFile(item.id, current.form, checked.data, version, actor.id, now, checked.warnings)
