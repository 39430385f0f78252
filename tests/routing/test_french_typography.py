"""The rulebooks' and catalogues' French texts, shown on pages, in emails and in the API's
explanations, keep French typography: a non-breaking space before ``: ; ? !``."""

import re
import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "routing" / "data"
#: A sign of double punctuation not preceded by a non-breaking space (nor part of an address).
PLAIN_BEFORE_SIGN = re.compile(r"(?<!\u00a0)[:;?!](\s|$)")


def _french_texts(node, key=""):
    """The ``fr`` texts, and the legal bases (cited in French), of a parsed file."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _french_texts(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _french_texts(value, key)
    elif isinstance(node, str) and key in ("fr", "legal_basis"):
        yield re.sub(r"https?://\S+", "", node)


def test_every_french_text_of_the_rules_puts_a_non_breaking_space_before_double_punctuation():
    files = sorted(DATA.rglob("*.toml"))
    assert len(files) > 3
    wrong = [
        (path.name, text)
        for path in files
        for text in _french_texts(tomllib.loads(path.read_text(encoding="utf-8")))
        if PLAIN_BEFORE_SIGN.search(text)
    ]
    assert wrong == []
