"""routing.identifiers: check characters and keys against published examples, and the spellings
of one donation number normalised alike."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.identifiers import (
    MOD37_ALPHABET,
    DonationFormat,
    DonationSpelling,
    FinessProblem,
    finess_problem,
    finess_with_key,
    luhn_key,
    luhn_ok,
    mod37_2_check_character,
    mod37_2_checksum,
    normalise_donation_number,
    normalise_lot_number,
    read_donation_number,
    rpps_ok,
)

# --- ISO 7064 MOD 37-2 ----------------------------------------------------------------------------


def test_the_worked_example_of_the_uk_red_book():
    # JPAC, Guidelines for the Blood Transfusion Services in the UK, Annex 2 "ISBT 128 check
    # character calculation", table A2.2: donation number G123 498 654 321, weighted sum 148354,
    # mod 37 = 21, 38 - 21 = 17: checksum 17, bar-code check character 77, eye-readable H.
    din = "G123498654321"
    assert sum(MOD37_ALPHABET.index(c) * 2 ** (len(din) - i) for i, c in enumerate(din)) == 148354
    assert mod37_2_checksum(din) == 17
    assert mod37_2_check_character(din) == "H"
    assert read_donation_number("=G12349865432177").check_ok is True  # 60 + 17


def test_a_published_sample_of_the_iccbba_algorithm():
    # Brian Dunning's FileMaker function ISBT128_Checksum "according to the Technical
    # Specification ICCBBA ST-001": sample input ABCDE27000069, output C.
    assert mod37_2_check_character("ABCDE27000069") == "C"


def test_the_alphabet_of_iso_7064_mod_37_2():
    # Red Book table A2.1: 0-9 are 0-9, A-Z 10-35, * is 36.
    assert MOD37_ALPHABET.index("W") == 32 and MOD37_ALPHABET.index("*") == 36
    with pytest.raises(ValueError):
        mod37_2_checksum("G12-3")


# --- Donation numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "spelling"),
    [
        ("G123498654321H", DonationSpelling.WITH_CHECK),
        ("G123 498 654 321 H", DonationSpelling.WITH_CHECK),  # as printed, eye-readable
        ("G123 498 654 321 [H]", DonationSpelling.WITH_CHECK),  # the boxed check character
        ("g123-498-654-321 h", DonationSpelling.WITH_CHECK),
        ("G123498654321 00 H", DonationSpelling.WITH_FLAGS_AND_CHECK),
        ("=G12349865432100", DonationSpelling.BAR_CODE),  # the bar code, flags 00: no check
        ("=G12349865432177", DonationSpelling.BAR_CODE),  # the bar code, flags carrying the check
        ("=G123498654321", DonationSpelling.BAR_CODE),
        ("G123498654321", DonationSpelling.WITHOUT_CHECK),
        ("G12349865432101", DonationSpelling.WITHOUT_CHECK),
    ],
)
def test_every_spelling_of_one_donation_is_recognised_and_normalised_alike(typed, spelling):
    number = read_donation_number(typed)
    assert number.format is DonationFormat.ISBT128
    assert number.spelling is spelling
    assert number.normalised == "G123498654321"
    assert number.check_ok is not False and not number.refused
    assert normalise_donation_number(typed) == "G123498654321"


@pytest.mark.parametrize(
    "typed",
    ["G123498654321J", "G123 498 654 321 [7]", "g123498654321 00 *", "=G12349865432178", "=G12349865432196"],
)
def test_a_wrong_check_character_is_refused(typed):
    number = read_donation_number(typed)
    assert number.format is DonationFormat.ISBT128
    assert number.refused and number.expected_check == "H"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("L12345", "L12345"),
        ("don 4711", "DON4711"),
        ("O123498654321", "O123498654321"),  # O is no facility's first character
        ("0123498654321H", "0123498654321H"),  # nor is 0
        ("G1234986543", "G1234986543"),  # too short
        ("=ABC", "=ABC"),
    ],
)
def test_a_number_in_no_known_format_is_accepted_as_typed_without_spaces(typed, normalised):
    number = read_donation_number(typed)
    assert number.format is DonationFormat.UNKNOWN and number.unknown_format
    assert number.check_ok is None and not number.refused
    assert number.normalised == normalised


def test_nothing_typed_normalises_to_nothing():
    assert normalise_donation_number(None) is None
    assert normalise_donation_number("   ") is None
    assert normalise_lot_number(None) is None and normalise_lot_number(" ") is None


def test_lot_numbers_are_compared_without_spaces_or_case_but_keep_their_marks():
    assert normalise_lot_number(" l 2291 ") == normalise_lot_number("L2291") == "L2291"
    assert normalise_lot_number("12-3") != normalise_lot_number("1-23")


_DIN = st.builds(
    lambda first, digits: first + digits,
    st.sampled_from("ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"),
    st.text(alphabet="0123456789", min_size=12, max_size=12),
)


@given(din=_DIN, data=st.data())
def test_a_valid_number_passes_and_any_one_substitution_fails(din, data):
    typed = din + mod37_2_check_character(din)
    assert read_donation_number(typed).check_ok is True
    position = data.draw(st.integers(min_value=0, max_value=len(typed) - 1))
    original = typed[position]
    replacement = data.draw(st.sampled_from([c for c in MOD37_ALPHABET if c != original]))
    changed = typed[:position] + replacement + typed[position + 1 :]
    number = read_donation_number(changed)
    # A single substitution is always detected: refused when still an ISBT 128 number, or no
    # longer one at all (a letter where digits go), never taken for a right number.
    assert number.check_ok is not True
    if number.format is DonationFormat.ISBT128:
        assert number.refused


@given(din=_DIN)
def test_the_bar_code_and_the_label_give_one_normalised_number(din):
    label = f"{din[:4]} {din[4:7]} {din[7:10]} {din[10:]} {mod37_2_check_character(din)}"
    bar_code = f"={din}{60 + mod37_2_checksum(din)}"
    assert read_donation_number(bar_code).check_ok is True
    assert normalise_donation_number(label) == normalise_donation_number(bar_code) == din


# --- FINESS and RPPS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "finess",
    # Establishments of the FINESS directory (data.gouv.fr extract): CHU de Rennes, Hôpitaux
    # universitaires de Strasbourg, CHU de Toulouse, CHU de La Réunion, AP-HP.
    ["350000139", "670780055", "310781406", "970421038", "750712184"],
)
def test_real_finess_numbers_have_a_right_key(finess):
    assert finess_problem(finess) is None


@pytest.mark.parametrize(
    ("finess", "problem"),
    [
        ("750712185", FinessProblem.KEY),
        ("350000193", FinessProblem.KEY),  # two digits swapped
        ("75071218", FinessProblem.SHAPE),
        ("2C0000014", FinessProblem.SHAPE),
        ("7507121840", FinessProblem.SHAPE),
    ],
)
def test_a_wrong_finess_number_says_what_is_wrong(finess, problem):
    assert finess_problem(finess) is problem


def test_the_key_of_a_new_finess_number():
    assert finess_with_key("75000001") == "750000010"


@pytest.mark.parametrize("finess", ["2A0000014", "2A0000015", "2B0000020"])
def test_a_corsican_finess_number_is_never_refused_for_its_key(finess):
    """No published text says how 2A and 2B count in the key: better a mistyped number kept
    than a real establishment refused."""
    assert finess_problem(finess) is None


def test_luhn():
    # ISO/IEC 7812-1 annex B's example, as usually quoted: 7992739871, key 3.
    assert luhn_key("7992739871") == "3" and luhn_ok("79927398713")
    assert not luhn_ok("79927398710") and not luhn_ok("7992a")


@pytest.mark.parametrize(
    ("rpps", "ok"), [("10000000009", True), ("10000000008", False), ("1000000000", False), ("1000000000A", False)]
)
def test_rpps_numbers_are_checked_by_their_luhn_key(rpps, ok):
    assert rpps_ok(rpps) is ok


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.data())
def test_a_generated_rpps_passes_and_one_changed_digit_fails(body, data):
    rpps = body + luhn_key(body)
    assert rpps_ok(rpps)
    position = data.draw(st.integers(min_value=0, max_value=10))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != rpps[position]]))
    assert not rpps_ok(rpps[:position] + digit + rpps[position + 1 :])


@given(st.text(max_size=64))
def test_a_normalised_number_is_never_longer_than_typed(text):
    """It is stored in a column as long as the typed one: "ß" must not become "SS"."""
    for normalised in (normalise_donation_number(text), normalise_lot_number(text)):
        assert normalised is None or len(normalised) <= len(text)


def test_only_ascii_letters_change_case():
    assert normalise_lot_number("lot-ßa 12") == "LOT-ßA12"
