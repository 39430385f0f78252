"""The rulebook: product qualification, routing and deadline rules as versioned data.

Pure Python over TOML files: no database, no web framework. ``decide(facts, on=date)`` is the
one entry point the rest of the service needs.
"""

from routing.calendar import REGIONS, WorkingCalendar
from routing.catalogue import Catalogue, CatalogueEntry
from routing.decision import Decision, decide
from routing.facts import Facts, Features, ProductFacts
from routing.rulebook import Rulebook, Rulebooks, load_rulebooks, shipped_rulebooks
from routing.vocabulary import Category, EventKind, IntendedAction, Origin, Queue

__all__ = [
    "REGIONS",
    "Catalogue",
    "CatalogueEntry",
    "Category",
    "Decision",
    "EventKind",
    "Facts",
    "Features",
    "IntendedAction",
    "Origin",
    "ProductFacts",
    "Queue",
    "Rulebook",
    "Rulebooks",
    "WorkingCalendar",
    "decide",
    "load_rulebooks",
    "shipped_rulebooks",
]
