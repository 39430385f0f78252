"""What the API and the pages share about attachments: the store, the upload's size limit, and
the download answer, so that both doors accept, refuse and serve files alike.

Sizes: a body larger than the file limit plus room for the form around it
(``VIGILANCE_ATTACHMENTS_MAX_BYTES`` + ``FORM_ROOM``) is refused from its Content-Length before
anything reads it, and a file larger than the limit that fits in that room is refused as it is
read: both are 413 with the field error on ``file`` (the API's JSON error, or a page in the
reader's language), and nothing is stored.
"""

import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import FileStorage

from app.db import get_session
from vigilance import attachments
from vigilance.clock import utcnow
from vigilance.models import Attachment, User
from vigilance.storage.attachment_store import FolderStore
from vigilance.storage.transaction import write_transaction

#: Room for the multipart form around the file: boundaries, headers, the description, the CSRF token.
FORM_ROOM = 64 * 1024
#: The endpoints that receive a file (API and pages): their body may be as large as a file.
UPLOAD_ENDPOINTS = frozenset(
    {
        "attachments.report_attachments",
        "attachments.item_attachments",
        "attachment_pages.report_upload",
        "attachment_pages.item_upload",
    }
)
#: A download is a document to save, never a page of this site: a sandbox without scripts,
#: origin or plugins, whatever a browser would make of its bytes.
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def store_of(app: Flask) -> FolderStore:
    """The app's attachment store: ``ATTACHMENTS_DIR``, or ``attachments`` in its instance folder."""
    folder = app.config.get("ATTACHMENTS_DIR") or Path(app.instance_path) / "attachments"
    return FolderStore(folder)


def _limit_upload_body() -> None:
    """Give the upload endpoints a body limit of their own (the others keep ``JSON_MAX_BYTES``)."""
    if request.method != "POST" or request.endpoint not in UPLOAD_ENDPOINTS:
        return
    max_bytes = current_app.config["ATTACHMENTS_MAX_BYTES"]
    # Chunked bodies (no Content-Length) are cut at this limit by werkzeug as they are read.
    request.max_content_length = max_bytes + FORM_ROOM
    if request.content_length is not None and request.content_length > max_bytes + FORM_ROOM:
        raise attachments.TooLarge(max_bytes)


def init_app(app: Flask) -> None:
    # First of all hooks: the text guard and the CSRF check read the form, and so the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_upload_body)


def upload(
    file: FileStorage | None, description: str | None, *, actor: User, report_id=None, item_id=None
) -> Attachment:
    """Attach the request's *file* to a report or an item (see ``vigilance.attachments.attach``)."""
    received = attachments.Upload(
        source=file.stream if file is not None and (file.filename or file.content_length) else None,
        file_name=file.filename if file is not None else None,
        description=description,
    )
    return attachments.attach(
        get_session(),
        store_of(current_app),
        upload=received,
        actor=actor,
        now=utcnow(),
        max_bytes=current_app.config["ATTACHMENTS_MAX_BYTES"],
        report_id=report_id,
        item_id=item_id,
    )


def download(attachment_id: int, *, actor: User, via: str) -> Response:
    """The attachment's bytes, for *actor* who may read it (the read audited), served so that no
    browser runs or shows them as a page of the site."""
    with write_transaction(get_session()) as db:
        attachment = attachments.open_for_download(db, attachment_id=attachment_id, actor=actor, now=utcnow(), via=via)
    # Read whole (at most ATTACHMENTS_MAX_BYTES): nothing is left open when a client goes away
    # before reading the answer, or a WSGI client never closes it.
    with store_of(current_app).open(attachment.storage_key) as stored:
        content = stored.read()
    # A type no longer on the allow-list (a row older than a change of the list) is sent as bytes.
    media_type = (
        attachment.media_type if attachment.media_type in attachments.ALLOWED_TYPES else "application/octet-stream"
    )
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = content_disposition(attachment.file_name)
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    # X-Content-Type-Options: nosniff is on every answer (app.security_headers).
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def content_disposition(file_name: str) -> str:
    """``attachment`` with the name twice: plain ASCII for old clients, and UTF-8 (RFC 6266, 5987)."""
    ascii_name = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode()
    ascii_name = "".join(ch if ch.isprintable() and ch not in '"\\' else "_" for ch in ascii_name) or "piece-jointe"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"
