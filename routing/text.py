"""Normalisation of what clinicians type, so that names match whatever their spelling."""

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})

# A quantity and its unit ("20 %", "50 mg", "1 unit", "500 ml", "1000 UI"): dosage says nothing
# about what the product is, and its digits must not collide with names such as "facteur 8".
_DOSAGE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|mg|g|kg|µg|ug|mcg|ml|l|cl|dl|ui|iu|u|mmol|meq|"
    r"units?|unites?|unités?|poches?|flacons?|vials?|bags?|doses?|cp|gouttes?|drops?)(?=\W|$)",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^0-9a-z]+")

STOP_WORDS = frozenset(
    # French
    "de du des d la le les l en au aux a par pour et un une sur".split()
    # English
    + "of the an for and with in on".split()
)


def _stem(word: str) -> str:
    # Plural and singular must meet: "plaquettes" / "plaquette", "red cells" / "red cell".
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def normalise(text: str) -> tuple[str, ...]:
    """Return the words of *text* as matching keys: no case, accents, punctuation, dosage or stop words."""
    text = _DOSAGE.sub(" ", text.translate(_LIGATURES))
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NON_WORD.sub(" ", ascii_text).split()
    return tuple(_stem(w) for w in words if w not in STOP_WORDS)
