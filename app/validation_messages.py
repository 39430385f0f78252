"""marshmallow's messages, said in the reader's language.

marshmallow writes its messages in English and formats them (a bound, a list of choices) before
anyone sees them. They are message ids of the catalogues like any other text: first the message
as formatted, for the project's own wording of one case ("Longer than maximum length 64."), then
the library's template it came from ("Longer than maximum length {max}."), whose translation is
formatted with the values read back from the message. The project's own schema messages are
English too, so that both doors and marshmallow's agree on one language of message ids there.
"""

import re
from functools import lru_cache

from vigilance import i18n


def N_(message: str) -> str:  # the name pybabel looks for
    """Mark *message* for extraction; it is translated where it is shown."""
    return message


#: Messages as formatted for the project's schemas, with a wording of their own.
EXACT_MESSAGES = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid boolean: use true or false."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Shorter than minimum length 1."),
    N_("Longer than maximum length 64."),
    N_("Longer than maximum length 500."),
    N_("Longer than maximum length 10000."),
    N_("Must be greater than or equal to 1 and less than or equal to 4."),
    N_("Must be greater than or equal to 1900 and less than or equal to 2100."),
    N_("At most 3 letters, no name."),
    N_("Must be one of: F, M, U."),
    N_("Invalid input type."),
    N_("The request body must be JSON (Content-Type: application/json)."),
    N_("Expected Content-Type: application/json."),
    N_("Not a cursor this API gave."),
    N_("Not a valid date."),
    # Several products in one report (app/api/classify.py).
    N_("Give product or products, not both."),
    N_("Between 1 and 10 products."),
    # Required text (app/api/fields.py).
    N_("May not be blank."),
    # The queue filters' refusals (app/api/triage.py), which the queue page shows too.
    N_("Unknown status: choose one from the list."),
    N_("Unknown category: choose one from the list."),
    N_("Unknown choice."),
    N_("Invalid date: expected as YYYY-MM-DD."),
    N_("The start date must come before the end date."),
    N_("A day between 2000-01-01 and 2100-12-31."),
)

#: marshmallow's templates (fields and validators), ``{name}`` where it puts a value.
TEMPLATES = (
    N_("Invalid value."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid {obj_type}."),
    N_("Not a valid aware {obj_type}."),
    N_("Not a valid naive {obj_type}."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid period of time."),
    N_("Must be one of: {choices}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be greater than {min}."),
    N_("Must be less than {max}."),
    N_("String does not match expected pattern."),
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    compiled = []
    for template in TEMPLATES:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>.+?)", pattern)
        compiled.append((template, re.compile(pattern)))
    return tuple(compiled)


def translate(message: str, language: str | None) -> str:
    """*message* (one of marshmallow's or the project's validation messages) in *language*."""
    language = i18n.supported(language)
    said = i18n.gettext(message, language)
    if said != message:
        return said
    for template, pattern in _patterns():
        match = pattern.fullmatch(message)
        if match:
            return i18n.gettext(template, language).format(**match.groupdict())
    return message


def translate_all(messages, language: str | None):
    """Nested marshmallow messages (dicts, lists, texts, :class:`~vigilance.i18n.Message`) in *language*."""
    if isinstance(messages, dict):
        return {key: translate_all(value, language) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_all(value, language) for value in messages]
    if isinstance(messages, i18n.Message):
        return messages.render(language)
    if isinstance(messages, str):
        return translate(messages, language)
    return messages
