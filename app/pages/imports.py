"""The administrators' imports page: upload a file, read the dry run's report, then confirm.

The confirmation is bound to the file previewed: the upload is kept in the instance folder under
the name of its trial run (a digest of its SHA-256, the kind and the options it was tried with:
``imports/<trial>``); the confirmation names the trial and the file's SHA-256, a trial whose kind
or options were changed is not found, and the import refuses a file whose digest differs
(``vigilance.imports.apply(expected=...)``), as a re-decision's approval names the fingerprint of
its preview (app/pages/rulebooks.py). The kept file is removed once
imported, and any left over (a preview never confirmed) after a day.

The import runs inside the confirming request, in one transaction: the page answers when it is
done, with the counts of what was read and stored; while it runs, the server logs its progress
every thousand records (a simple server-side count, no polling page). A national FINESS extract
(about 100,000 lines, some 30 MB) is for the command line (``vigilance import establishments``),
which shows a progress bar; the page takes files up to :data:`MAX_BYTES`.
"""

import logging
import re
import time
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask_babel import gettext as _
from sqlmodel import select

from app.auth import page_user
from app.db import get_session
from app.i18n import select_locale
from app.pages.admin import admin_required
from vigilance import imports
from vigilance.clock import utcnow
from vigilance.errors import Conflict, VigilanceError
from vigilance.i18n import say
from vigilance.models import Establishment, ReportImport
from vigilance.storage.transaction import write_transaction

logger = logging.getLogger(__name__)

bp = Blueprint("import_pages", __name__, url_prefix="/admin")

#: The largest file the page takes (the command line takes any).
MAX_BYTES = 20 * 1024 * 1024
#: Room for the form's other fields around the file.
FORM_ROOM = 64 * 1024
#: A preview not confirmed within this many seconds is forgotten.
KEEP_SECONDS = 24 * 3600
_DIGEST = re.compile(r"[0-9a-f]{64}")
_UPLOAD_ENDPOINTS = frozenset({"import_pages.preview", "import_pages.confirm"})


def _limit_body() -> None:
    """The upload endpoints take a file larger than the service's usual bodies."""
    if request.method == "POST" and request.endpoint in _UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_BYTES + FORM_ROOM


@bp.record_once
def _register(state) -> None:
    app: Flask = state.app
    # First of the hooks, as attachments' own: the CSRF check reads the form, and so the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_body)

    @app.template_global()
    def imported_mark(report_id: int) -> ReportImport | None:
        """The mark of an imported report (shown "importé" on its pages), or None."""
        return get_session().get(ReportImport, report_id)


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _trial(kind: str, options: dict, sha256: str) -> str:
    """The name of a trial run: the file's digest bound to the kind and options it was tried
    with, so that the confirmation imports the same file the same way."""
    described = "\n".join([kind, *(f"{k}={v or ''}" for k, v in sorted(options.items())), sha256])
    return imports.sha256_of(described.encode())


def _keep(data: bytes, trial: str) -> None:
    """Keep the uploaded file under its trial's name (forgetting trials older than a day)."""
    folder = _folder()
    limit = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
    (folder / trial).write_bytes(data)


def _kept(trial: str) -> bytes | None:
    if not _DIGEST.fullmatch(trial):
        return None
    path = _folder() / trial
    return path.read_bytes() if path.is_file() else None


def _options(form) -> dict:
    if form.get("kind") != "cases":
        return {}
    return {
        "establishment": form.get("establishment", "").strip(),
        "reporter": form.get("reporter", "").strip() or None,
    }


def _page(*, values: dict, status: int = 200, **context):
    db = get_session()
    lang = select_locale()
    outcome = context.get("outcome")
    problems = [(p.line, p.field, say(p.message, lang)) for p in outcome.problems] if outcome else []
    return render_template(
        "admin/imports.html",
        values=values,
        kinds=[
            ("establishments", _("Établissements (extrait FINESS)")),
            ("accounts", _("Comptes (CSV)")),
            ("cases", _("Cas passés (CSV ou JSON)")),
        ],
        establishments=db.exec(select(Establishment).order_by(Establishment.name)).all(),
        problems=problems,
        max_megabytes=MAX_BYTES // (1024 * 1024),
        **context,
    ), status


@bp.get("/imports")
@admin_required
def imports_page():
    return _page(values={"kind": request.args.get("kind", "establishments")})


@bp.post("/imports")
@admin_required
def preview():
    """The dry run: every problem by line and field; nothing stored but the file, kept to confirm."""
    form = request.form
    values = {name: form.get(name, "").strip() for name in ("kind", "establishment", "reporter")}
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    errors = {}
    if values["kind"] not in imports.KINDS:
        errors["kind"] = [_("Choisissez le type d'import.")]
    if not data:
        errors["file"] = [_("Choisissez un fichier.")]
    if errors:
        return _page(values=values, errors=errors, status=400)
    # The request's session reads unless a write transaction is opened: the dry run only reads.
    outcome = imports.preview(get_session(), kind=values["kind"], data=data, **_options(form))
    digest = trial = None
    if not outcome.problems:
        digest, trial = outcome.sha256, _trial(values["kind"], _options(form), outcome.sha256)
        _keep(data, trial)
    file_name = (upload.filename or "")[:200]
    return _page(values=values, outcome=outcome, digest=digest, trial=trial, file_name=file_name, status=200)


@bp.post("/imports/confirm")
@admin_required
def confirm():
    """Import the file previewed (named by its digest), whole in one transaction, or nothing."""
    form = request.form
    values = {name: form.get(name, "").strip() for name in ("kind", "establishment", "reporter")}
    digest, trial = form.get("sha256", ""), form.get("trial", "")
    if values["kind"] not in imports.KINDS:
        abort(400)
    data = _kept(trial) if trial == _trial(values["kind"], _options(form), digest) else None
    if data is None:
        return _page(values=values, errors={"file": [_("Cet essai n'est plus disponible : relancez-le.")]}, status=409)
    actor = page_user()
    counter = {"last": 0}

    def progress(phase: str, done: int, total: int) -> None:
        if done - counter["last"] >= 1000 or done == total:
            counter["last"] = 0 if done == total else done
            logger.info("Import %s %s: %s/%s %s", values["kind"], digest[:12], done, total, phase)

    try:
        with write_transaction(get_session()) as db:
            outcome = imports.apply(
                db,
                kind=values["kind"],
                data=data,
                actor=actor,
                now=utcnow(),
                expected=digest,
                file_name=form.get("file_name", ""),
                progress=progress,
                **_options(form),
            )
    except imports.ImportRefused as refusal:
        return _page(values=values, outcome=refusal.outcome, status=422)
    except Conflict as refusal:
        return _page(values=values, errors={"file": [refusal.say(select_locale())]}, status=409)
    except VigilanceError as refusal:
        return _page(values=values, errors={"file": [refusal.say(select_locale())]}, status=400)
    (_folder() / trial).unlink(missing_ok=True)
    return _page(values=values, outcome=outcome, done=True)
