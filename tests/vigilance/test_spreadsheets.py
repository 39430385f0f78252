"""CSV exports: no cell that a spreadsheet would run, and the layout each language's spreadsheets read."""

import csv
import io

import pytest

from vigilance.spreadsheets import FIGURE_COLUMNS, csv_text

FORMULAS = (
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "|cmd",
)


def cells(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # UTF-8 said so: the accents come out right
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


@pytest.mark.parametrize("payload", FORMULAS)
@pytest.mark.parametrize(("language", "delimiter"), [("fr", ";"), ("en", ",")])
def test_a_formula_comes_out_as_text(payload, language, delimiter):
    rows = cells(csv_text(FIGURE_COLUMNS, [("product", "haemovigilance", payload, 1)], language), delimiter)
    written = rows[1][2]
    assert written.startswith("'"), written
    assert written[1:].replace("\\|", "|") == payload


def test_french_spreadsheets_get_semicolons_french_labels_and_decimal_commas():
    text = csv_text(FIGURE_COLUMNS, [("deadlines", "haemovigilance", "compliance_rate", 0.3333)], "fr")
    assert text.splitlines()[0] == "\ufeffIndicateur;Système de vigilance;Clé;Valeur"
    assert cells(text, ";")[1] == ["deadlines", "haemovigilance", "compliance_rate", "0,3333"]


def test_english_spreadsheets_get_commas_english_labels_and_decimal_points():
    text = csv_text(FIGURE_COLUMNS, [("deadlines", "haemovigilance", "compliance_rate", 0.3333)], "en")
    assert text.splitlines()[0] == "\ufeffFigure,Vigilance system,Key,Value"
    assert cells(text, ",")[1] == ["deadlines", "haemovigilance", "compliance_rate", "0.3333"]


def test_numbers_and_ordinary_text_are_left_alone():
    rows = [("x", "y", "Poche n°3 ; lot « A-12 »", -4), ("x", "y", "-1,5", -0.5), ("x", "y", 'dit "oui"', 0)]
    assert [row[2:] for row in cells(csv_text(FIGURE_COLUMNS, rows, "fr"), ";")[1:]] == [
        ["Poche n°3 ; lot « A-12 »", "-4"],
        ["-1,5", "-0,5"],
        ['dit "oui"', "0"],
    ]
