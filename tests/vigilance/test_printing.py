"""Printing without Flask: a case sheet from its plain data object, as the worker or the CLI would
print it; what reporters type is printed as text, never run or fetched."""

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

from bench.documents import long_case, short_case
from tests.app.test_attachments import a_png
from tests.pdf_text import needs_poppler, page_count, pdf_text
from vigilance import case_sheet, printing

pytestmark = needs_poppler


def test_a_case_sheet_is_printed_from_its_data_alone_in_paris_time():
    sheet = replace(short_case(), generated_at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC))
    text = pdf_text(case_sheet.render(sheet))
    assert "Fiche de cas 2026-000123" in text and "CHU de Démonstration — FINESS 750000010" in text
    # Summer time: UTC+2, the next day in Paris.
    assert "Généré le 02/07/2026 00:30 (heure de Paris)" in text
    assert "03/11/2026 14:05" in text  # received at 13:05 UTC, winter time
    assert "page 1 / 1" in text or "page 1 / 2" in text


def test_typed_markup_is_printed_as_text_and_nothing_is_fetched(tmp_path):
    sheet = replace(
        short_case(),
        description='<img src="file:///etc/passwd"> <b>gras</b> {{ 7*7 }}',
        reporter=replace(short_case().reporter, name="<script>alert(1)</script>"),
    )
    text = pdf_text(case_sheet.render(sheet))
    assert '<img src="file:///etc/passwd"> <b>gras</b> {{ 7*7 }}' in text
    assert "<script>alert(1)</script>" in text
    # Even markup that reached the renderer would fetch nothing: a real image on disk stays out.
    image = tmp_path / "pixel.png"
    image.write_bytes(a_png())
    pdf = printing.pdf_of_html(f'<p>avant <img src="file://{image}"> après</p>')
    listed = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert len(listed.strip().splitlines()) == 2  # the header of the list, and no image
    assert "avant" in pdf_text(pdf)


def test_the_english_sheet_and_a_long_case():
    pdf = case_sheet.render(long_case(20), "en")
    text = pdf_text(pdf)
    count = page_count(pdf)
    assert "Case sheet" in text and f"page {count} / {count}" in text
    assert "Generated on" in text and "(Paris time)" in text


def test_the_domain_prints_without_flask():
    """vigilance/ imports nothing of Flask: printing included (a fresh interpreter tells)."""
    code = (
        "import sys; from vigilance import case_sheet, line_list, activity_sheet, printing; "
        "assert not [m for m in sys.modules if m == 'flask' or m.startswith('flask.')], 'flask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
