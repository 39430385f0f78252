"""Attachments: the investigation's documents and photos, attached to a report by its reporter or
to a queue item by whoever works it; read by whoever may read what they are attached to.

Who may see one:
- attached to the report (by its reporter): whoever may read the report (``may_read_report``);
- attached to an item (by its correspondents): whoever may open that item (``may_read_item``),
  as the item's own file is theirs; its reporter does not see the investigation's documents.

What is accepted is decided by the content, never by the name or the client's Content-Type: the
first bytes must be those of a PDF, JPEG, PNG, WebP or HEIC file (read by the ``filetype``
library), and the whole at most the configured size. Anything else is refused by field (``file``)
and nothing is stored, neither row nor file.

Order of the writes: the file first, under a fresh random key, then its row and audit event in
one transaction. Should the transaction fail the file is removed; should the process die between
the two, the file stays with no row naming it: nobody can reach it (a download goes through a
row), and :func:`sweep_orphans` removes it later.
"""

import hashlib
import logging
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

import filetype
from sqlmodel import Session, col, select

from vigilance import audit
from vigilance.access import may_read_item, may_read_report
from vigilance.errors import Forbidden, InvalidInput, NotFound
from vigilance.i18n import translatable
from vigilance.models import Attachment, QueueItem, Report, User
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir
from vigilance.storage.attachment_store import AttachmentStore, new_key
from vigilance.storage.transaction import write_transaction
from vigilance.triage import load_item

logger = logging.getLogger(__name__)

#: The types accepted, as the content shows them, with the file name extensions that go with each
#: (the first is added to a name that has none of them).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/webp": ("webp",),
    "image/heic": ("heic", "heif"),
}
#: The default largest file, in bytes (``VIGILANCE_ATTACHMENTS_MAX_BYTES``).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Longest description, as its column holds.
DESCRIPTION_MAX_LENGTH = 500
#: How much of the start of a file the type is read from (all ``filetype`` ever looks at).
_HEAD_BYTES = 8192
_CHUNK = 1024 * 1024
#: Longest name kept before its extension (the column holds 255).
_STEM_MAX_LENGTH = 200
#: Characters that file systems or headers treat specially, replaced in a name.
_UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*;]')
#: Files older than this with no row are orphans: a row is written within seconds of its file.
ORPHAN_AGE = timedelta(hours=1)

_NO_REPORT = translatable("Signalement introuvable.")
_NO_ATTACHMENT = translatable("Pièce jointe introuvable.")
#: The same words as for an item that does not exist (vigilance.item_file).
_NO_ITEM = translatable("Élément introuvable.")
_ONLY_ITS_REPORTER = translatable(
    "Seul le déclarant joint des fichiers au signalement ; les correspondants les joignent à leur élément de file."
)
_NO_FILE = translatable("Choisissez un fichier à joindre.")
_EMPTY = translatable("Ce fichier est vide.")
_NOT_ALLOWED = translatable(
    "Ce fichier n'est pas d'un type accepté (lu dans son contenu, pas dans son nom) : "
    "PDF, JPEG, PNG, WebP ou HEIC seulement."
)
_DESCRIPTION_TOO_LONG = translatable(
    "Description trop longue (%(max)s caractères au plus).", max=str(DESCRIPTION_MAX_LENGTH)
)
_DEFAULT_NAME = "piece-jointe"


class TooLarge(InvalidInput):
    """A file larger than the limit: refused by field (``file``), with 413."""

    code = "too_large"

    def __init__(self, max_bytes: int):
        super().__init__({"file": [too_large_message(max_bytes)]})


def too_large_message(max_bytes: int):
    """What a person reads when their file is too large: the limit in megabytes (or in bytes)."""
    if max_bytes >= 1024 * 1024:
        return translatable("Fichier trop volumineux : %(size)s Mo au plus.", size=f"{max_bytes / (1024 * 1024):g}")
    return translatable("Fichier trop volumineux : %(size)s octets au plus.", size=str(max_bytes))


@dataclass(frozen=True)
class Upload:
    """A file as a door received it: its bytes to read, and what the person said of it."""

    source: BinaryIO | None
    file_name: str | None
    description: str | None = None


@dataclass(frozen=True)
class _Received:
    """A file checked and stored under *key*, its row not yet written."""

    key: str
    file_name: str
    media_type: str
    size: int
    sha256: str


def sanitise_name(name: str | None, media_type: str) -> str:
    """*name* as it may be shown and offered for download: its last path part, without control or
    direction characters, nor the characters file systems and headers treat specially; ending with
    an extension of its detected type (``photo.jpg`` of a PDF becomes ``photo.jpg.pdf``)."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Controls, format characters (right-to-left overrides that disguise an extension),
    # surrogates, private use and unassigned code points: the categories beginning with C.
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = re.sub(r"\s+", " ", _UNSAFE_IN_NAME.sub("_", text)).strip(" .")
    stem, dot, extension = text.rpartition(".")
    if not dot or extension.lower() not in ALLOWED_TYPES[media_type]:
        stem, extension = text, ALLOWED_TYPES[media_type][0]
    stem = stem[:_STEM_MAX_LENGTH].strip(" .") or _DEFAULT_NAME
    return f"{stem}.{extension.lower()}"


def detected_type(head: bytes) -> str | None:
    """The accepted media type the first bytes of a file show, or ``None``."""
    kind = filetype.guess(bytes(head[:_HEAD_BYTES]))
    return kind.mime if kind is not None and kind.mime in ALLOWED_TYPES else None


def _report_to_attach_to(session: Session, report_id: int, actor: User) -> Report:
    report = session.get(Report, report_id) if 0 < report_id < 2**31 else None
    if report is None or not may_read_report(actor, report):
        raise NotFound(_NO_REPORT)
    if report.reporter_id != actor.id:
        raise Forbidden(_ONLY_ITS_REPORTER)
    return report


def _item_to_attach_to(session: Session, item_id: int, actor: User) -> tuple[QueueItem, Report]:
    """The item, if *actor* works it and may open its file (as ``item_file.open_item``)."""
    item = load_item(session, item_id, actor)
    report = session.get(Report, item.report_id)
    if not may_read_item(actor, item, report):
        raise NotFound(_NO_ITEM)
    return item, report


def check_description(description: str | None) -> str | None:
    """The description as stored (trimmed, ``None`` when blank); refused when too long or when
    it holds a social security number (the patient stays pseudonymous)."""
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise InvalidInput({"description": [_DESCRIPTION_TOO_LONG]})
    if contains_nir(text):
        raise InvalidInput({"description": [NIR_MESSAGE]})
    return text or None


def check_file_name(file_name: str | None) -> None:
    """A file named after the patient's social security number is refused before it is read:
    its name is shown, listed in the case sheet and sent with the declaration."""
    if contains_nir(file_name):
        raise InvalidInput({"file": [NIR_MESSAGE]})


def attach(
    session: Session,
    store: AttachmentStore,
    *,
    upload: Upload,
    actor: User,
    now: datetime,
    max_bytes: int,
    report_id: int | None = None,
    item_id: int | None = None,
) -> Attachment:
    """Attach *upload* to a report (*report_id*, its reporter only) or to a queue item (*item_id*,
    whoever may open and work it): the file is checked and stored, then its row and audit event
    are written and committed in one write transaction.

    :raises NotFound: no such report or item, or one *actor* may not read.
    :raises Forbidden: *actor* reads the report but is not its reporter.
    :raises TooLarge: the file is larger than *max_bytes*.
    :raises InvalidInput: no file, an empty one, one whose content is not of an accepted type,
        too long a description, or a NIR in the file's name or description (on ``file`` or
        ``description``). Nothing is stored.
    """
    if (report_id is None) == (item_id is None):
        raise ValueError("attach to a report or to an item")
    if report_id is not None:
        _report_to_attach_to(session, report_id, actor)
    else:
        _item_to_attach_to(session, item_id, actor)
    description = check_description(upload.description)
    check_file_name(upload.file_name)
    received = _receive(store, upload, max_bytes=max_bytes)
    try:
        with write_transaction(session) as db:
            # Checked again inside the write: the account or the item may have changed meanwhile.
            if report_id is not None:
                report = _report_to_attach_to(db, report_id, actor)
            else:
                _item, report = _item_to_attach_to(db, item_id, actor)
            attachment = Attachment(
                report_id=report.id,
                queue_item_id=item_id,
                file_name=received.file_name,
                media_type=received.media_type,
                size=received.size,
                sha256=received.sha256,
                storage_key=received.key,
                description=description,
                uploaded_by=actor.id,
                uploaded_at=now,
            )
            db.add(attachment)
            db.flush()
            audit.record(
                db,
                actor=actor,
                action="attachment",
                now=now,
                report_id=report.id,
                target=f"attachment:{attachment.id}",
                after={
                    "file_name": received.file_name,
                    "media_type": received.media_type,
                    "size": received.size,
                    "sha256": received.sha256,
                    "queue_item_id": item_id,
                },
            )
    except BaseException:
        store.delete(received.key)
        raise
    logger.info(
        "Attachment %s (%s, %s bytes) added to report %s by %s",
        attachment.id,
        attachment.media_type,
        attachment.size,
        attachment.report_id,
        actor.id,
    )
    return attachment


def _receive(store: AttachmentStore, upload: Upload, *, max_bytes: int) -> _Received:
    """Read *upload* once (counting and hashing), check its size and type, then store it under a
    new key. Nothing is stored when it is refused."""
    if upload.source is None:
        raise InvalidInput({"file": [_NO_FILE]})
    digest = hashlib.sha256()
    size = 0
    head = b""
    # Spooled: a photo stays in memory, a larger PDF goes to a temporary file, never both whole.
    with tempfile.SpooledTemporaryFile(max_size=_CHUNK) as spool:
        while chunk := upload.source.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(max_bytes)
            if len(head) < _HEAD_BYTES:
                head += chunk[: _HEAD_BYTES - len(head)]
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            if not upload.file_name:
                raise InvalidInput({"file": [_NO_FILE]})
            raise InvalidInput({"file": [_EMPTY]})
        media_type = detected_type(head)
        if media_type is None:
            raise InvalidInput({"file": [_NOT_ALLOWED]})
        key = new_key()
        spool.seek(0)
        store.put(key, spool)
    return _Received(key, sanitise_name(upload.file_name, media_type), media_type, size, digest.hexdigest())


def open_for_download(session: Session, *, attachment_id: int, actor: User, now: datetime, via: str) -> Attachment:
    """The attachment, if *actor* may read it; the read is recorded in the audit trail (in the
    caller's transaction), as any read of a report is.

    :raises NotFound: no such attachment, or one *actor* may not read (the two look the same).
    """
    attachment = session.get(Attachment, attachment_id) if 0 < attachment_id < 2**31 else None
    if attachment is None or not may_read_attachment(session, actor, attachment):
        raise NotFound(_NO_ATTACHMENT)
    audit.record(
        session,
        actor=actor,
        action="read",
        now=now,
        report_id=attachment.report_id,
        target=f"{via}:attachment:{attachment.id}",
    )
    return attachment


def may_read_attachment(session: Session, user: User, attachment: Attachment) -> bool:
    """Whoever may read the report, for the reporter's files; whoever may open the item, for an item's."""
    report = session.get(Report, attachment.report_id)
    if attachment.queue_item_id is None:
        return may_read_report(user, report)
    item = session.get(QueueItem, attachment.queue_item_id)
    return may_read_item(user, item, report)


def shown_to(session: Session, reader: User, report: Report) -> list[Attachment]:
    """The attachments of *report* that *reader* may read, oldest first: the reporter's, and those
    of the items *reader* may open."""
    found = list(session.exec(select(Attachment).where(Attachment.report_id == report.id).order_by(col(Attachment.id))))
    item_ids = {a.queue_item_id for a in found if a.queue_item_id is not None}
    items = (
        {i.id: i for i in session.exec(select(QueueItem).where(col(QueueItem.id).in_(item_ids)))} if item_ids else {}
    )
    opened = {item_id for item_id, item in items.items() if may_read_item(reader, item, report)}
    readable = may_read_report(reader, report)
    return [
        a
        for a in found
        if (a.queue_item_id is None and readable) or (a.queue_item_id is not None and a.queue_item_id in opened)
    ]


def list_for_report(session: Session, *, report_id: int, actor: User, now: datetime, via: str) -> list[Attachment]:
    """The attachments of a report *actor* may read (see :func:`shown_to`); the read is audited.

    :raises NotFound: no such report, or one *actor* may not read.
    """
    report = session.get(Report, report_id) if 0 < report_id < 2**31 else None
    if report is None or not may_read_report(actor, report):
        raise NotFound(_NO_REPORT)
    audit.record(session, actor=actor, action="read", now=now, report_id=report.id, target=f"{via}:attachments")
    return shown_to(session, actor, report)


def uploaders(session: Session, attachments: Iterable[Attachment]) -> dict[int, User]:
    """The accounts that uploaded *attachments*, by id (to show who added each)."""
    ids = {a.uploaded_by for a in attachments}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))} if ids else {}


def sweep_orphans(
    session: Session, store: AttachmentStore, *, now: datetime, older_than: timedelta = ORPHAN_AGE
) -> int:
    """Remove the stored files no row names (a process that died between writing a file and
    committing its row, a downgraded database), once older than *older_than*; return how many.

    A file younger than that may be one whose row is being written: it is left for the next sweep.
    """
    known = set(session.exec(select(Attachment.storage_key)).all())
    removed = 0
    for stored in list(store.stored_keys()):
        if stored.key not in known and stored.written_at <= now - older_than:
            store.delete(stored.key)
            removed += 1
    if removed:
        logger.info("Removed %s orphan attachment files", removed)
    return removed
