"""PDFs read back as people and machines would: their text, their pages, their pages drawn, by
Debian's poppler-utils (``pdftotext``, ``pdfinfo``, ``pdftoppm``; .ci/run installs them)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

#: For the modules that read PDFs back: without poppler they skip, saying why (`make test`
#: installs it where it can, .ci/run always).
needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm")),
    reason="poppler-utils (pdftotext, pdfinfo, pdftoppm) not installed: apt-get install poppler-utils",
)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it, its whitespace (the layout's line breaks) made single spaces.

    poppler joins a word cut at a hyphen at the end of a line without its hyphen.
    """
    assert pdf.startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", done.stdout.decode())


def page_count(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pages_as_png(pdf: bytes, folder: Path, resolution: int = 50) -> list[Path]:
    """Every page drawn by poppler, as a person looks at it to check the layout."""
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(resolution), "-png", str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))
