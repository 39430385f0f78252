"""Domain errors: HTTP-neutral, each with a code the web layer maps to a status."""

from collections.abc import Mapping

#: A message in every language the service speaks: {"fr": "...", "en": "..."}.
Text = Mapping[str, str]


class VigilanceError(Exception):
    code = "error"

    def __init__(self, message: Text | str = ""):
        if isinstance(message, str):
            message = {"fr": message, "en": message}
        self.text = dict(message)
        super().__init__(self.text.get("en", ""))


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
        super().__init__({"fr": "Certains champs sont invalides.", "en": "Some fields are invalid."})

    def messages(self, language: str) -> dict[str, list[str]]:
        return {field: [m.get(language) or m["fr"] for m in messages] for field, messages in self.errors.items()}
