"""Patients stay pseudonymous: no social security number (NIR) anywhere in a report."""

import re

from vigilance.i18n import translatable

# A NIR: sex (1, 2, or 3/4/7/8 for provisional numbers), year, month (01-12, or 20-99 when
# unknown), department (2 digits, 2A/2B for Corsica, 97x/98x overseas with 3 digits for the
# commune part), commune, order number, and an optional 2-digit key; spaces, dots or dashes
# may separate the groups. Anything shaped like one is refused: a false alarm costs the
# reporter a retype, a missed NIR puts health data at risk.
_NIR = re.compile(
    r"(?<![0-9A-Za-z])"
    r"[1-478][ .\-]?\d{2}[ .\-]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .\-]?(?:\d{2}|2[ABab])"
    r"[ .\-]?\d{3}[ .\-]?\d{3}(?:[ .\-]?\d{2})?"
    r"(?![0-9A-Za-z])"
)

NIR_MESSAGE = translatable(
    "Ce texte semble contenir un numéro de sécurité sociale (NIR) : retirez-le. Le patient "
    "n'est identifié que par son sexe, son année de naissance et ses initiales."
)


def contains_nir(text: str | None) -> bool:
    """Whether *text* holds something shaped like a NIR."""
    return bool(text) and _NIR.search(text) is not None
