"""The declaration form drawn from a form's description: values written as the form writes them,
the same bytes for the same case and stamp, the PDF's dates the stamp's."""

import subprocess
from datetime import UTC, date, datetime

from tests.pdf_text import needs_poppler, pdf_text
from vigilance import declaration_form
from vigilance.case_file import CERFA_10011, FEIR, CaseFile
from vigilance.models import Establishment

pytestmark = needs_poppler

PLACE = Establishment(name="CHU de Démonstration", finess="750000010")
STAMP = declaration_form.Stamp(datetime(2026, 12, 5, 4, 0, 7, 123456, tzinfo=UTC), 2)


def test_values_are_written_as_the_form_writes_them():
    written = declaration_form.written
    assert written(FEIR.field("transfusion_started_at"), datetime(2026, 7, 20, 14, 0, tzinfo=UTC)) == "20/07/2026 16:00"
    assert (
        written(FEIR.field("transfusion_started_at"), datetime(2026, 11, 20, 13, 0, tzinfo=UTC)) == "20/11/2026 14:00"
    )
    assert written(FEIR.field("diagnosis"), "trali") == "Œdème pulmonaire lésionnel (TRALI)"
    assert written(FEIR.field("signs"), ["fever", "chills"]) == "Fièvre, Frissons"
    assert (
        written(FEIR.field("flagged_urgent"), True) == "Oui" and written(FEIR.field("flagged_urgent"), False) == "Non"
    )
    assert written(FEIR.field("recipient_birth_year"), 1956) == "1956"
    assert written(CERFA_10011.field("patient_weight_kg"), 72.5) == "72,5\u00a0kg"
    medicine_start = CERFA_10011.field("medicines").fields[4]
    assert written(medicine_start, date(2026, 10, 30)) == "30/10/2026"
    assert written(FEIR.field("comments"), "") is None and written(FEIR.field("signs"), []) is None


def test_blank_fields_are_boxes_and_choices_to_tick_and_missing_is_by_section():
    case = CaseFile(7, FEIR, {"recipient_sex": "F", "units": [{"product_code": "E4578V00"}]}, 1)
    printed = declaration_form.declaration_of(case, establishment=PLACE, reference="VIG-2026-000007")
    recipient = next(s for s in printed.sections if s.name == "recipient")
    sex, birth_year = recipient.entries[0], recipient.entries[1]
    assert sex.text == "Féminin" and birth_year.text is None and birth_year.needed
    grade = next(s for s in printed.sections if s.name == "severity").entries[0]
    assert grade.text is None and grade.options[0] == "1 — non sévère"
    units = next(s for s in printed.sections if s.name == "units").entries[0]
    assert units.rows == (("", "E4578V00", "", ""),)
    missing = {m.section: m.what for m in printed.missing}
    assert missing["Produits sanguins labiles en cause"] == (
        "Unités transfusées, ligne 1\u00a0: N° d'identification de l'unité (n° de don)",
    )
    assert missing["Gravité"] == ("Grade de sévérité",) and missing["Évolution"] == ()


def test_the_same_case_and_stamp_give_the_same_bytes_and_the_pdf_is_dated_by_the_stamp():
    case = CaseFile(7, FEIR, {"recipient_sex": "F", "diagnosis": "allergy"}, 1)
    printed = declaration_form.declaration_of(case, establishment=PLACE, reference="VIG-2026-000007")
    first = declaration_form.render(printed, STAMP)
    assert first == declaration_form.render(printed, STAMP)
    later = declaration_form.render(printed, declaration_form.Stamp(datetime(2026, 12, 6, 9, 0, tzinfo=UTC), 2))
    assert later != first
    info = subprocess.run(["pdfinfo", "-isodates", "-"], input=first, capture_output=True, check=True).stdout.decode()
    assert "CreationDate:    2026-12-05T04:00:07Z" in info and "ModDate:         2026-12-05T04:00:07Z" in info
    text = pdf_text(first)
    assert "CHU de Démonstration — FINESS 750000010" in text and "VIG-2026-000007" in text
    assert "Version du formulaire 2, générée le 05/12/2026 05:00 (heure de Paris)" in text
    assert "Procédure dégradée" in text and "Allergie" in text


def test_the_degraded_procedure_names_the_address_only_when_the_form_has_one():
    from dataclasses import replace

    case = CaseFile(7, FEIR, {}, 1)
    html = declaration_form.render_html(
        declaration_form.declaration_of(case, establishment=PLACE, reference="V"), STAMP
    )
    assert "à l'adresse qu'elle indique pour cette procédure" in html and "@" not in html
    with_address = CaseFile(7, replace(FEIR, address="hemovigilance@example.org"), {}, 1)
    html = declaration_form.render_html(
        declaration_form.declaration_of(with_address, establishment=PLACE, reference="V"), STAMP
    )
    assert "l'autorité destinataire\u00a0: hemovigilance@example.org" in html
