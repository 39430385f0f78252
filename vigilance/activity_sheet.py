"""The activity report of a year (or a month) as a PDF: the same figures as its page
(``/activity/<year>``, from ``vigilance.statistics.activity``), laid out for the establishment's
records and for its annual report to the authorities (``templates/documents/activity_report.html``).
"""

from datetime import datetime

from vigilance import i18n, printing
from vigilance.i18n import translatable
from vigilance.periods import Period
from vigilance.statistics import Activity

TEMPLATE = "activity_report.html"
TITLE = translatable("Rapport d'activité")


def render(
    activity: Activity,
    *,
    period: Period,
    establishment: str,
    finess: str | None,
    now: datetime,
    language: str = i18n.DEFAULT_LANGUAGE,
) -> bytes:
    """The report's PDF in *language* (French by default)."""
    letterhead = printing.Letterhead(
        title=f"{i18n.say(TITLE, language)} — {period.label(i18n.supported(language))}",
        establishment=establishment,
        finess=finess,
        generated_at=now,
    )
    return printing.render_pdf(TEMPLATE, language, letterhead, {"report": activity, "period": period})


def file_name(period: Period) -> str:
    return f"vigilance-rapport-activite-{period.key.replace(':', '-')}.pdf"
