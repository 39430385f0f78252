"""Domain errors: HTTP-neutral, each with a code the web layer maps to a status.

Their messages are :class:`~vigilance.i18n.Message` objects, said in the reader's language by
whoever shows them (``error.say(language)``); a ``{"fr": ..., "en": ...}`` pair is still taken
from code not converted yet.
"""

from collections.abc import Mapping

from vigilance.i18n import Message, by_language, say, translatable

#: A message: translatable text, or (not converted yet) a ``{"fr": ..., "en": ...}`` pair.
Text = Message | Mapping[str, str] | str


class VigilanceError(Exception):
    code = "error"

    def __init__(self, message: Text = ""):
        self.message = message
        super().__init__(say(message, "en"))

    def say(self, language: str | None) -> str:
        """The message in *language*."""
        return say(self.message, language)

    @property
    def text(self) -> dict[str, str]:
        """The message in every language, for readers that pick one themselves."""
        return by_language(self.message)


class NotFound(VigilanceError):
    code = "not_found"


class Forbidden(VigilanceError):
    code = "forbidden"


class Conflict(VigilanceError):
    code = "conflict"


class Unauthenticated(VigilanceError):
    code = "unauthenticated"


class InvalidInput(VigilanceError):
    """Refused input, with the problems per field path: nothing was stored."""

    code = "invalid"

    def __init__(self, errors: Mapping[str, list[Text]]):
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__(translatable("Certains champs sont invalides."))

    def messages(self, language: str | None) -> dict[str, list[str]]:
        return {field: [say(m, language) for m in messages] for field, messages in self.errors.items()}
