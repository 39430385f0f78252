"""A domain error, as the command line reports it."""

import click

from vigilance.errors import InvalidInput, VigilanceError


def fail(error: VigilanceError) -> None:
    details = ""
    if isinstance(error, InvalidInput):
        details = " " + " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.messages("en").items())
    raise click.ClickException(f"{error.say('en')}{details}")
