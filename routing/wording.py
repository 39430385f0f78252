"""The engine's own words, marked for translation without knowing any language.

The rulebook engine imports no catalogue (only the standard library and ``holidays``), so it says
what it means with a :class:`Wording`: a French message id, found by ``pybabel extract`` through
:func:`words` and :func:`plural_words`, and its parameters. Whoever knows the reader renders it
from the service's catalogues (``vigilance.i18n.say``), and hands that renderer to the functions
here that write text (:data:`Say`).

A parameter may be another wording, a rulebook's own text (bilingual data from its TOML files, a
``{"fr": ..., "en": ...}`` mapping), a tuple of these (written as a list), or a plain value.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

#: Text of the rulebook's TOML data, in both languages.
Text = Mapping[str, str]


@dataclass(slots=True)
class Wording:
    """Words of the engine in no language yet; ``%(name)s`` in *msgid* for each parameter.

    Never changed once made, but not ``frozen``: a frozen dataclass costs 1.1 µs more to create
    (0.42 µs against 1.52 µs measured), and ``decide()``, which makes several, is hot.
    """

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)
    #: The plural message id, for a text that depends on *count* (``%(num)s`` in both forms).
    plural: str | None = None
    count: float | None = None


#: Something the engine says: its own words, or the rulebook's bilingual text.
Said = Wording | Text

#: Writes what the engine says in a language: ``say(text, language)``.
Say = Callable[[object, str], str]


def words(msgid: str, **params: object) -> Wording:
    """Mark *msgid* (French, ``%(name)s`` for its parameters) as the engine's words."""
    return Wording(msgid, params)


def plural_words(singular: str, plural: str, count: float, **params: object) -> Wording:
    """Like :func:`words`, in the form the reader's language takes for *count*."""
    return Wording(singular, params, plural, count)


def in_language(text: Said, language: str, say: Say) -> str:
    """*text* in *language*: the engine's words by *say*, the rulebook's by picking (French if missing)."""
    if isinstance(text, Wording):
        return say(text, language)
    return text.get(language) or text["fr"]
