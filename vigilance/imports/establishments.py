"""Establishments from the national FINESS extract, in the format data.gouv.fr publishes.

The format ("FINESS Extraction du Fichier des établissements", data.gouv.fr, published by the
Ministry of Health for Etalab: https://www.data.gouv.fr/fr/datasets/finess-extraction-du-fichier-des-etablissements/)
is not a CSV with a header of names but sections of ``;``-separated records, in Windows-1252
(read as UTF-8 when it is): a first line that describes the file and begins
``finess;etalab;...`` (its number, date of extraction...), then one ``structureet`` record per
establishment (entité géographique), and, in the geolocated version, one ``geolocalisation``
record per establishment (``geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj``).
The fields of a ``structureet`` record, by position (0 being the record type), as the format's
documentation lists them (read in its reusers' programs: github.com/taniki/notebooks,
"Production d'un csv utilisable de la base FINESS", and guillaumepressiat.github.io/finess_etalab,
"Import des fichiers finess Etalab", which extracts them from the official PDF):

=====  =====================  ========================================================
 1     nofinesset             FINESS of the establishment (entité géographique)
 2     nofinessej             FINESS of its legal entity (entité juridique)
 3     rs                     short name (raison sociale, 38 characters at most)
 4     rslongue               long name
 5-12  complrs, compldistrib, numvoie, typvoie, voie, compvoie, lieuditbp, commune
 13    departement            department code (01-95, 2A, 2B; 9A-9F overseas)
 14    libdepartement         department name
 15    ligneacheminement      postcode and town
 16-17 telephone, telecopie
 18-21 categetab, libcategetab, categagretab, libcategagretab   category and its group
 22-23 siret, codeape
 24-27 codemft, libmft, codesph, libsph
 28-31 dateouv, dateautor, maj, numuai
=====  =====================  ========================================================

What is imported: the FINESS of the establishment (its key checked, as every door checks it:
``routing.identifiers.finess_problem``), its name (the long name, else the short one) and its
region. The service's ``Establishment.region`` is the holiday calendar of the place
(``routing.calendar.REGIONS``: its working days), so the department gives it through
:data:`DEPARTMENT_REGIONS`; every other department of mainland France and Corsica is
``metropole``. An establishment already registered under the same FINESS is updated: its name
and region take the extract's values; nothing else changes, and nothing is ever deleted (an
establishment missing from the extract stays). Importing the same extract twice changes nothing
the second time. Other record types are skipped, and so are the legal entity, address, category
and SIRET (not kept by the service).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from routing.calendar import REGIONS
from routing.identifiers import FinessProblem, finess_problem
from vigilance import accounts
from vigilance.i18n import translatable
from vigilance.imports.reading import MAX_RECORDS, Checked, Problem, Progress, csv_rows, text_of
from vigilance.models import Establishment, User

#: The departments whose holiday calendar is not mainland France's, by the codes the extract
#: uses (9A-9F overseas) and by their INSEE codes (971...), for files written by hand.
#: Saint-Pierre-et-Miquelon (9E, 975) keeps the national holidays: ``metropole``.
DEPARTMENT_REGIONS = {
    "57": "moselle",
    "67": "alsace",
    "68": "alsace",
    "9A": "guadeloupe",
    "971": "guadeloupe",
    "9B": "martinique",
    "972": "martinique",
    "9C": "guyane",
    "973": "guyane",
    "9D": "la-reunion",
    "974": "la-reunion",
    "9E": "metropole",
    "975": "metropole",
    "9F": "mayotte",
    "976": "mayotte",
    "977": "saint-barthelemy",
    "978": "saint-martin",
}
#: A department of mainland France or Corsica.
_MAINLAND = re.compile(r"(?:0[1-9]|[1-8][0-9]|9[0-5]|2A|2B)")

#: The positions of the fields read from a ``structureet`` record.
NOFINESSET, NOFINESSEJ, RS, RSLONGUE, DEPARTEMENT, LIBDEPARTEMENT = 1, 2, 3, 4, 13, 14
#: The fields of a ``structureet`` record (the record type included).
STRUCTUREET_FIELDS = 32
NAME_LENGTH = Establishment.__table__.c["name"].type.length


def region_of(department: str) -> str | None:
    """The holiday calendar of a department's establishments, or None for a code unknown here."""
    department = department.strip().upper()
    if department in DEPARTMENT_REGIONS:
        return DEPARTMENT_REGIONS[department]
    return "metropole" if _MAINLAND.fullmatch(department.zfill(2)) else None


@dataclass(frozen=True)
class Row:
    line: int
    finess: str
    name: str
    region: str
    #: The establishment registered under this FINESS, if any, and whether the row changes it.
    existing_id: int | None
    changes: bool


def check(session: Session, data: bytes, *, progress: Progress | None = None, **_options: Any) -> Checked:
    text = text_of(data)
    rows = list(csv_rows(text, ";"))
    problems: list[Problem] = []
    if not rows or [cell.strip().lower() for cell in rows[0][1][:2]] != ["finess", "etalab"]:
        problems.append(
            Problem(
                rows[0][0] if rows else 1,
                "file",
                translatable(
                    "Ce n'est pas un extrait FINESS : sa première ligne doit commencer par « finess;etalab »."
                ),
            )
        )
        return Checked(records=0, problems=problems)
    records = [(line, row) for line, row in rows[1:] if row[0].strip().lower() == "structureet"]
    for line, row in rows[1:]:
        if row[0].strip().lower() not in ("structureet", "geolocalisation"):
            problems.append(Problem(line, "file", translatable("Enregistrement inconnu : %(kind)s.", kind=row[0][:40])))
    if len(records) > MAX_RECORDS:
        problems.append(Problem(1, "file", translatable("Plus de %(count)s enregistrements.", count=MAX_RECORDS)))
        return Checked(records=len(records), problems=problems)
    known = {e.finess: e for e in session.exec(select(Establishment))}
    seen: dict[str, int] = {}
    ready: list[Row] = []
    would = {"created": 0, "updated": 0, "unchanged": 0}
    for done, (line, row) in enumerate(records, start=1):
        row_problems = _check_row(line, row, seen)
        problems.extend(row_problems)
        if not row_problems:
            finess = row[NOFINESSET].strip().upper()
            name = (row[RSLONGUE].strip() or row[RS].strip())[:NAME_LENGTH]
            region = region_of(row[DEPARTEMENT])
            existing = known.get(finess)
            changes = existing is None or (existing.name, existing.region) != (name, region)
            would["created" if existing is None else "updated" if changes else "unchanged"] += 1
            ready.append(Row(line, finess, name, region, existing.id if existing else None, changes))
        if progress is not None:
            progress("check", done, len(records))
    return Checked(records=len(records), problems=problems, ready=ready, would=would)


def _check_row(line: int, row: list[str], seen: dict[str, int]) -> list[Problem]:
    if len(row) < STRUCTUREET_FIELDS:
        return [
            Problem(
                line,
                "structureet",
                translatable(
                    "%(count)s champs au lieu de %(expected)s : ligne tronquée ?",
                    count=len(row),
                    expected=STRUCTUREET_FIELDS,
                ),
            )
        ]
    problems = []
    finess = re.sub(r"\s+", "", row[NOFINESSET]).upper()
    problem = finess_problem(finess)
    if problem is FinessProblem.SHAPE:
        problems.append(
            Problem(
                line, "nofinesset", translatable("Un numéro FINESS a 9 caractères (chiffres, 2A/2B pour la Corse).")
            )
        )
    elif problem is FinessProblem.KEY:
        problems.append(
            Problem(
                line,
                "nofinesset",
                translatable(
                    "Le numéro FINESS %(finess)s est erroné : son dernier chiffre n'est pas la clé des huit premiers.",
                    finess=finess,
                ),
            )
        )
    elif finess in seen:
        problems.append(
            Problem(
                line,
                "nofinesset",
                translatable("Le FINESS %(finess)s figure déjà ligne %(line)s.", finess=finess, line=seen[finess]),
            )
        )
    else:
        seen[finess] = line
    if not (row[RSLONGUE].strip() or row[RS].strip()):
        problems.append(Problem(line, "rs", translatable("Le nom est obligatoire.")))
    department = row[DEPARTEMENT].strip()
    region = region_of(department)
    if region is None or region not in REGIONS:
        problems.append(
            Problem(line, "departement", translatable("Département inconnu : %(code)s.", code=department[:10]))
        )
    return problems


def store(
    session: Session, checked: Checked, *, actor: User | None, now: datetime, sha256: str, progress: Progress | None
) -> dict[str, int]:
    """Register the new establishments and update the others' name and region."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    total = len(checked.ready)
    for done, row in enumerate(checked.ready, start=1):
        if row.existing_id is None:
            accounts.create_establishment(session, finess=row.finess, name=row.name, region=row.region, actor=actor)
            counts["created"] += 1
        elif row.changes:
            accounts.update_establishment(
                session, session.get(Establishment, row.existing_id), name=row.name, region=row.region, actor=actor
            )
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        if progress is not None:
            progress("store", done, total)
    return counts
