"""The catalogues: every text marked in the code has its English, and the .mo files are compiled.

French is the source language (message ids are French, or marshmallow's English); the English
catalogue is edited by hand after ``make translations`` extracts and merges.
"""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "translations"
PYBABEL = Path(sys.executable).with_name("pybabel")
#: The keywords of `make translations`: the domain's markers (vigilance/i18n.py) and Flask-Babel's
#: lazy_gettext of schema messages.
EXTRA_KEYWORDS = (
    *("-k", "translatable", "-k", "translatable_plural:1,2", "-k", "lazy_gettext"),
    *("-k", "words", "-k", "plural_words:1,2"),  # the rulebook engine's own words (routing/wording.py)
)


def _catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_text_marked_in_the_code_is_in_the_catalogues(tmp_path):
    """A text marked (``_()``, ``{% trans %}``, ``translatable()``...) but never merged would show in French."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [str(PYBABEL), "extract", "-F", "babel.cfg", *EXTRA_KEYWORDS, "--no-wrap", "-o", str(template), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(template, "rb") as handle:
        marked = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)}
    marked.discard("")
    for language in ("fr", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(language) if m.id}
        assert sorted(marked - known) == [], f"not merged into {language}: run make translations"


def test_every_message_has_its_english():
    missing = [m.id for m in _catalogue("en") if m.id and (m.fuzzy or not all(_forms(m)))]
    assert missing == []


def test_french_plurals_have_both_forms():
    """French says "0 nouveau" where gettext's fallback (n != 1) would say "0 nouveaux"."""
    plurals = [m for m in _catalogue("fr") if m.id and m.pluralizable]
    assert [m.id for m in plurals if m.fuzzy or not all(_forms(m))] == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalogues_are_up_to_date(language):
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(language))
    committed = (CATALOGUES / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, "run make translations (pybabel compile)"


def test_french_readers_get_every_validation_message_in_french():
    """marshmallow speaks English: each of its messages the API or a form may show has its French."""
    from app.validation_messages import EXACT_MESSAGES, TEMPLATES

    french = {m.id: m.string for m in _catalogue("fr") if m.id}
    assert [m for m in (*EXACT_MESSAGES, *TEMPLATES) if not french.get(m)] == []


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def test_french_texts_put_a_non_breaking_space_before_double_punctuation():
    """French typography: "Gravité : grave", "Déclaré ?", never a plain or missing space before
    ``: ; ? !`` (a line could break before the sign). The French text is the message id, or the
    French catalogue's translation of marshmallow's English ids."""
    plain_before_sign = re.compile(r"(?<!\u00a0)[:;?!](\s|$)")
    header_names = re.compile(r"\b(Authorization|Content-Type): ")  # HTTP's own spelling
    wrong = []
    for message in _catalogue("fr"):
        if not message.id:
            continue
        french = [text for text in _forms(message) if text] or list(_ids(message))
        wrong += [text for text in french if plain_before_sign.search(header_names.sub("", text))]
    assert wrong == []
