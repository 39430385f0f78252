"""Normalisation of what clinicians type, so that names match whatever their spelling."""

import re
import unicodedata
from functools import lru_cache

# A quantity and its unit ("20 %", "50 mg", "1 unit", "500 ml", "1000 UI"): dosage says nothing
# about what the product is, and its digits must not collide with names such as "facteur 8".
_DOSAGE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|mg|g|kg|µg|ug|mcg|ml|l|cl|dl|ui|iu|u|mmol|meq|"
    r"units?|unites?|unités?|poches?|flacons?|vials?|bags?|doses?|cp|gouttes?|drops?)(?=\W|$)",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
# French elision ("d'aphérèse", "l'ANSM"): the article goes, but a "D" standing alone stays,
# since "anti-D" immunoglobulins are not "anti" anything.
_ELISION = re.compile(r"\b[dl]['’]", re.IGNORECASE)

STOP_WORDS = frozenset(
    [
        # French
        *["de", "du", "des", "la", "le", "les", "en", "au", "aux", "a", "par", "pour", "et", "un", "une", "sur"],
        # English
        *["of", "the", "an", "for", "and", "with", "in", "on"],
    ]
)


def _folding_table() -> dict[int, str]:
    """Map every Latin letter with a diacritic (and the ligatures) to plain ASCII, once."""
    table = {ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae", ord("ß"): "ss"}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        if code in table:
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base != char and base.isascii():
            table[code] = base
    return table


_FOLD = _folding_table()


def _stem(word: str) -> str:
    # Plural and singular must meet: "plaquettes" / "plaquette", "red cells" / "red cell".
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def normalise(text: str) -> tuple[str, ...]:
    """Return the words of *text* as matching keys: no case, accents, punctuation, dosage or stop words."""
    folded = _ELISION.sub(" ", _DOSAGE.sub(" ", text)).lower()
    if not folded.isascii():
        folded = folded.translate(_FOLD)
    return tuple(_stem(w) for w in _NON_WORD.sub(" ", folded).split() if w not in STOP_WORDS)
