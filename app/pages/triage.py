"""Correspondents' pages: their queues, and an item with every action on it."""

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import col, select

from app.api.triage import encode_queue_cursor, parse_queue_cursor
from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages.security import login_required
from routing import Category, Queue
from routing.scales import (
    AUTHORITIES,
    IMPUTABILITY_SCALES,
    INVESTIGATION_STATUSES,
    OUTCOMES,
    REACTION_TYPES,
    SERIOUSNESS_CRITERIA,
)
from vigilance import audit, triage
from vigilance.access import may_work_queue
from vigilance.clock import utcnow
from vigilance.errors import InvalidInput, VigilanceError
from vigilance.models import (
    AuditEvent,
    Deadline,
    Declaration,
    InformationRequest,
    ItemStatus,
    Report,
    User,
)
from vigilance.periods import FIRST_YEAR, LAST_YEAR
from vigilance.queues import QueueFilter, calendar_for, list_items, status_counts, time_left

bp = Blueprint("triage_pages", __name__)
PAGE_SIZE = 25


@bp.get("/queues")
@login_required
def my_queues():
    user = page_user()
    queues = [q.value for q in Queue if may_work_queue(user, q.value)]
    if len(queues) == 1:
        return redirect(url_for("triage_pages.queue", queue=queues[0]))
    db = get_session()
    counts = {queue: status_counts(db, queue=queue, actor=user) for queue in queues}
    return render_template("triage/queues.html", queues=queues, counts=counts)


@bp.get("/queues/<queue>")
@login_required
def queue(queue: str):
    user = page_user()
    db = get_session()
    now = utcnow()
    args = request.args
    errors: dict[str, list[str]] = {}

    def chosen(name: str, allowed, message: str) -> str | None:
        value = args.get(name, "")
        if value and value not in allowed:
            errors.setdefault(name, []).append(message)
            return None
        return value or None

    known_statuses = {x.value for x in ItemStatus}
    statuses = tuple(s for s in args.getlist("status") if s in known_statuses)
    if any(s and s not in known_statuses for s in args.getlist("status")):
        errors.setdefault("status", []).append(_("Statut inconnu : choisissez-en un dans la liste."))
    received_from, received_to = _day_asked("from", errors), _day_asked("to", errors)
    if received_from and received_to and received_from > received_to:
        errors.setdefault("from", []).append(_("La date de début doit précéder la date de fin."))
    try:
        after = parse_queue_cursor(args.get("cursor"))
    except ValueError:
        after = None
        errors["cursor"] = [_("Ce lien de page suivante n'est pas valide (modifié ou tronqué).")]
    filters = QueueFilter(
        statuses=statuses,
        category=chosen(
            "category", {c.value for c in Category}, _("Catégorie inconnue : choisissez-en une dans la liste.")
        ),
        received_from=received_from,
        received_to=received_to,
        serious={"yes": True, "no": False}.get(chosen("serious", ("yes", "no"), _("Choix inconnu.")) or ""),
        assigned=chosen("assigned", ("me", "nobody"), _("Choix inconnu.")),
        overdue=args.get("overdue") == "1",
        search=(args.get("q") or "").strip()[:100] or None,
    )
    if errors:
        # A filter that cannot be applied is refused, never silently dropped: the list would
        # then show what the reader did not ask for.
        return render_template(
            "triage/queue.html",
            queue=queue,
            rows=[],
            people={},
            counts=status_counts(db, queue=queue, actor=user),
            filters=filters,
            next_cursor=None,
            lang=select_locale(),
            categories=[c.value for c in Category],
            errors=errors,
        ), 400
    page = list_items(db, queue=queue, actor=user, filters=filters, after=after, limit=PAGE_SIZE, now=now)
    calendar = calendar_for(db, user.establishment_id)
    people = (
        {
            u.id: u
            for u in db.exec(
                select(User).where(col(User.id).in_({item.assignee_id for item, _ in page.rows if item.assignee_id}))
            )
        }
        if page.rows
        else {}
    )
    rows = [(item, report, time_left(page.deadlines.get(item.id), now, calendar)) for item, report in page.rows]
    return render_template(
        "triage/queue.html",
        queue=queue,
        rows=rows,
        people=people,
        counts=status_counts(db, queue=queue, actor=user),
        filters=filters,
        next_cursor=encode_queue_cursor(page.next),
        lang=select_locale(),
        categories=[c.value for c in Category],
        errors={},
    )


def _day_asked(field: str, errors: dict[str, list[str]]) -> date | None:
    text = request.args.get(field, "").strip()
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        errors.setdefault(field, []).append(_("Date invalide : attendue sous la forme AAAA-MM-JJ."))
        return None
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors.setdefault(field, []).append(
            _("La date doit tomber entre %(first)s et %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )
        return None
    return day


@bp.get("/queue-items/<int:item_id>")
@login_required
def item(item_id: int):
    user = page_user()
    db = get_session()
    item = triage.load_item(db, item_id, user)
    report = db.get(Report, item.report_id)
    audit.record(db, actor=user, action="read", now=utcnow(), report_id=report.id, target=f"page:item:{item.id}")
    db.commit()
    queue = Queue(item.queue)
    assessment = triage.latest_assessment(db, item.id)
    return render_template(
        "triage/item.html",
        item=item,
        report=report,
        holder=db.get(User, item.assignee_id) if item.assignee_id else None,
        colleagues=[
            u
            for u in db.exec(select(User).where(User.establishment_id == user.establishment_id)).all()
            if triage.may_work_item(u, item) and u.id != item.assignee_id
        ],
        deadlines=db.exec(select(Deadline).where(Deadline.queue_item_id == item.id).order_by(Deadline.id)).all(),
        assessment=assessment,
        assessor=db.get(User, assessment.assessed_by).label if assessment else None,
        questions=db.exec(
            select(InformationRequest)
            .where(InformationRequest.queue_item_id == item.id)
            .order_by(InformationRequest.id)
        ).all(),
        declarations=db.exec(
            select(Declaration).where(Declaration.queue_item_id == item.id).order_by(Declaration.id)
        ).all(),
        history=[
            h
            for h in db.exec(select(AuditEvent).where(AuditEvent.report_id == report.id).order_by(AuditEvent.id)).all()
            if h.action != "read"
        ],
        links=triage.links_of(db, report.id),
        scale=IMPUTABILITY_SCALES[queue],
        reaction_types=REACTION_TYPES[queue],
        criteria=SERIOUSNESS_CRITERIA,
        investigation_statuses=INVESTIGATION_STATUSES,
        outcomes=OUTCOMES,
        authorities=AUTHORITIES,
        categories=[c.value for c in Category if c != Category.UNCLASSIFIED],
        today=date.today().isoformat(),
        lang=select_locale(),
    )


def _run(item_id: int, action, done: str):
    """Do one action in one transaction; say what happened, or why not, on the item's page."""
    db = get_session()
    try:
        result = action(db, page_user(), utcnow())
        db.commit()
        flash(done, "info")
    except VigilanceError as error:
        db.rollback()
        text = error.text.get(select_locale()) or error.text["fr"]
        details = getattr(error, "messages", None)
        if callable(details):
            text += " " + " ".join(" ".join(m) for m in details(select_locale()).values())
        flash(text, "error")
        result = None
    target = item_id
    if isinstance(result, list) and result:  # requalified: follow the report to its new queue
        target = result[0].id if triage.may_work_item(page_user(), result[0]) else item_id
    return redirect(url_for("triage_pages.item", item_id=target))


def _form_int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() else None


@bp.post("/queue-items/<int:item_id>/<action>")
@login_required
def act(item_id: int, action: str):
    form = request.form
    actions = {
        "claim": (lambda db, u, now: triage.claim(db, item_id=item_id, actor=u, now=now), _("Élément pris en charge.")),
        "release": (lambda db, u, now: triage.release(db, item_id=item_id, actor=u, now=now), _("Élément relâché.")),
        "assign": (
            lambda db, u, now: triage.assign(
                db,
                item_id=item_id,
                actor=u,
                assignee_id=_form_int("assignee_id") or 0,
                now=now,
                expected_version=_form_int("version"),
            ),
            _("Élément attribué."),
        ),
        "assess": (
            lambda db, u, now: triage.assess(
                db,
                item_id=item_id,
                actor=u,
                now=now,
                based_on_version=_form_int("based_on_version") or 0,
                data=triage.AssessmentInput(
                    severity_grade=_form_int("severity_grade"),
                    imputability=form.get("imputability") or None,
                    seriousness_criteria=tuple(form.getlist("seriousness_criteria")),
                    reaction_type=form.get("reaction_type") or None,
                    investigation_status=form.get("investigation_status") or None,
                    comment=form.get("comment", ""),
                ),
            ),
            _("Évaluation enregistrée."),
        ),
        "ask": (
            lambda db, u, now: triage.request_information(
                db, item_id=item_id, actor=u, question=form.get("question", ""), now=now
            ),
            _("Question envoyée au déclarant."),
        ),
        "declare": (
            lambda db, u, now: triage.declare(
                db,
                item_id=item_id,
                actor=u,
                authority=form.get("authority", ""),
                authority_reference=form.get("authority_reference", ""),
                declared_on=_date(form.get("declared_on")),
                kind=form.get("kind", "initial"),
                now=now,
            ),
            _("Déclaration enregistrée."),
        ),
        "requalify": (
            lambda db, u, now: (
                triage.requalify(
                    db,
                    item_id=item_id,
                    actor=u,
                    category=Category(form.get("category", "")),
                    reason=form.get("reason", ""),
                    now=now,
                )
                if form.get("category") in {c.value for c in Category}
                else _missing("category")
            ),
            _("Produit requalifié : le signalement a été réorienté."),
        ),
        "close": (
            lambda db, u, now: triage.close(
                db, item_id=item_id, actor=u, outcome=form.get("outcome", ""), note=form.get("note", ""), now=now
            ),
            _("Élément clos."),
        ),
        "reopen": (
            lambda db, u, now: triage.reopen(db, item_id=item_id, actor=u, reason=form.get("reason", ""), now=now),
            _("Élément rouvert."),
        ),
    }
    if action not in actions:
        return redirect(url_for("triage_pages.item", item_id=item_id))
    run, done = actions[action]
    return _run(item_id, run, done)


def _date(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return date.today()


def _missing(field: str):
    raise InvalidInput({field: [{"fr": "Choisissez une valeur.", "en": "Choose a value."}]})


@bp.post("/information-requests/<int:request_id>/answer")
@login_required
def answer(request_id: int):
    """The reporter answers on their report's page."""
    db = get_session()
    request_row = db.get(InformationRequest, request_id)
    try:
        triage.answer_information(
            db,
            request_id=request_id,
            actor=page_user(),
            answer=request.form.get("answer", ""),
            now=utcnow(),
            base_url=current_app.config["BASE_URL"],
        )
        db.commit()
        flash(_("Réponse envoyée."), "info")
    except VigilanceError as error:
        db.rollback()
        flash(error.text.get(select_locale()) or error.text["fr"], "error")
    report_id = request_row.report_id if request_row else 0
    return redirect(url_for("reports_pages.detail", report_id=report_id))
