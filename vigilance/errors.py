"""Domain errors: HTTP-neutral, each with a code the web layer maps to a status.

Their messages are :class:`~vigilance.i18n.Message` objects, said in the reader's language by
whoever shows them (``error.say(language)``).
"""

from collections.abc import Mapping

from vigilance.i18n import Message, say, translatable

#: A message: translatable text, or a text that needs none (a name, an identifier).
Text = Message | str


class VigilanceError(Exception):
    code = "error"

    def __init__(self, message: Text = ""):
        self.message = message
        super().__init__(say(message, "en"))

    def say(self, language: str | None) -> str:
        """The message in *language*."""
        return say(self.message, language)


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
