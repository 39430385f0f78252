"""A person's alerts: the list (unread first), marking them read, and the counts in the navigation."""

from flask import Blueprint, g, redirect, render_template, request, url_for

from app.auth import page_user
from app.db import get_session
from app.pages.forms import row_id
from app.pages.security import login_required
from vigilance import alerts
from vigilance.clock import utcnow
from vigilance.storage.transaction import write_transaction

bp = Blueprint("alerts_pages", __name__)


@bp.app_context_processor
def navigation_counts():
    """Unread alerts, and questions waiting for the reporter: read once per page, only when shown."""

    def counts() -> dict[str, int]:
        if "nav_counts" not in g:
            user = page_user()
            g.nav_counts = (
                {
                    "alerts": alerts.unread_count(get_session(), user),
                    "waiting": alerts.waiting_count(get_session(), user),
                }
                if user is not None
                else {"alerts": 0, "waiting": 0}
            )
        return g.nav_counts

    return {"nav_counts": counts}


@bp.get("/alerts")
@login_required
def alert_list():
    user = page_user()
    found = alerts.listing(get_session(), user)
    return render_template("alerts.html", alerts=found, waiting=alerts.waiting_questions(get_session(), user))


@bp.post("/alerts/read")
@login_required
def mark_read():
    """Mark one alert read and open what it is about, or mark them all read."""
    user = page_user()
    alert_id = request.form.get("alert_id", type=row_id)
    with write_transaction(get_session()) as db:
        alerts.mark_read(db, user, now=utcnow(), alert_id=alert_id)
        target = alerts.own_alert(db, user, alert_id) if alert_id is not None else None
    if target is not None and request.form.get("open") == "1":
        return redirect(target.path)  # a path the service wrote, never one the request names
    return redirect(url_for("alerts_pages.alert_list"))
