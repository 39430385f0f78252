"""Several products in one event: the names one name holds, and which product is the principal.

A clinician may name two products in one field ("CGR et albumine", "plaquettes + IgIV"): read as
one name, the catalogue finds two categories and cannot choose, and the report would wait for a
person. Cut where people join names ("et", "+", ",", "avec" ...), each part that names a known
product is a product of its own.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

from routing.catalogue import Catalogue
from routing.facts import ProductFacts
from routing.text import normalise
from routing.vocabulary import HUMAN_ORIGIN_CATEGORIES, HUMAN_ORIGINS, Category

#: At most this many products in one event, as contract.md allows a report: a name that would
#: make more is read as one name (the catalogue then says what it can of it).
MAX_PRODUCTS = 10

#: Where a name joins two products: symbols, and the words people join them with, in French or
#: English ("CGR via réchauffeur", "platelets with IVIG").
_JOINS = re.compile(
    r"\s*(?:[+&;,/]|\b(?:et|and|puis|then|plus|avec|with|via|through)\b)\s*",
    re.IGNORECASE,
)


def names_within(catalogue: Catalogue, name: str) -> tuple[str, ...]:
    """The names of the products *name* holds, in its order; ``(name,)`` when it names one.

    A name holds several when its parts name at least two different catalogue entries. A part
    that names nothing is words around a product ("CGR et surveillance") and is dropped; a part
    whose name is ambiguous stays, to be qualified by a person. A name whose own words run
    across a join ("colle de fibrine (fibrinogène + thrombine)") is one product.
    """
    if not _JOINS.search(name):
        return (name,)
    return _names_within(catalogue, name)


@lru_cache(maxsize=4096)
def _names_within(catalogue: Catalogue, name: str) -> tuple[str, ...]:
    # Catalogues never change in a running process: a name is cut once. A part none of whose
    # words begins an alias cannot name a product: no lookup for it (a dosage such as "50 g/l").
    parts = [part for part in _JOINS.split(name) if part and not part.isspace()]
    if sum(1 for part in parts if catalogue.knows_a_word_of(part)) < 2:
        return (name,)
    whole = catalogue.lookup(name)
    part_words = [frozenset(normalise(part)) for part in parts]
    if whole.match is not None and not any(whole.match.words <= words for words in part_words):
        return (name,)
    kept: list[str] = []
    seen: set[object] = set()
    entries: set[str] = set()
    for part, words in zip(parts, part_words, strict=True):
        lookup = catalogue.lookup(part)
        if lookup.match is not None:
            key: object = lookup.match.entry.id
            entries.add(lookup.match.entry.id)
        elif lookup.is_ambiguous:
            key = words
        else:
            continue
        if key not in seen:  # "CGR + CGR": one product
            seen.add(key)
            kept.append(part.strip())
    if len(entries) < 2 or len(kept) > MAX_PRODUCTS:
        return (name,)
    return tuple(kept)


def read_products(catalogue: Catalogue, products: Sequence[ProductFacts]) -> tuple[ProductFacts, ...]:
    """Every product of an event: those given, each name that holds several read as several.

    A product described by questionnaire answers is one product whatever its name says: the
    answers describe it, and they outrank its name.
    """
    read: list[ProductFacts] = []
    for position, product in enumerate(products):
        names = names_within(catalogue, product.name)
        # Room for the products still to come: never more than MAX_PRODUCTS in all.
        room = MAX_PRODUCTS - len(read) - (len(products) - position - 1)
        if len(names) == 1 or len(names) > room or product.has_answers or product.qualified_as is not None:
            read.append(product)
        else:
            read.extend(ProductFacts(name=part, autologous=product.autologous) for part in names)
    return tuple(read)


def is_of_human_origin(category: Category, product: ProductFacts) -> bool:
    """Whether the product is made of a substance of human origin, by its category or, when the
    rules could not qualify it, by the origin the reporter gave."""
    if category in HUMAN_ORIGIN_CATEGORIES:
        return True
    return category == Category.UNCLASSIFIED and product.origin in HUMAN_ORIGINS


def principal_position(categories: Sequence[Category], products: Sequence[ProductFacts]) -> int:
    """Where the principal product is: the first of human origin, else the first (contract.md)."""
    for position, (category, product) in enumerate(zip(categories, products, strict=True)):
        if is_of_human_origin(category, product):
            return position
    return 0
