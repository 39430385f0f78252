"""Figures for the people who answer for them: the dashboard, the activity reports, their CSV."""

import csv
import io
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth import page_user
from app.charts import Series, bar_chart
from app.db import get_session
from app.i18n import select_locale
from app.pages.security import login_required
from routing.messages import QUEUE_LABELS
from routing.vocabulary import Queue
from vigilance import audit, statistics
from vigilance.clock import utcnow
from vigilance.labels import UNASSESSED_LABELS, label
from vigilance.notifications import imputability_name
from vigilance.periods import PARIS, Period, period_containing

bp = Blueprint("dashboard_pages", __name__)
#: The longest period the dashboard draws (a year's activity report is on its own page).
LONGEST = timedelta(days=731)
DEFAULT_WEEKS = 12


def _reader_queues(chosen: str | None = None) -> list[str]:
    """The queues the signed-in person may read figures for, or just the one they chose; 403 if none."""
    queues = statistics.queues_of(page_user())
    if not queues:
        abort(403)
    if chosen:
        if chosen not in queues:
            abort(404)
        return [chosen]
    return queues


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS)


def _chosen_range() -> tuple[date, date, list[str]]:
    """The period asked for (whole days, both ends included), defaulting to the last twelve weeks."""
    today = utcnow().astimezone(PARIS).date()
    errors = []
    last = _day(request.args.get("to"))
    if request.args.get("to") and last is None:
        errors.append(_("La date de fin n'est pas une date valide (AAAA-MM-JJ)."))
    last = last or today
    first = _day(request.args.get("from"))
    if request.args.get("from") and first is None:
        errors.append(_("La date de début n'est pas une date valide (AAAA-MM-JJ)."))
    first = first or (last - timedelta(days=last.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1))
    if first > last:
        errors.append(_("La date de début doit précéder la date de fin."))
        first = last - timedelta(days=last.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1)
    if last - first > LONGEST:
        errors.append(_("Choisissez une période de deux ans au plus."))
        first = last - LONGEST
    return first, last, errors


def _figures():
    queue = request.args.get("queue") or None
    queues = _reader_queues(queue)
    first, last, errors = _chosen_range()
    user = page_user()
    figures = statistics.dashboard(get_session(), establishment_id=user.establishment_id, queues=queues,
                                   start=_moment(first), end=_moment(last + timedelta(days=1)), now=utcnow())
    return figures, first, last, queue, errors


def _queue_name(queue: str) -> str:
    return QUEUE_LABELS[Queue(queue)][select_locale()]


def _level_name(level: str) -> str:
    return label(UNASSESSED_LABELS, level, select_locale())


def _imputability_name(queue: str, level: str) -> str:
    return imputability_name(level, queue, select_locale())


@bp.get("/dashboard")
@login_required
def dashboard():
    figures, first, last, queue, errors = _figures()
    activity = figures.activity
    queues = list(activity.queues)
    weeks = activity.weeks()
    week_labels = [f"{monday:%d/%m}" for monday in weeks]
    received_chart = bar_chart(
        week_labels, [Series(_queue_name(q), tuple(activity.queues[q].by_week[m] for m in weeks)) for q in queues],
        title=_("Signalements reçus par semaine"))
    severity_keys = statistics.SEVERITY_KEYS
    severity_chart = bar_chart(
        [_level_name(k) for k in severity_keys],
        [Series(_queue_name(q), tuple(activity.queues[q].by_severity[k] for k in severity_keys)) for q in queues],
        title=_("Par grade de sévérité"))
    compliance_chart = bar_chart(
        [_queue_name(q) for q in queues],
        [Series(_("respectés"), tuple(activity.queues[q].compliance.met for q in queues)),
         Series(_("dépassés"), tuple(activity.queues[q].compliance.missed for q in queues))],
        title=_("Respect des délais"), stacked=False)
    ages = [key for key, _low, _high in statistics.AGE_BUCKETS]
    age_chart = bar_chart(
        [_("%(span)s j", span=key) for key in ages],
        [Series(_queue_name(q), tuple(figures.open_by_age[q][k] for k in ages)) for q in queues],
        title=_("Éléments ouverts par ancienneté"))
    return render_template(
        "dashboard/index.html", figures=figures, activity=activity, queues=queues, weeks=weeks, first=first,
        last=last, chosen_queue=queue, all_queues=statistics.queues_of(page_user()), errors=errors, ages=ages,
        severity_keys=severity_keys, received_chart=received_chart, severity_chart=severity_chart,
        compliance_chart=compliance_chart, age_chart=age_chart, level_name=_level_name,
        csv_url=url_for("dashboard_pages.dashboard_csv", **{"from": first.isoformat(), "to": last.isoformat(),
                                                            **({"queue": queue} if queue else {})}),
    )


def _csv(rows: list[tuple], header: tuple[str, ...], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    # A byte-order mark: spreadsheet software then reads the accents right.
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/dashboard.csv")
@login_required
def dashboard_csv():
    figures, first, last, queue, _errors = _figures()
    return _csv(figures.rows(), ("figure", "queue", "key", "value"),
                f"vigilance-dashboard-{first.isoformat()}-{last.isoformat()}.csv")


# Activity reports ---------------------------------------------------------------------------------


def _activity_period(year: int, month: int | None) -> Period:
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        abort(404)
    return period_containing("monthly", date(year, month, 1)) if month else period_containing("yearly", date(year, 1, 1))


def _activity(year: int, month: int | None):
    queue = request.args.get("queue") or None
    queues = _reader_queues(queue)
    period = _activity_period(year, month)
    report = statistics.activity(get_session(), establishment_id=page_user().establishment_id, queues=queues,
                                 start=period.starts_at, end=period.ends_at, now=utcnow())
    return report, period, queue


def _audit_cases(report: statistics.Activity, action: str, target: str) -> None:
    """The serious cases a report lists are report content: each one's reading is in the trail."""
    db = get_session()
    now = utcnow()
    for case in report.serious_cases:
        audit.record(db, actor=page_user(), action=action, now=now, report_id=case.report_id, target=target)
    db.commit()


@bp.get("/activity")
@login_required
def activity_index():
    _reader_queues()
    today = utcnow().astimezone(PARIS).date()
    last_month = today.replace(day=1) - timedelta(days=1)
    return redirect(url_for("dashboard_pages.activity_month", year=last_month.year, month=last_month.month))


@bp.get("/activity/<int:year>")
@bp.get("/activity/<int:year>/<int:month>")
@login_required
def activity_month(year: int, month: int | None = None):
    report, period, queue = _activity(year, month)
    _audit_cases(report, "read", f"page:activity:{period.key}")
    today = utcnow().astimezone(PARIS).date()
    months = []
    day = today.replace(day=1)
    for _step in range(12):
        day = (day - timedelta(days=1)).replace(day=1)
        months.append(day)
    return render_template(
        "dashboard/activity.html", report=report, period=period, chosen_queue=queue, year=year, month=month,
        all_queues=statistics.queues_of(page_user()), level_name=_level_name, months=months,
        imputability_name=_imputability_name,
        years=[today.year - n for n in range(4)], generated_at=utcnow(),
    )


@bp.get("/activity/<int:year>/export.csv")
@bp.get("/activity/<int:year>/<int:month>/export.csv")
@login_required
def activity_csv(year: int, month: int | None = None):
    report, period, _queue = _activity(year, month)
    return _csv(statistics.activity_rows(report), ("section", "queue", "key", "value"),
                f"vigilance-activity-{period.key.replace(':', '-')}.csv")


@bp.get("/activity/<int:year>/cases.csv")
@bp.get("/activity/<int:year>/<int:month>/cases.csv")
@login_required
def activity_cases_csv(year: int, month: int | None = None):
    report, period, _queue = _activity(year, month)
    _audit_cases(report, "export", f"csv:activity:{period.key}")
    rows = [(c.reference, c.queue, c.received_at.astimezone(PARIS).date().isoformat(), c.category, c.event_kind,
             c.product, c.severity, c.imputability, c.status) for c in report.serious_cases]
    return _csv(rows, ("reference", "queue", "received_on", "category", "event_kind", "product", "severity",
                       "imputability", "status"),
                f"vigilance-serious-cases-{period.key.replace(':', '-')}.csv")
