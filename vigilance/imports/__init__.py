"""Imports: establishments (the national FINESS extract), accounts and past cases, from a file.

Every import goes the same way, whichever door (``vigilance import ...``, ``/admin/imports``):

1. :func:`preview`, the dry run: the file is read and every record checked against the rules
   and the database as it is; every problem is listed with its line (its position for a JSON
   case) and field. It only reads: nothing is stored, not even an audit event.
2. :func:`apply`, in the caller's one write transaction: the file is checked again (the
   database may have changed since the preview), and stored only if no record has a problem;
   one problem, even on the last of a thousand lines, and nothing is stored (the door's write
   transaction rolls back on :class:`ImportRefused`). *expected* binds the import to the file
   previewed: a file whose SHA-256 differs is refused. The import is one audit event (who, which
   file, what it did), beside the events of each account, establishment or report written.

The kinds, each in its module with its format documented: :mod:`vigilance.imports.establishments`,
:mod:`vigilance.imports.accounts`, :mod:`vigilance.imports.cases`.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from vigilance import audit
from vigilance.clock import utcnow
from vigilance.errors import Conflict, InvalidInput
from vigilance.i18n import translatable
from vigilance.imports import accounts as account_import
from vigilance.imports import cases as case_import
from vigilance.imports import establishments as establishment_import
from vigilance.imports.reading import Checked, Outcome, Problem, Progress
from vigilance.models import User

__all__ = ["KINDS", "ImportRefused", "Outcome", "Problem", "Progress", "apply", "preview", "sha256_of"]

#: Each kind of import and its module: ``check(session, data, **options) -> Checked`` and
#: ``store(session, checked, actor=, now=, sha256=, progress=) -> counts``.
KINDS: dict[str, Any] = {
    "establishments": establishment_import,
    "accounts": account_import,
    "cases": case_import,
}


class ImportRefused(InvalidInput):
    """The file has problems: nothing of it is stored. ``outcome`` lists every problem."""

    def __init__(self, outcome: Outcome):
        errors: dict[str, list] = {}
        for problem in outcome.problems:
            errors.setdefault(f"line {problem.line}: {problem.field}", []).append(problem.message)
        super().__init__(errors or {"file": [translatable("Fichier refusé.")]})
        self.outcome = outcome


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _module(kind: str):
    if kind not in KINDS:
        raise InvalidInput({"kind": [translatable("Type d'import inconnu : %(kind)s.", kind=kind)]})
    return KINDS[kind]


def preview(
    session: Session,
    *,
    kind: str,
    data: bytes,
    now: datetime | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Outcome:
    """The dry run: every problem of the file, by line and field, and what an import would do.
    Reads only.

    :param options: the kind's own (cases: ``establishment`` FINESS, ``reporter`` email).
    """
    module = _module(kind)
    checked = _nul_refused(data) or module.check(session, data, now=now or utcnow(), progress=progress, **options)
    return Outcome(
        kind=kind,
        sha256=sha256_of(data),
        records=checked.records,
        problems=checked.problems,
        dry_run=True,
        **checked.would,
    )


def apply(
    session: Session,
    *,
    kind: str,
    data: bytes,
    actor: User | None,
    now: datetime,
    expected: str | None = None,
    file_name: str = "",
    progress: Progress | None = None,
    **options: Any,
) -> Outcome:
    """Check the file again and store it whole, in the caller's transaction (flush, no commit).

    :param actor: the administrator who confirmed it; None from the command line.
    :param expected: the SHA-256 of the file previewed: another file is refused.
    :raises Conflict: the file is not the one previewed.
    :raises ImportRefused: a record has a problem; nothing was written.
    """
    module = _module(kind)
    now = now.astimezone(UTC)  # as the trail stores it: what is hashed is what is read back
    sha256 = sha256_of(data)
    if expected is not None and expected != sha256:
        raise Conflict(translatable("Ce fichier n'est pas celui de l'essai : relancez l'essai avant d'importer."))
    checked = _nul_refused(data) or module.check(session, data, now=now, progress=progress, **options)
    outcome = Outcome(kind=kind, sha256=sha256, records=checked.records, problems=checked.problems, dry_run=False)
    if outcome.problems or not checked.records:
        if not outcome.problems:
            outcome.problems.append(Problem(1, "file", translatable("Le fichier ne contient aucun enregistrement.")))
        raise ImportRefused(outcome)
    counts = module.store(session, checked, actor=actor, now=now, sha256=sha256, progress=progress)
    outcome.created = counts.get("created", 0)
    outcome.updated = counts.get("updated", 0)
    outcome.unchanged = counts.get("unchanged", 0)
    outcome.stored = True
    audit.record(
        session,
        actor=actor,
        action=f"import.{kind}",
        now=now,
        target=f"import:{sha256[:16]}",
        after={
            "kind": kind,
            "file_name": file_name[:200],
            "sha256": sha256,
            "records": outcome.records,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            **{name: value for name, value in options.items() if value},
        },
    )
    return outcome


def _nul_refused(data: bytes) -> Checked | None:
    """A file holding a NUL character, which no database column can store: refused at its line."""
    position = data.find(b"\x00")
    if position < 0:
        return None
    line = data.count(b"\n", 0, position) + 1
    message = translatable("Caractère nul (U+0000) : ce fichier n'est pas du texte, ou il est abîmé.")
    return Checked(records=0, problems=[Problem(line, "file", message)])
