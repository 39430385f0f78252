"""marshmallow's own messages, marked so that ``pybabel extract`` keeps them in the catalogues.

marshmallow writes its messages in English, formatted before anyone sees them; the French
catalogue says them in French and the English one may reword them. Listed here as the
library formats them for the project's schemas (a bound such as 64 or 500 included).
"""


def N_(message: str) -> str:  # the name pybabel looks for
    """Mark *message* for extraction; it is translated where it is shown."""
    return message


MARSHMALLOW_MESSAGES = (
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
)
