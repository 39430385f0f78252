"""The domain's text, said in the reader's language from the catalogues, without Flask."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from vigilance.errors import Conflict, InvalidInput
from vigilance.i18n import (
    by_language,
    format_day,
    format_moment,
    format_month,
    format_number,
    say,
    translatable,
    translatable_plural,
)
from vigilance.labels import STATUS_LABELS, label, status_count


@pytest.mark.parametrize(
    ("count", "fr", "en"),
    [
        (0, "0 jour ouvrable", "0 working days"),
        (1, "1 jour ouvrable", "1 working day"),
        (3, "3 jours ouvrables", "3 working days"),
    ],
)
def test_plurals_follow_each_languages_rule(count, fr, en):
    """French takes the singular for 0 and 1, English for 1 only (Babel's plural rules)."""
    days = translatable_plural("%(num)s jour ouvrable", "%(num)s jours ouvrables", count)
    assert (days.render("fr"), days.render("en")) == (fr, en)


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [("1.0", "1,0 jour", "1.0 days"), ("1.9", "1,9 jour", "1.9 days"), ("2.5", "2,5 jours", "2.5 days")],
)
def test_decimal_amounts_follow_cldrs_rule(amount, fr, en):
    """French keeps the singular below 2 ("1,9 jour"); English's singular is a bare 1 only."""
    days = translatable_plural("%(num)s jour", "%(num)s jours", Decimal(amount))
    assert (days.render("fr"), days.render("en")) == (fr, en)


def test_a_message_nests_another_and_falls_back_to_french():
    late = translatable("en retard de %(amount)s", amount=translatable_plural("%(num)s jour", "%(num)s jours", 3))
    assert late.render("en") == "overdue by 3 days"
    assert late.render("de") == late.render(None) == str(late) == "en retard de 3 jours"


def test_errors_and_labels_carry_message_ids_not_pairs():
    conflict = Conflict(translatable("Le compte %(email)s existe déjà.", email="a@b.fr"))
    assert conflict.say("fr") == "Le compte a@b.fr existe déjà."
    assert conflict.say("en") == "Account a@b.fr already exists."
    invalid = InvalidInput({"password": [translatable("Les deux saisies diffèrent.")]})
    assert invalid.messages("en") == {"password": ["The two entries differ."]}
    assert invalid.say("fr") == "Certains champs sont invalides."
    assert label(STATUS_LABELS, "awaiting_information", "en") == "awaiting information"
    assert label(STATUS_LABELS, "awaiting_information", "fr") == "en attente d'information"


def test_dates_months_and_numbers_in_each_language_in_paris_time():
    moment = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)  # 4 November, 00:30 in Paris
    assert format_moment(moment, "fr") == "4 nov. 2026, 00:30"
    assert format_moment(moment, "en") == "4 Nov 2026, 00:30"
    assert format_day(moment, "fr") == "4 nov. 2026"
    assert (format_month(date(2026, 2, 1), "fr"), format_month(date(2026, 2, 1), "en")) == (
        "février 2026",
        "February 2026",
    )
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(1234.5, "fr").replace("\u202f", " ") == "1 234,5"


@pytest.mark.parametrize(
    ("status", "count", "fr", "en"),
    [
        ("new", 1, "1 nouveau", "1 new"),
        ("new", 3, "3 nouveaux", "3 new"),
        ("declared", 1, "1 déclaré", "1 declared"),
        ("declared", 3, "3 déclarés", "3 declared"),
        ("in_progress", 3, "3 en cours", "3 in progress"),
    ],
)
def test_a_count_of_items_in_a_status_agrees_with_its_number(status, count, fr, en):
    said = status_count(status, count)
    assert (said.render("fr"), said.render("en")) == (fr, en)


def test_the_rulebook_engines_words_are_said_like_the_domains():
    """A routing Wording is rendered from the same catalogues, with the rulebook's own bilingual
    text picked in the reader's language and a list of texts written as one."""
    from routing.messages import CATEGORY_LABELS, message
    from routing.vocabulary import Category
    from routing.wording import words

    label = {"fr": "Facteur VIII", "en": "Factor VIII"}
    candidates = tuple(
        words("%(label)s (%(category)s)", label=label, category=CATEGORY_LABELS[category])
        for category in (Category.MEDICINE, Category.BLOOD_DERIVED_MEDICINE)
    )
    ambiguous = message("ambiguous", name="FVIII", candidates=candidates)
    assert say(ambiguous, "fr") == (
        "Le nom « FVIII » peut désigner des produits de catégories différentes (Facteur VIII (médicament), "
        "Facteur VIII (médicament dérivé du sang (MDS))) : le service ne choisit pas à votre place."
    )
    assert say(ambiguous, "en") == (
        "The name “FVIII” may designate products of different categories (Factor VIII (medicine), "
        "Factor VIII (blood-derived medicine)): the service does not choose for you."
    )
    assert by_language(CATEGORY_LABELS[Category.TISSUE]) == {"fr": "tissu", "en": "tissue"}
