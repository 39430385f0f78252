"""Figures for the people who answer for them: the dashboard, the activity reports, their CSV
(vigilance/spreadsheets.py: French or English spreadsheets, no formula that would run)."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from app.auth import page_user
from app.charts import Series, bar_chart
from app.db import get_session
from app.errors import json_error
from app.i18n import LANGUAGES, select_locale
from app.pages.forms import form_errors, payload_from_form
from app.pages.security import login_required
from routing.messages import QUEUE_LABELS
from routing.vocabulary import Queue
from vigilance import activity_sheet, audit, i18n, spreadsheets, statistics
from vigilance.clock import PARIS, utcnow
from vigilance.i18n import Message, say
from vigilance.labels import UNASSESSED_LABELS, label
from vigilance.models import Establishment
from vigilance.notifications import imputability_name
from vigilance.periods import FIRST_YEAR, LAST_YEAR, Period, period_containing
from vigilance.storage.transaction import write_transaction

bp = Blueprint("dashboard_pages", __name__)
#: The longest period the dashboard draws (a year's activity report is on its own page).
LONGEST = timedelta(days=731)
DEFAULT_WEEKS = 12
KNOWN_QUEUES = frozenset(queue.value for queue in Queue)


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


_YEAR_OUT_OF_RANGE = lazy_gettext(
    "L'année doit être comprise entre %(first)s et %(last)s.", first=FIRST_YEAR, last=LAST_YEAR
)
_MONTH_OUT_OF_RANGE = lazy_gettext("Le mois doit être compris entre 1 et 12.")


def _known_queue() -> fields.String:
    return fields.String(
        validate=validate.OneOf(
            sorted(KNOWN_QUEUES), error=lazy_gettext("Système de vigilance inconnu : choisissez-en un dans la liste.")
        )
    )


class DashboardArgsSchema(Schema):
    """The dashboard's query (``?from=&to=&queue=``): each field's refusal in the reader's words."""

    class Meta:
        unknown = EXCLUDE  # a link's tracking parameters are not the reader's filters

    first = fields.Date(
        data_key="from",
        error_messages={"invalid": lazy_gettext("La date de début n'est pas une date valide (AAAA-MM-JJ).")},
        validate=validate.Range(
            min=date(FIRST_YEAR, 1, 1),
            max=date(LAST_YEAR, 12, 31),
            error=lazy_gettext(
                "La date de début doit tomber entre %(first)s et %(last)s.", first=FIRST_YEAR, last=LAST_YEAR
            ),
        ),
    )
    last = fields.Date(
        data_key="to",
        error_messages={"invalid": lazy_gettext("La date de fin n'est pas une date valide (AAAA-MM-JJ).")},
        validate=validate.Range(
            min=date(FIRST_YEAR, 1, 1),
            max=date(LAST_YEAR, 12, 31),
            error=lazy_gettext(
                "La date de fin doit tomber entre %(first)s et %(last)s.", first=FIRST_YEAR, last=LAST_YEAR
            ),
        ),
    )
    queue = _known_queue()


class ActivityArgsSchema(Schema):
    """An activity report's period (a year, or a month of it) and system, from its path or its form."""

    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(
        required=True,
        error_messages={"required": lazy_gettext("Indiquez l'année."), "invalid": _YEAR_OUT_OF_RANGE},
        validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR, error=_YEAR_OUT_OF_RANGE),
    )
    month = fields.Integer(
        error_messages={"invalid": _MONTH_OUT_OF_RANGE},
        validate=validate.Range(min=1, max=12, error=_MONTH_OUT_OF_RANGE),
    )
    queue = _known_queue()


_DASHBOARD_ARGS = DashboardArgsSchema()
_ACTIVITY_ARGS = ActivityArgsSchema()


def _load(schema: Schema, asked: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    """What *asked* says once validated by *schema*, and what is wrong with it, by field (in the reader's words)."""
    try:
        return schema.load(payload_from_form(schema, asked)), {}
    except ValidationError as error:
        return error.valid_data or {}, form_errors(error.messages)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS)


def _dashboard_request() -> tuple[date, date, str | None, dict[str, list[str]]]:
    """The period asked for (whole days, both ends included; the last twelve weeks unless said), the system
    chosen, and what is wrong with them, by field: a period that cannot be drawn is refused, never replaced."""
    asked, errors = _load(_DASHBOARD_ARGS, request.args)
    last = asked.get("last") or utcnow().astimezone(PARIS).date()
    first = asked.get("first") or (last - timedelta(days=last.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1))
    if not errors.get("from") and not errors.get("to"):
        if first > last:
            errors["from"] = [_("La date de début doit précéder la date de fin.")]
        elif last - first > LONGEST:
            errors["from"] = [_("Choisissez une période de deux ans au plus.")]
    return first, last, asked.get("queue"), errors


def _refused_csv(errors: dict[str, list[str]]):
    """A refused export: the API's error shape, naming the fields; nothing is exported."""
    return json_error(400, " ".join(m for messages in errors.values() for m in messages), errors)


def _figures(first: date, last: date, queue: str | None):
    queues = _reader_queues(queue)
    return statistics.dashboard(
        get_session(),
        establishment_id=page_user().establishment_id,
        queues=queues,
        start=_moment(first),
        end=_moment(last + timedelta(days=1)),
        now=utcnow(),
    )


def _queue_name(queue: str) -> str:
    return say(QUEUE_LABELS[Queue(queue)], select_locale())


def _level_name(level: str) -> str:
    return label(UNASSESSED_LABELS, level, select_locale())


def _imputability_name(queue: str, level: str) -> str:
    return imputability_name(level, queue, select_locale())


@bp.get("/dashboard")
@login_required
def dashboard():
    _reader_queues()
    first, last, queue, errors = _dashboard_request()
    if errors:
        values = {name: request.args.get(name, "").strip() for name in ("from", "to", "queue")}
        return render_template(
            "dashboard/index.html",
            figures=None,
            values=values,
            errors=errors,
            all_queues=statistics.queues_of(page_user()),
        ), 400
    figures = _figures(first, last, queue)
    activity = figures.activity
    queues = list(activity.queues)
    weeks = activity.weeks()
    week_labels = [f"{monday:%d/%m}" for monday in weeks]
    received_chart = bar_chart(
        week_labels,
        [Series(_queue_name(q), tuple(activity.queues[q].by_week[m] for m in weeks)) for q in queues],
        title=_("Signalements reçus par semaine"),
        colon=i18n.colon(select_locale()),
    )
    severity_keys = statistics.SEVERITY_KEYS
    severity_chart = bar_chart(
        [_level_name(k) for k in severity_keys],
        [Series(_queue_name(q), tuple(activity.queues[q].by_severity[k] for k in severity_keys)) for q in queues],
        title=_("Par grade de sévérité"),
        colon=i18n.colon(select_locale()),
    )
    compliance_chart = bar_chart(
        [_queue_name(q) for q in queues],
        [
            Series(_("respectés"), tuple(activity.queues[q].compliance.met for q in queues)),
            Series(_("dépassés"), tuple(activity.queues[q].compliance.missed for q in queues)),
        ],
        title=_("Respect des délais"),
        colon=i18n.colon(select_locale()),
        stacked=False,
    )
    ages = [key for key, _low, _high in statistics.AGE_BUCKETS]
    age_chart = bar_chart(
        [_("%(span)s j", span=key) for key in ages],
        [Series(_queue_name(q), tuple(figures.open_by_age[q][k] for k in ages)) for q in queues],
        title=_("Éléments ouverts par ancienneté"),
        colon=i18n.colon(select_locale()),
    )
    return render_template(
        "dashboard/index.html",
        figures=figures,
        activity=activity,
        queues=queues,
        weeks=weeks,
        first=first,
        last=last,
        values={"from": first.isoformat(), "to": last.isoformat(), "queue": queue or ""},
        all_queues=statistics.queues_of(page_user()),
        errors={},
        ages=ages,
        severity_keys=severity_keys,
        received_chart=received_chart,
        severity_chart=severity_chart,
        compliance_chart=compliance_chart,
        age_chart=age_chart,
        level_name=_level_name,
        csv_url=url_for(
            "dashboard_pages.dashboard_csv",
            **{"from": first.isoformat(), "to": last.isoformat(), **({"queue": queue} if queue else {})},
        ),
    )


def _export_language() -> tuple[str | None, dict[str, list[str]]]:
    """The language of an export's columns, separator and decimal mark: ``?lang=fr|en``, else the page's."""
    asked = request.args.get("lang", "").strip()
    if not asked:
        return select_locale(), {}
    if asked not in LANGUAGES:
        return None, {"lang": [_("Langue inconnue : fr ou en.")]}
    return asked, {}


def _csv(columns: tuple[Message, ...], rows: list[tuple], filename: str, language: str) -> Response:
    return Response(
        spreadsheets.csv_text(columns, rows, language),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/dashboard.csv")
@login_required
def dashboard_csv():
    _reader_queues()
    first, last, queue, errors = _dashboard_request()
    language, language_errors = _export_language()
    if errors or language_errors:
        return _refused_csv({**errors, **language_errors})
    figures = _figures(first, last, queue)
    return _csv(
        spreadsheets.FIGURE_COLUMNS,
        figures.rows(),
        f"vigilance-dashboard-{first.isoformat()}-{last.isoformat()}.csv",
        language,
    )


# Activity reports ---------------------------------------------------------------------------------


def _activity_request(year: str, month: str) -> tuple[Period | None, str | None, dict[str, list[str]]]:
    """The month (or, without one, the year) and the system asked for, and what is wrong with them, by field."""
    asked, errors = _load(
        _ACTIVITY_ARGS, MultiDict({"year": year, "month": month, "queue": request.args.get("queue", "")})
    )
    queue = asked.get("queue")
    if errors:
        return None, queue, errors
    if asked.get("month"):
        return period_containing("monthly", date(asked["year"], asked["month"], 1)), queue, errors
    return period_containing("yearly", date(asked["year"], 1, 1)), queue, errors


def _activity(period: Period, queue: str | None) -> statistics.Activity:
    queues = _reader_queues(queue)
    return statistics.activity(
        get_session(),
        establishment_id=page_user().establishment_id,
        queues=queues,
        start=period.starts_at,
        end=period.ends_at,
        now=utcnow(),
    )


def _audit_cases(report: statistics.Activity, action: str, target: str) -> None:
    """The serious cases a report lists are report content: each one's reading is in the trail."""
    events = [audit.Event(action, report_id=c.report_id, target=target) for c in report.serious_cases]
    with write_transaction(get_session()) as db:
        audit.record_all(db, events, actor=page_user(), now=utcnow())


def _activity_page(
    *,
    period: Period | None,
    queue: str | None,
    values: dict[str, str],
    errors: dict[str, list[str]],
    report: statistics.Activity | None = None,
):
    today = utcnow().astimezone(PARIS).date()
    months = []
    day = today.replace(day=1)
    for _step in range(12):
        day = (day - timedelta(days=1)).replace(day=1)
        months.append(day)
    return render_template(
        "dashboard/activity.html",
        report=report,
        period=period,
        chosen_queue=queue,
        year=period.start.year if period else None,
        month=period.start.month if period and period.kind == "monthly" else None,
        values=values,
        errors=errors,
        all_queues=statistics.queues_of(page_user()),
        level_name=_level_name,
        months=months,
        imputability_name=_imputability_name,
        years=[today.year - n for n in range(4)],
        generated_at=utcnow(),
    ), (400 if errors else 200)


def _asked_values(year: str, month: str) -> dict[str, str]:
    return {"year": year.strip(), "month": month.strip(), "queue": request.args.get("queue", "").strip()}


@bp.get("/activity")
@login_required
def activity_index():
    """Last month's report, or the period chosen in the form (``?year=&month=&queue=``)."""
    _reader_queues()
    year, month = request.args.get("year", ""), request.args.get("month", "")
    if not year.strip() and not month.strip():
        today = utcnow().astimezone(PARIS).date()
        last_month = today.replace(day=1) - timedelta(days=1)
        year, month = str(last_month.year), str(last_month.month)
    period, queue, errors = _activity_request(year, month)
    if errors:
        return _activity_page(period=None, queue=queue, values=_asked_values(year, month), errors=errors)
    return redirect(
        url_for(
            "dashboard_pages.activity_month",
            year=period.start.year,
            month=period.start.month if period.kind == "monthly" else None,
            queue=queue,
        )
    )


@bp.get("/activity/<int:year>")
@bp.get("/activity/<int:year>/<int:month>")
@login_required
def activity_month(year: int, month: int | None = None):
    _reader_queues()
    asked = _asked_values(str(year), "" if month is None else str(month))
    period, queue, errors = _activity_request(asked["year"], asked["month"])
    if errors:
        return _activity_page(period=None, queue=queue, values=asked, errors=errors)
    report = _activity(period, queue)
    _audit_cases(report, "read", f"page:activity:{period.key}")
    return _activity_page(period=period, queue=queue, values=asked, errors={}, report=report)


@bp.get("/activity/<int:year>/export.csv")
@bp.get("/activity/<int:year>/<int:month>/export.csv")
@login_required
def activity_csv(year: int, month: int | None = None):
    _reader_queues()
    period, queue, errors = _activity_request(str(year), "" if month is None else str(month))
    language, language_errors = _export_language()
    if errors or language_errors:
        return _refused_csv({**errors, **language_errors})
    report = _activity(period, queue)
    return _csv(
        spreadsheets.ACTIVITY_COLUMNS,
        statistics.activity_rows(report),
        f"vigilance-activity-{period.key.replace(':', '-')}.csv",
        language,
    )


@bp.get("/activity/<int:year>/cases.csv")
@bp.get("/activity/<int:year>/<int:month>/cases.csv")
@login_required
def activity_cases_csv(year: int, month: int | None = None):
    _reader_queues()
    period, queue, errors = _activity_request(str(year), "" if month is None else str(month))
    language, language_errors = _export_language()
    if errors or language_errors:
        return _refused_csv({**errors, **language_errors})
    report = _activity(period, queue)
    _audit_cases(report, "export", f"csv:activity:{period.key}")
    return _csv(
        spreadsheets.SERIOUS_CASE_COLUMNS,
        spreadsheets.serious_case_rows(report.serious_cases, language),
        f"vigilance-serious-cases-{period.key.replace(':', '-')}.csv",
        language,
    )


@bp.get("/activity/<int:year>/report.pdf")
@bp.get("/activity/<int:year>/<int:month>/report.pdf")
@login_required
def activity_pdf(year: int, month: int | None = None):
    """The activity report as a PDF: the page's figures, for the records (French unless ``?lang=en``)."""
    _reader_queues()
    period, queue, errors = _activity_request(str(year), "" if month is None else str(month))
    asked = request.args.get("lang", "").strip()
    if asked and asked not in LANGUAGES:
        errors = {**errors, "lang": [_("Langue inconnue : fr ou en.")]}
    if errors:
        return _refused_csv(errors)
    report = _activity(period, queue)
    _audit_cases(report, "read", f"pdf:activity:{period.key}")
    establishment = get_session().get(Establishment, page_user().establishment_id)
    pdf = activity_sheet.render(
        report,
        period=period,
        establishment=establishment.name if establishment else "",
        finess=establishment.finess if establishment else None,
        now=utcnow(),
        language=asked or i18n.DEFAULT_LANGUAGE,
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{activity_sheet.file_name(period)}"'},
    )
