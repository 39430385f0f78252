"""A domain error, as the command line reports it."""

import click

from vigilance.errors import InvalidInput, VigilanceError


def fail(error: VigilanceError) -> None:
    details = ""
    if isinstance(error, InvalidInput):
        details = " " + " ".join(
            f"{field}: {' '.join(m['en'] for m in messages)}" for field, messages in error.errors.items()
        )
    raise click.ClickException(f"{error.text['en']}{details}")
