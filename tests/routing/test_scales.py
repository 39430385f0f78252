"""Every term a correspondent picks from reads in French and in English."""

from routing.scales import (
    AUTHORITIES,
    INVESTIGATION_STATUSES,
    REACTION_TYPES,
    SERIOUSNESS_CRITERIA,
    term_label,
)
from vigilance.i18n import say


def test_every_listed_term_has_its_words_in_both_languages():
    terms = {
        *SERIOUSNESS_CRITERIA,
        *INVESTIGATION_STATUSES,
        "initial",
        "follow_up",
        *(t for types in REACTION_TYPES.values() for t in types),
    }
    for term in terms:
        french, english = say(term_label(term), "fr"), say(term_label(term), "en")
        assert french != term or term in ("hypotension", "infection", "contamination"), term
        assert english and "_" not in english and "_" not in french, term


def test_authorities_keep_their_names_and_a_manufacturer_is_translated():
    assert [say(term_label(a), "fr") for a in AUTHORITIES] == ["ANSM", "ABM", "CRPV", "EFS", "fabricant"]
