"""Generated documents on the item page: the E2B(R3) message of a pharmacovigilance item, downloads."""

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages.security import login_required
from vigilance import documents
from vigilance.clock import utcnow
from vigilance.errors import Conflict, InvalidInput
from vigilance.exports import e2b
from vigilance.item_file import open_item
from vigilance.models import GeneratedDocument, Report
from vigilance.storage.transaction import write_transaction

bp = Blueprint("document_pages", __name__)


def _download(document: GeneratedDocument, reference: str) -> Response:
    return Response(
        document.content,
        mimetype=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{documents.file_name(document, reference)}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    """A stored document, to whoever may open its item (404 otherwise); each download audited."""
    user = page_user()
    with write_transaction(get_session()) as db:
        document = documents.get(db, document_id, user)
        documents.record_download(db, document, reader=user, now=utcnow(), door="page")
        reference = db.get(Report, document.report_id).reference
    return _download(document, reference)


@bp.get("/queue-items/<int:item_id>/declaration.xml")
@login_required
def declaration_xml(item_id: int):
    """The item's latest stored E2B(R3) message (404 before the first): a GET generates nothing."""
    user = page_user()
    with write_transaction(get_session()) as db:
        document = e2b.latest(db, item_id=item_id, reader=user)
        documents.record_download(db, document, reader=user, now=utcnow(), door="page")
        reference = db.get(Report, document.report_id).reference
    return _download(document, reference)


@bp.post("/queue-items/<int:item_id>/declaration.xml/generate")
@login_required
def generate(item_id: int):
    """Generate the item's E2B(R3) message as the case stands (a new version only if the case
    changed), then download it. A form with the CSRF token: a link from elsewhere cannot."""
    user = page_user()
    with write_transaction(get_session()) as db:
        document, _new = e2b.generate(db, item_id=item_id, actor=user, now=utcnow())
        document_id = document.id
    return redirect(url_for("document_pages.download", document_id=document_id))


@bp.post("/queue-items/<int:item_id>/declaration.xml/nullify")
@login_required
def nullify(item_id: int):
    """Nullify the item's E2B(R3) message, with the reason typed."""
    user = page_user()
    open_item(get_session(), item_id, user)  # 404, as the item's page, for whoever may not open it
    try:
        with write_transaction(get_session()) as db:
            e2b.nullify(db, item_id=item_id, actor=user, reason=request.form.get("reason", ""), now=utcnow())
    except (InvalidInput, Conflict) as error:  # not found: 404, as the item's page
        language = select_locale()
        problems = error.messages(language) if isinstance(error, InvalidInput) else {}
        flash(" ".join([error.say(language), *(" ".join(m) for m in problems.values())]), "error")
    else:
        flash(_("Message E2B d'annulation généré."), "info")
    return redirect(url_for("triage_pages.item", item_id=item_id) + "#documents")
