"""The case file: the data each authority's declaration form asks, per vigilance.

- ``description``: a form as data (sections, fields, who fills them, what is needed);
- ``feir``, ``pharmacovigilance``, ``biovigilance``, ``materiovigilance`` (with the quality defect):
  the forms described (READ/INFERRED marks on every field);
- ``validation``: marshmallow schemas generated from a form, and the checks types cannot make;
- ``missing``: what a form still needs before it can be sent, per section;
- ``store``: the case files kept, one per queue item (``case_file_of``, ``save``).

No Flask here: the doors (app/api/case_files.py, app/pages/case_files.py) call these.
"""

from vigilance.case_file.biovigilance import BIOVIGILANCE
from vigilance.case_file.description import Choice, Field, Filler, Form, Kind, Section
from vigilance.case_file.feir import FEIR
from vigilance.case_file.materiovigilance import CERFA_10246, QUALITY_DEFECT
from vigilance.case_file.missing import Missing, missing
from vigilance.case_file.pharmacovigilance import CERFA_10011
from vigilance.case_file.store import (
    FORMS,
    CaseFile,
    StaleCaseFile,
    case_file_of,
    check_details,
    form_for,
    open_at_intake,
    prefill,
    save,
)
from vigilance.case_file.validation import Checked, check, reporter_schema_class, schema_for

__all__ = [
    "BIOVIGILANCE",
    "CERFA_10011",
    "CERFA_10246",
    "FEIR",
    "FORMS",
    "QUALITY_DEFECT",
    "CaseFile",
    "Checked",
    "Choice",
    "Field",
    "Filler",
    "Form",
    "Kind",
    "Missing",
    "Section",
    "StaleCaseFile",
    "case_file_of",
    "check",
    "check_details",
    "form_for",
    "missing",
    "open_at_intake",
    "prefill",
    "reporter_schema_class",
    "save",
    "schema_for",
]
