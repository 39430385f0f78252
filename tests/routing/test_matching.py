"""Name matching that a clinician can rely on, tested on a small catalogue of its own."""

import pytest

from routing.catalogue import Catalogue, CatalogueEntry, CatalogueError
from routing.text import normalise
from routing.vocabulary import Category


def entry(entry_id, category, *aliases, brand=None, inn=None):
    return CatalogueEntry(
        id=entry_id,
        category=Category(category),
        label={"fr": aliases[0], "en": aliases[0]},
        aliases=tuple(aliases[1:]),
        source="test",
        brand=brand,
        inn=inn,
    )


@pytest.fixture
def catalogue():
    return Catalogue(
        [
            entry("red-cells", "labile_blood_product", "Concentré de globules rouges", "CGR"),
            entry("platelets-apheresis", "labile_blood_product", "Concentré de plaquettes d'aphérèse", "CPA"),
            entry("albumin", "blood_derived_medicine", "Albumine humaine", "albumine"),
            entry("f8-plasma", "blood_derived_medicine", "Facteur VIII plasmatique", "facteur VIII"),
            entry("f8-recombinant", "medicine", "Facteur VIII recombinant", "facteur VIII"),
            entry("kymriah", "atmp_gene_therapy", "Kymriah", brand="Kymriah", inn="tisagenlecleucel"),
            entry("cornea", "tissue", "Cornée", "greffe de cornée"),
        ]
    )


@pytest.mark.parametrize(
    "typed",
    [
        "CGR",
        "cgr",
        "Concentré de globules rouges",
        "CONCENTRE DE GLOBULES ROUGES",
        "concentre globules rouges",  # without the article
        "concentré de globule rouge",  # singular
        "2 CGR phénotypés transfusés",  # surrounding words
        "CGR, 1 unité",  # dosage
        "globules rouges (concentré)",  # another order
    ],
)
def test_red_cells_whatever_the_spelling(catalogue, typed):
    lookup = catalogue.lookup(typed)
    assert lookup.match is not None and lookup.match.entry.id == "red-cells"


def test_match_says_which_alias_found_it(catalogue):
    assert catalogue.lookup("Kymriah (tisagenlecleucel)").match.entry.id == "kymriah"
    assert catalogue.lookup("tisagenlecleucel 1.2e8 cells").match.alias == "tisagenlecleucel"


def test_dosage_is_ignored(catalogue):
    assert catalogue.lookup("Albumine humaine 20 %").match.entry.id == "albumin"
    assert catalogue.lookup("albumine 50 g/l, 100 ml").match.entry.id == "albumin"


def test_a_longer_match_outranks_the_words_it_contains(catalogue):
    assert catalogue.lookup("Facteur VIII plasmatique").match.entry.id == "f8-plasma"
    assert catalogue.lookup("facteur 8 recombinant").match is None  # "8" is not "VIII": no guess
    assert catalogue.lookup("FACTEUR VIII RECOMBINANT 1000 UI").match.entry.id == "f8-recombinant"


def test_a_name_shared_by_two_categories_is_not_guessed(catalogue):
    lookup = catalogue.lookup("Facteur VIII")
    assert lookup.match is None
    assert {m.entry.id for m in lookup.conflicting} == {"f8-plasma", "f8-recombinant"}


def test_two_products_of_different_categories_are_ambiguous(catalogue):
    lookup = catalogue.lookup("CGR puis albumine")
    assert lookup.is_ambiguous and lookup.match is None


def test_two_names_of_the_same_category_pick_the_most_specific(catalogue):
    lookup = catalogue.lookup("CGR et CPA")
    assert lookup.match is not None and lookup.match.entry.category == Category.LABILE_BLOOD_PRODUCT


@pytest.mark.parametrize("typed", ["", "   ", "Produit inconnu Z-17", "globules", "concentré", "!!!"])
def test_unknown_names_match_nothing(catalogue, typed):
    lookup = catalogue.lookup(typed)
    assert lookup.match is None and not lookup.is_ambiguous


def test_normalise_drops_accents_ligatures_punctuation_and_plurals():
    assert normalise("Cœur-poumons, GREFFÉS !") == ("coeur", "poumon", "greffe")
    assert normalise("Plaquettes d'aphérèse") == ("plaquette", "apherese")


def test_duplicate_entry_ids_are_refused():
    with pytest.raises(CatalogueError):
        Catalogue([entry("x", "tissue", "a"), entry("x", "organ", "b")])


def test_requalification_changes_only_the_named_entries(catalogue):
    requalified = catalogue.with_categories({"albumin": Category.MEDICINE})
    assert requalified.lookup("albumine").match.entry.category == Category.MEDICINE
    assert requalified.lookup("CGR").match.entry.category == Category.LABILE_BLOOD_PRODUCT
    assert catalogue.lookup("albumine").match.entry.category == Category.BLOOD_DERIVED_MEDICINE
    with pytest.raises(CatalogueError):
        catalogue.with_categories({"nonexistent": Category.MEDICINE})
