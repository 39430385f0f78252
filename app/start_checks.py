"""What production refuses to start with: a secret key that can be guessed, and demo accounts,
whose password is printed by ``vigilance demo load`` and written in the README.

The key is checked with the rest of the configuration (``app.config.load_config``): every
command refuses it. The demo accounts are checked where the service is served, ``create_app()``
under a WSGI server and ``vigilance run``, but not by the other commands, which must still work
against such a database: ``vigilance users disable EMAIL`` is how to put it right.
"""

import logging

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.config import ConfigError
from vigilance import demo
from vigilance.models import User

_log = logging.getLogger("vigilance.start")

#: At least this many characters: ``secrets.token_urlsafe(32)`` gives 43.
SECRET_KEY_MIN_LENGTH = 32
#: zxcvbn's estimate of the guesses needed, as a power of ten: 10^30 is about 100 bits. A random
#: key of 32 characters scores above 40; words, repeats and sequences score far below.
SECRET_KEY_MIN_GUESSES_LOG10 = 30
#: zxcvbn refuses longer texts; a key longer than that is judged on its first characters.
_ZXCVBN_MAX_LENGTH = 72
#: Keys published with the service (its guide's placeholder, its tests, its benchmarks, the demo
#: password): known to anyone who reads the repository, however strong they look.
KNOWN_SECRET_KEYS = frozenset(
    {
        "change-me-to-the-output-of-python3-secrets-token-urlsafe-48",
        "test-secret-key",
        "bench",
        "worker-bench",
        "crash-test",
        demo.DEMO_PASSWORD,
    }
)
HOW_TO_MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def secret_key_weakness(key: str) -> str | None:
    """Why *key* must not sign production sessions, or None when it may."""
    if key in KNOWN_SECRET_KEYS or "change-me" in key.lower() or "changeme" in key.lower():
        return "it is a published example value"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}"
    from zxcvbn import zxcvbn  # read in production only: its word lists take a moment to load

    if zxcvbn(key[:_ZXCVBN_MAX_LENGTH], user_inputs=["vigilance"])["guesses_log10"] < SECRET_KEY_MIN_GUESSES_LOG10:
        return "it is easy to guess (words, repeats or sequences)"
    return None


def refuse_weak_secret_key(key: str, setting: str = "VIGILANCE_SECRET_KEY") -> None:
    """:raises ConfigError: *key* (the value of *setting*) is weak, naming the setting and how to make a good one."""
    weakness = secret_key_weakness(key)
    if weakness is not None:
        raise ConfigError(f"{setting} is too weak for production: {weakness}. Make one with: {HOW_TO_MAKE_A_KEY}")


def refuse_demo_accounts(engine: Engine) -> None:
    """:raises ConfigError: demo accounts may still sign in to *engine*'s database, naming them.

    A database without the accounts table yet (before ``vigilance db upgrade``) has none. A
    database that does not answer is not a reason to refuse: the service starts, says so in its
    log and on ``/readyz``, as it would without this check (a web app started before its
    database must not crash in a loop); each worker checks again when it starts.
    """
    emails = [account.email for account in demo.ACCOUNTS]
    try:
        if not inspect(engine).has_table(User.__tablename__):
            return
        with Session(engine) as session:
            active = session.exec(
                select(User.email).where(col(User.email).in_(emails), col(User.is_active)).order_by(User.email)
            ).all()
    except OperationalError:
        _log.warning("The database does not answer: demo accounts not checked (VIGILANCE_DATABASE_URL)")
        return
    if active:
        raise ConfigError(
            f"Demo accounts can sign in to this production database (VIGILANCE_DATABASE_URL) with a published "
            f"password: {', '.join(active)}. Disable each one with `vigilance users disable EMAIL`."
        )
