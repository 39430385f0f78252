"""The product catalogue: what clinicians call products, and what each product is."""

import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from routing.text import normalise
from routing.vocabulary import Category


class CatalogueError(ValueError):
    """A catalogue file is malformed; raised when loading, never when deciding."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One product, or one family of products, with every name it goes by."""

    id: str
    category: Category
    label: Mapping[str, str]
    aliases: tuple[str, ...]
    source: str
    brand: str | None = None
    inn: str | None = None
    status: str | None = None
    note: str | None = None

    def names(self) -> Iterable[str]:
        """Yield every string a clinician may type for this entry."""
        yield from self.label.values()
        if self.brand:
            yield self.brand
        if self.inn:
            yield self.inn
        yield from self.aliases


@dataclass(frozen=True)
class CatalogueMatch:
    """An entry found in a typed name, with the alias that found it."""

    entry: CatalogueEntry
    alias: str
    words: frozenset[str]


@dataclass(frozen=True)
class Lookup:
    """What the catalogue says of a name: one match, several conflicting ones, or nothing."""

    match: CatalogueMatch | None = None
    conflicting: tuple[CatalogueMatch, ...] = field(default=())

    @property
    def is_ambiguous(self) -> bool:
        return bool(self.conflicting)


@dataclass(frozen=True)
class _Alias:
    words: frozenset[str]
    text: str
    entry: CatalogueEntry


class Catalogue:
    """An immutable set of entries, indexed for matching names in any order of words."""

    def __init__(self, entries: Iterable[CatalogueEntry]):
        self.entries: dict[str, CatalogueEntry] = {}
        # Every alias is indexed under one of its words: since all its words must occur in the
        # name, looking up the name's words is enough to find every candidate.
        self._index: dict[str, list[_Alias]] = defaultdict(list)
        for entry in entries:
            if entry.id in self.entries:
                raise CatalogueError(f"duplicate catalogue entry id {entry.id!r}")
            self.entries[entry.id] = entry
            for name in entry.names():
                words = frozenset(normalise(name))
                if words:
                    key = min(words, key=lambda w: (-len(w), w))
                    self._index[key].append(_Alias(words, name, entry))

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, name: str) -> Lookup:
        """Find the entry a typed name designates; never guess between conflicting entries."""
        words = frozenset(normalise(name or ""))
        if not words:
            return Lookup()
        # Per entry: every word its aliases account for, and its most specific alias.
        covered: dict[str, set[str]] = {}
        best: dict[str, _Alias] = {}
        index = self._index
        for word in words:
            for alias in index.get(word, ()):
                if alias.words <= words:
                    entry_id = alias.entry.id
                    covered.setdefault(entry_id, set()).update(alias.words)
                    kept = best.get(entry_id)
                    if kept is None or (len(alias.words), len(alias.text)) > (len(kept.words), len(kept.text)):
                        best[entry_id] = alias
        if not best:
            return Lookup()
        # An entry whose words are all accounted for by another entry's says less: "facteur VIII"
        # (plasma-derived or recombinant) gives way to "facteur VIII Advate" (recombinant).
        kept_ids = [
            entry_id
            for entry_id, own in covered.items()
            if not any(own < other for other_id, other in covered.items() if other_id != entry_id)
        ]
        matches = sorted(
            (CatalogueMatch(best[i].entry, best[i].text, frozenset(covered[i])) for i in kept_ids),
            key=lambda m: (-len(m.words), m.entry.id),
        )
        if len({m.entry.category for m in matches}) > 1:
            return Lookup(conflicting=tuple(matches))
        return Lookup(match=matches[0])

    def knows_a_word_of(self, name: str) -> bool:
        """Whether some word of *name* begins an alias (a cheap test before a lookup)."""
        index = self._index
        return any(word in index for word in normalise(name or ""))

    def with_categories(self, overrides: Mapping[str, Category]) -> "Catalogue":
        """Return a copy in which some entries are re-qualified (a later rulebook's decision)."""
        unknown = set(overrides) - set(self.entries)
        if unknown:
            raise CatalogueError(f"re-qualification of unknown entries: {sorted(unknown)}")
        return Catalogue(
            replace(entry, category=overrides.get(entry.id, entry.category)) for entry in self.entries.values()
        )


def load_catalogue(paths: Iterable[Path]) -> Catalogue:
    """Read catalogue TOML files into one catalogue; refuse malformed entries loudly."""
    entries = []
    for path in paths:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        for raw in data.get("entry", []):
            entries.append(_entry_from_toml(raw, path))
    return Catalogue(entries)


def _entry_from_toml(raw: dict, path: Path) -> CatalogueEntry:
    where = f"{path.name}: entry {raw.get('id', '?')!r}"
    try:
        category = Category(raw["category"])
        label = dict(raw["label"])
        entry = CatalogueEntry(
            id=raw["id"],
            category=category,
            label=label,
            aliases=tuple(raw.get("aliases", ())),
            source=raw["source"],
            brand=raw.get("brand"),
            inn=raw.get("inn"),
            status=raw.get("status"),
            note=raw.get("note"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogueError(f"{where}: {exc!r}") from exc
    if not {"fr", "en"} <= set(label):
        raise CatalogueError(f"{where}: label needs both fr and en")
    return entry
