"""Attaching files on the report's page (its reporter) and on the item's page (its
correspondents), and downloading them: the same checks and answers as the API's."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from app import attachment_doors
from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages import reports as report_pages
from app.pages import triage as triage_pages
from app.pages.security import login_required
from vigilance import attachments
from vigilance.errors import InvalidInput
from vigilance.item_file import open_item

bp = Blueprint("attachment_pages", __name__)

#: A refusal's status: too large is 413, as on the API; any other refused file 422.
_TOO_LARGE, _INVALID = 413, 422


def _refused(error: InvalidInput) -> tuple[dict[str, list[str]], int]:
    return error.messages(select_locale()), _TOO_LARGE if isinstance(error, attachments.TooLarge) else _INVALID


@bp.post("/reports/<int:report_id>/attachments", endpoint="report_upload")
@login_required
def report_upload(report_id: int):
    """The reporter attaches a file to their report; a refused file shows the page again with its
    reason. Anyone else is refused as the API refuses them (404, or 403 for another reader)."""
    try:
        attachment_doors.upload(
            request.files.get("file"), request.form.get("description"), actor=page_user(), report_id=report_id
        )
    except InvalidInput as error:
        errors, status = _refused(error)
        return report_pages.detail_page(report_id, status=status, attachment_errors=errors)
    flash(_("Fichier joint au signalement."), "info")
    return redirect(url_for("reports_pages.detail", report_id=report_id, _anchor="attachments"))


@bp.post("/queue-items/<int:item_id>/attachments", endpoint="item_upload")
@login_required
def item_upload(item_id: int):
    """A correspondent attaches a file to the item; a refusal shows the page again with its reason."""
    user = page_user()
    item = open_item(get_session(), item_id, user)  # 404, as the item's page, for whoever may not open it
    try:
        attachment_doors.upload(request.files.get("file"), request.form.get("description"), actor=user, item_id=item_id)
    except InvalidInput as error:
        errors, status = _refused(error)
        get_session().expire_all()
        return triage_pages.item_page(item, user, status=status, attachment_errors=errors)
    flash(_("Fichier joint à l'élément."), "info")
    return redirect(url_for("triage_pages.item", item_id=item_id, _anchor="attachments"))


@bp.get("/attachments/<int:attachment_id>", endpoint="download")
@login_required
def download(attachment_id: int):
    """The file, to save: for whoever may read it (each download audited)."""
    return attachment_doors.download(attachment_id, actor=page_user(), via="page")
