"""Where attachments' bytes are kept: outside the web root, under random keys, behind one small
interface (:class:`AttachmentStore`) so that another backend can take the folder's place.

The folder (:class:`FolderStore`, the default: ``<instance folder>/attachments``, or
``VIGILANCE_ATTACHMENTS_DIR``) is the only backend today. An object store (S3-compatible) would
implement the same four methods; it is not written, as no S3 server could be run here to test it
against (see README).

A file is written whole or not at all: into a temporary file beside its place, flushed to disk,
then renamed to its key (a rename within one folder is atomic), so a crash never leaves half a
file under a key. The row that names the file is written after it (``vigilance.attachments``):
a crash in between leaves a file that no row names, which nobody can reach (every download goes
through a row) and :func:`vigilance.attachments.sweep_orphans` removes.
"""

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

#: A storage key: 32 lowercase hex digits (128 random bits). Nothing else is ever joined to a path.
_KEY = re.compile(r"[0-9a-f]{32}")
_TEMPORARY_PREFIX = ".partial-"


def new_key() -> str:
    """A fresh random key: the stored file's name knows nothing of the name people gave it."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


@dataclass(frozen=True)
class StoredKey:
    key: str
    #: When the file was written (UTC): orphans are removed only once old enough that their row
    #: may not still be on its way.
    written_at: datetime


class AttachmentStore(Protocol):
    """What the domain needs of a place to keep files."""

    def put(self, key: str, source: BinaryIO) -> None:
        """Store *source* (read from its current position to its end) under *key*, whole or not at all."""

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, to read; :class:`FileNotFoundError` when there are none."""

    def delete(self, key: str) -> None:
        """Remove the file under *key* (or a leftover ``stored_keys`` named); nothing when there is none."""

    def stored_keys(self) -> Iterator[StoredKey]:
        """Every key stored, with when it was written."""


class FolderStore:
    """Files in a folder of the local disk, two levels: ``<root>/<first two hex digits>/<key>``."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<FolderStore {self.root}>"

    def _path(self, key: str) -> Path:
        # A leftover of a write that died midway is named by its temporary name (see ``stored_keys``).
        name = check_key(key.removeprefix(_TEMPORARY_PREFIX))
        return self.root / name[:2] / key

    def put(self, key: str, source: BinaryIO) -> None:
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(_TEMPORARY_PREFIX + key)
        # Readable by the service's account alone: these are health documents.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
                target.flush()
                os.fsync(target.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_folder(path.parent)

    def open(self, key: str) -> BinaryIO:
        return self._path(check_key(key)).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def stored_keys(self) -> Iterator[StoredKey]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                # A write that died midway is listed under its temporary name, for the sweep.
                name = path.name.removeprefix(_TEMPORARY_PREFIX)
                if _KEY.fullmatch(name) and name[:2] == folder.name:
                    yield StoredKey(path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC))


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable: the folder's entry is on disk once this returns."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
