"""Admins' pages: the outbox, with what failed and why, and a way to send again."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import col, select

from app.auth import page_user
from app.db import get_session
from app.pages.security import login_required
from vigilance import outbox
from vigilance.clock import utcnow
from vigilance.models import OutboxMessage, Role

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if page_user().role != Role.ADMIN:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/outbox")
@admin_required
def outbox_page():
    state = request.args.get("state")
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(200)
    if state in ("pending", "sent", "failed"):
        query = query.where(OutboxMessage.state == state)
    messages = get_session().exec(query).all()
    return render_template("admin/outbox.html", messages=messages, state=state)


@bp.get("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = get_session().get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry(message_id: int):
    db = get_session()
    if outbox.retry(db, message_id=message_id, now=utcnow()) is None:
        flash(_("Ce message ne peut pas être renvoyé."), "error")
    else:
        db.commit()
        flash(_("Message remis en file d'envoi."), "info")
    return redirect(url_for("admin_pages.outbox_page"))
