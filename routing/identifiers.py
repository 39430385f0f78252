"""Identifiers people type: donation and lot numbers, FINESS and RPPS numbers.

Pure: no database, no Flask. Each check says what it recognised, so that the doors refuse only
what is certainly wrong (a check character that does not match) and accept, with a visible
warning, a number in no format known here.

Donation numbers (ISBT 128 donation identification number, DIN)
----------------------------------------------------------------
Thirteen characters: the facility identification number (one character, A-N, P-Z or 1-9, then
four digits), the year (two digits) and a sequence number (six digits); optionally two flag
characters; then, on the label, the check character of ISO 7064 MOD 37-2 computed over the
thirteen characters alone (0-9, A-Z or ``*``). The bar code carries it as the data structure
``=`` + DIN + flags; flags 60 to 96 there carry the same check (60 + the checksum).
Sources: JPAC, Guidelines for the Blood Transfusion Services in the UK ("Red Book"), Annex 2,
"ISBT 128 check character calculation" (transfusionguidelines.org), with its worked example
G123 498 654 321 → checksum 17, eye-readable check character H, bar-code check flags 77;
ICCBBA ST-001, ISBT 128 Standard Technical Specification, data structure 001.

French labels: the ANSM decisions fixing the list and characteristics of labile blood products
(decision of 20 October 2010 as amended on 10 February 2015, then the decisions of 4 June 2020
and 3 June 2025) require the donation number "en clair et en code-barres" on the label the blood
establishment (EFS, CTSA) applies, in the national coding approved by ANSM (CSP art. R. 1221-40);
they do not describe its characters, and no public description of another layout was found. A
number printed as ISBT 128 reads, in clear, as groups separated by spaces with the check
character apart (often boxed): ``G123 498 654 321 H``. Spaces, hyphens, the box (brackets) and
case are therefore ignored; any other spelling is "unknown" and kept as typed.

Normalised form (search and duplicate detection): for an ISBT 128 number, its thirteen
characters alone (no ``=``, no flags, no check character: they say nothing about which
donation it is, and a bar-code reading carries the flags where the label shows the check
character); for anything else, the text without spaces, hyphens or brackets, in capitals.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

#: ISO 7064 MOD 37-2 alphabet: a character's value is its position (JPAC Red Book, table A2.1).
MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_VALUE = {character: value for value, character in enumerate(MOD37_ALPHABET)}
#: What people type between the groups, or around a boxed check character.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\[\]\(\)\{\}|]+")
#: The thirteen characters of a DIN: facility (A-N, P-Z or 1-9, then 4 digits), year, sequence.
_DIN = r"[A-NP-Z1-9][0-9]{4}[0-9]{2}[0-9]{6}"
#: Spellings of an ISBT 128 donation number once separators are gone. The check character may
#: be a digit, so the longer forms are tried first.
_DIN_FLAGS_CHECK = re.compile(rf"(?P<din>{_DIN})(?P<flags>[0-9]{{2}})(?P<check>[0-9A-Z*])")
_DIN_CHECK = re.compile(rf"(?P<din>{_DIN})(?P<check>[0-9A-Z*])")
_DIN_FLAGS = re.compile(rf"(?P<din>{_DIN})(?P<flags>[0-9]{{2}})")
_DIN_ALONE = re.compile(rf"(?P<din>{_DIN})")
#: Flags 60 to 96 of the bar code are the check: 60 + the MOD 37-2 checksum.
_CHECK_FLAGS = range(60, 97)


def mod37_2_checksum(data: str) -> int:
    """The ISO 7064 MOD 37-2 checksum of *data* (0 to 36).

    Step by step as JPAC's Red Book annex states it: each value weighted by 2 to the power of
    its position from the right (the check character's place being 0), summed; then
    (38 - sum mod 37) mod 37. Computed here by the equivalent recursive (Horner) form.

    :raises ValueError: a character outside 0-9, A-Z and ``*``.
    """
    total = 0
    for character in data.upper():
        if character not in _VALUE:
            raise ValueError(f"not an ISO 7064 MOD 37-2 character: {character!r}")
        total = ((total + _VALUE[character]) * 2) % 37
    return (38 - total) % 37


def mod37_2_check_character(data: str) -> str:
    """The eye-readable check character of *data*: ``0``-``9``, ``A``-``Z`` or ``*``."""
    return MOD37_ALPHABET[mod37_2_checksum(data)]


class DonationFormat(StrEnum):
    """How a donation number is written."""

    #: An ISBT 128 donation identification number, in any of its spellings.
    ISBT128 = "isbt128"
    #: No format known here: accepted as typed, with a warning.
    UNKNOWN = "unknown"


class DonationSpelling(StrEnum):
    """Which spelling of an ISBT 128 number was typed."""

    #: The thirteen characters, then the check character (eye-readable, spaces removed).
    WITH_CHECK = "with_check"
    #: Thirteen characters, two flag characters, then the check character.
    WITH_FLAGS_AND_CHECK = "with_flags_and_check"
    #: The bar code's data structure: ``=``, the thirteen characters and (usually) two flags.
    BAR_CODE = "bar_code"
    #: The thirteen characters, possibly with flags, without any check.
    WITHOUT_CHECK = "without_check"


@dataclass(frozen=True)
class DonationNumber:
    """What a typed donation number is."""

    typed: str
    format: DonationFormat
    #: For search and duplicate detection: two spellings of one donation give the same value.
    normalised: str
    #: True: its check matches; False: it does not (refuse it); None: it carries no check.
    check_ok: bool | None
    spelling: DonationSpelling | None = None
    #: The check character the thirteen characters call for (an ISBT 128 number only).
    expected_check: str | None = None

    @property
    def refused(self) -> bool:
        """An ISBT 128 number whose check is wrong: certainly mistyped."""
        return self.check_ok is False

    @property
    def unknown_format(self) -> bool:
        return self.format is DonationFormat.UNKNOWN


#: Capitals of the ASCII letters only: ``str.upper`` turns "ß" into "SS" and "ﬁ" into "FI", so a
#: number typed at its column's full length would no longer fit it once normalised.
_ASCII_CAPITALS = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def capitals(text: str) -> str:
    """*text* with its ASCII letters in capitals, never longer than it was."""
    return text.translate(_ASCII_CAPITALS)


def compact(text: str) -> str:
    """*text* without spaces, hyphens or brackets, in capitals."""
    return capitals(_SEPARATORS.sub("", text))


def read_donation_number(text: str) -> DonationNumber:
    """Recognise *text* as an ISBT 128 donation number, or say it is in no known format."""
    squeezed = compact(text)
    if squeezed.startswith("="):
        # The bar code's data structure 001: "=" then the DIN and its two flags (which a
        # person copying it may leave out).
        found = _DIN_FLAGS.fullmatch(squeezed[1:]) or _DIN_ALONE.fullmatch(squeezed[1:])
        if found:
            return _isbt(text, found["din"], DonationSpelling.BAR_CODE, flags=found.groupdict().get("flags"))
        return DonationNumber(text, DonationFormat.UNKNOWN, squeezed, None)
    for pattern, spelling in (
        (_DIN_FLAGS_CHECK, DonationSpelling.WITH_FLAGS_AND_CHECK),
        (_DIN_CHECK, DonationSpelling.WITH_CHECK),
        (_DIN_FLAGS, DonationSpelling.WITHOUT_CHECK),
        (_DIN_ALONE, DonationSpelling.WITHOUT_CHECK),
    ):
        found = pattern.fullmatch(squeezed)
        if found:
            groups = found.groupdict()
            return _isbt(text, found["din"], spelling, flags=groups.get("flags"), check=groups.get("check"))
    return DonationNumber(text, DonationFormat.UNKNOWN, squeezed, None)


def _isbt(
    typed: str, din: str, spelling: DonationSpelling, *, flags: str | None = None, check: str | None = None
) -> DonationNumber:
    expected = mod37_2_check_character(din)
    check_ok: bool | None = None
    if check is not None:
        check_ok = check == expected
    elif flags is not None and int(flags) in _CHECK_FLAGS:
        # Flags 60-96 carry the check (60 + checksum); other flags carry no check.
        check_ok = int(flags) - 60 == mod37_2_checksum(din)
    if check_ok is None and spelling is not DonationSpelling.BAR_CODE:
        spelling = DonationSpelling.WITHOUT_CHECK
    return DonationNumber(typed, DonationFormat.ISBT128, din, check_ok, spelling, expected)


def normalise_donation_number(text: str | None) -> str | None:
    """The form of a donation number that search and duplicate detection compare; None for none."""
    if text is None or not text.strip():
        return None
    return read_donation_number(text).normalised or None


def normalise_lot_number(text: str | None) -> str | None:
    """A lot number as search and duplicate detection compare it: without spaces, in capitals;
    None for none. Hyphens and other marks stay: in a lot number they may tell two lots apart."""
    if text is None:
        return None
    return capitals(re.sub(r"\s+", "", text)) or None


# --- Luhn keys: FINESS and RPPS -------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """Whether the string of *digits* ends with its Luhn key (ISO/IEC 7812-1, annex B)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_key(digits: str) -> str:
    """The Luhn key to append to *digits*."""
    for key in "0123456789":
        if luhn_ok(digits + key):
            return key
    raise ValueError(f"not digits: {digits!r}")  # pragma: no cover - a digit always fits


#: A FINESS number: the department (two digits, or 2A/2B for Corsica), six digits, the key.
FINESS_SHAPE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{7}")
#: Corsica's departments (2A, 2B): no published text says how their letters count in the key,
#: so their key is not checked. Refusing a real establishment would be worse than accepting a
#: mistyped Corsican number: the shape is still checked.
_CORSICA = ("2A", "2B")


class FinessProblem(StrEnum):
    SHAPE = "shape"
    KEY = "key"


def finess_problem(finess: str) -> FinessProblem | None:
    """What is wrong with a FINESS number (already upper-case, without spaces), or None.

    Nine characters: the department (two digits, or 2A/2B), seven digits, the last of which is
    the Luhn key of the first eight (not checked for Corsica: see ``_CORSICA``).
    """
    if not FINESS_SHAPE.fullmatch(finess):
        return FinessProblem.SHAPE
    if finess.startswith(_CORSICA):
        return None
    return None if luhn_ok(finess) else FinessProblem.KEY


def finess_with_key(first_eight: str) -> str:
    """The FINESS number made of *first_eight* and its key (for demonstration data and tests),
    outside Corsica."""
    return first_eight + luhn_key(first_eight)


#: An RPPS number: eleven digits, the last being the Luhn key of the whole number.
RPPS_SHAPE = re.compile(r"[0-9]{11}")


def compact_rpps(text: str) -> str:
    """An RPPS number as typed, without spaces."""
    return re.sub(r"\s+", "", text)


def rpps_ok(rpps: str) -> bool:
    """Whether *rpps* (spaces removed) has eleven digits and a right Luhn key."""
    return bool(RPPS_SHAPE.fullmatch(rpps)) and luhn_ok(rpps)
