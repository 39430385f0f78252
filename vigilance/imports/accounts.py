"""Accounts from a CSV file.

The format: a header line naming the columns (in any order, case ignored), then one account a
line; ``,`` or ``;`` separates the fields (the one the header uses most), UTF-8 or Windows-1252.

=================  ==========  ==============================================================
column             required    what
=================  ==========  ==============================================================
``email``          yes         the person's address, their sign-in name
``role``           yes         ``reporter``, ``correspondent``, ``coordinator`` or ``admin``
``establishment``  not admin   the FINESS of their establishment, registered already
``vigilances``     correspon-  the queues they work, separated by ``|`` (or by ``,`` in a file
                   dents       separated by ``;``): ``haemovigilance|biovigilance``
``name``           no          their name as colleagues read it
``language``       no          ``fr`` (default) or ``en``: their pages and emails
``rpps``           no          their RPPS number (11 digits, its key checked)
``coordinator``    no          ``oui``/``yes``/``1``: an admin who also sees the cases as a
                               coordinator
=================  ==========  ==============================================================

Example::

    email,role,establishment,vigilances,name,language,rpps
    h.vasseur@chu.example,correspondent,750000010,haemovigilance,Hélène Vasseur,fr,
    r.martin@chu.example,reporter,750000010,,Romain Martin,fr,10000000006

Accounts are created without a usable password, as the administrators' accounts page does not
leave them either: nobody can sign in with one until an administrator gives it a password
("Nouveau mot de passe" on ``/admin/accounts``, or ``vigilance users set-password``), shown
once and handed over, or until the person signs in through single sign-on. An address that
already has an account is refused, in the dry run already: an import creates accounts, it never
changes roles or queues behind the accounts page (changing someone's rights is done one by one,
audited there).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from routing import Queue
from vigilance import accounts
from vigilance.errors import InvalidInput
from vigilance.i18n import translatable
from vigilance.imports.reading import Checked, Problem, Progress, boolean, header_records, text_of
from vigilance.models import Establishment, Role, User

COLUMNS = ("email", "role", "establishment", "vigilances", "name", "language", "rpps", "coordinator")
REQUIRED = ("email", "role")


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    role: str
    establishment_id: int | None
    vigilances: tuple[str, ...]
    name: str
    language: str
    rpps: str | None
    coordinator: bool


def check(session: Session, data: bytes, *, progress: Progress | None = None, **_options: Any) -> Checked:
    text = text_of(data)
    records, names, problems = header_records(text)
    missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n and n not in COLUMNS]
    if missing:
        problems.append(
            Problem(1, "file", translatable("Colonnes manquantes : %(columns)s.", columns=", ".join(missing)))
        )
    if unknown:
        problems.append(
            Problem(1, "file", translatable("Colonnes inconnues : %(columns)s.", columns=", ".join(unknown)))
        )
    if missing or unknown:
        return Checked(records=len(records), problems=problems)
    establishments = {e.finess: e.id for e in session.exec(select(Establishment))}
    taken = set(session.exec(select(User.email)))
    seen: dict[str, int] = {}
    list_separator = "[|]" if ";" not in text.split("\n", 1)[0] else "[|,]"
    ready = []
    for done, (line, values) in enumerate(records, start=1):
        row, row_problems = _check_row(line, values, establishments, taken, seen, list_separator)
        problems.extend(row_problems)
        if row is not None and not row_problems:
            ready.append(row)
        if progress is not None:
            progress("check", done, len(records))
    return Checked(records=len(records), problems=problems, ready=ready, would={"created": len(ready)})


def _check_row(line, values, establishments, taken, seen, list_separator) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(field, message):
        problems.append(Problem(line, field, message))

    email = values.get("email", "").strip().lower()
    if not accounts.EMAIL.match(email):
        problem("email", translatable("Adresse e-mail invalide."))
    elif len(email) > User.__table__.c["email"].type.length:
        problem("email", translatable("Adresse e-mail trop longue."))
    elif email in taken:
        problem("email", translatable("Le compte %(email)s existe déjà.", email=email))
    elif email in seen:
        problem("email", translatable("%(email)s figure déjà ligne %(line)s.", email=email, line=seen[email]))
    else:
        seen[email] = line
    role = values.get("role", "").strip().lower()
    if role not in {r.value for r in Role}:
        problem("role", translatable("Rôle inconnu : %(role)s.", role=role[:40]))
    finess = re.sub(r"\s+", "", values.get("establishment", "")).upper()
    establishment_id = None
    if finess:
        establishment_id = establishments.get(finess)
        if establishment_id is None:
            problem(
                "establishment",
                translatable("Aucun établissement %(finess)s : importez-le d'abord.", finess=finess[:20]),
            )
    elif role and role != Role.ADMIN:
        problem("establishment", translatable("Ce rôle exige un établissement."))
    vigilances = tuple(v.strip() for v in re.split(list_separator, values.get("vigilances", "")) if v.strip())
    unknown = sorted(set(vigilances) - {q.value for q in Queue})
    if unknown:
        problem("vigilances", translatable("Vigilance inconnue : %(vigilances)s.", vigilances=", ".join(unknown)))
    if role == Role.CORRESPONDENT and not vigilances:
        problem("vigilances", translatable("Un correspondant travaille au moins une file."))
    name = values.get("name", "").strip()
    if len(name) > User.__table__.c["name"].type.length:
        problem("name", translatable("Nom trop long."))
    language = values.get("language", "").strip().lower() or "fr"
    if language not in ("fr", "en"):
        problem("language", translatable("Langue : fr ou en."))
    rpps = None
    try:
        rpps = accounts.checked_rpps(values.get("rpps"))
    except InvalidInput as refusal:
        problems.extend(Problem(line, "rpps", m) for m in refusal.errors["rpps"])
    coordinator = boolean(values.get("coordinator", ""))
    if coordinator is None:
        problem("coordinator", translatable("oui ou non."))
    if problems:
        return None, problems
    return Row(line, email, role, establishment_id, vigilances, name, language, rpps, bool(coordinator)), []


def store(
    session: Session, checked: Checked, *, actor: User | None, now: datetime, sha256: str, progress: Progress | None
) -> dict[str, int]:
    """Create the accounts, each without a password and audited as the accounts page audits one."""
    total = len(checked.ready)
    for done, row in enumerate(checked.ready, start=1):
        accounts.create_user(
            session,
            email=row.email,
            role=row.role,
            establishment=session.get(Establishment, row.establishment_id) if row.establishment_id else None,
            vigilances=row.vigilances,
            password=None,
            name=row.name,
            language=row.language,
            is_coordinator=row.coordinator,
            rpps=row.rpps,
            actor=actor,
        )
        if progress is not None:
            progress("store", done, total)
    return {"created": total}
