"""Passwords: which ones are accepted, and how they are hashed, at a cost the deployment chooses.

Hashing. New hashes are Argon2id (argon2-cffi), with the parameters the OWASP password storage
cheat sheet gives first (19 MiB of memory, 2 passes, 1 lane): memory-hard, about 50 ms here,
and light enough that a burst of sign-ins does not exhaust a 2-core server. Hashes made before
(werkzeug's scrypt, or PBKDF2) still verify, and are replaced at the account's next successful
sign-in (:func:`needs_rehash`).

The cost is a process-wide policy, set once when the app is built (``VIGILANCE_PASSWORD_HASH``):
production keeps the strong default; the test suite, which creates hundreds of accounts, sets a
cheap method (one PBKDF2 round), refused in production (app/config.py).

Policy (:func:`problem_with`): at least :data:`MIN_LENGTH` characters, not one of the passwords
people commonly choose, and not built from the account's own name or email address. "Common"
is judged by zxcvbn (the Python port of Dropbox's estimator): it ships the most frequent
passwords of public leaks with English words, names and surnames, and recognises repeats,
sequences, keyboard walks and dates; a password it estimates at fewer than 10^8 guesses
(its score below 3) is refused. A passphrase of a few unrelated words passes.
"""

import re

import argon2
import zxcvbn
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from werkzeug.security import check_password_hash, generate_password_hash

from vigilance.i18n import Message, translatable

#: Argon2id with OWASP's first recommended parameters: the default.
STRONG_METHOD = "argon2id"
#: One round of PBKDF2: for tests only, never accepted in production (see app/config.py).
CHEAP_METHOD = "pbkdf2:sha256:1"
MIN_LENGTH = 12
#: zxcvbn's score (0-4) a password must reach: 3 is "safely unguessable" (10^8 guesses or more).
MIN_SCORE = 3

_ARGON2 = argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=argon2.Type.ID)

_method = STRONG_METHOD
#: A hash made with the current method, checked when an account has none (or the attempt is
#: throttled), so that an unknown address costs the same time as a wrong password.
_decoy_hash: str | None = None


def use_method(method: str) -> None:
    """Hash new passwords with *method* (``argon2id``, or a werkzeug method string); existing
    hashes still verify."""
    global _method, _decoy_hash
    decoy = _hash("decoy", method)  # refuses an unknown method now, not at sign-up
    _method, _decoy_hash = method, decoy


def _hash(password: str, method: str) -> str:
    if method == STRONG_METHOD:
        return _ARGON2.hash(password)
    return generate_password_hash(password, method=method)


def hash_password(password: str) -> str:
    return _hash(password, _method)


def verify_password(password_hash: str, password: str) -> bool:
    if password_hash.startswith("$argon2"):
        try:
            return _ARGON2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return check_password_hash(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that just verified was made otherwise than new hashes are (an older
    scheme, weaker parameters): it is then replaced while the clear password is at hand."""
    if _method == STRONG_METHOD:
        return not password_hash.startswith("$argon2id$") or _ARGON2.check_needs_rehash(password_hash)
    # werkzeug writes its method with every parameter ("scrypt" as "scrypt:32768:8:1"): compare
    # with a hash made now.
    return password_hash.split("$", 1)[0] != _decoy().split("$", 1)[0]


def spend_verification_time(password: str) -> None:
    """Do the work of a real check when there is no hash to check, so timing does not tell."""
    verify_password(_decoy(), password)


def _decoy() -> str:
    global _decoy_hash
    if _decoy_hash is None:
        _decoy_hash = hash_password("decoy")
    return _decoy_hash


def problem_with(password: str, *, email: str = "", name: str = "") -> Message | None:
    """Why *password* is refused for the account of *email* and *name*, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return translatable("Au moins %(count)s caractères.", count=MIN_LENGTH)
    own_words = _own_words(email, name)
    if _built_from(password.lower(), own_words):
        return translatable("Le mot de passe ne doit pas reprendre votre nom ou votre adresse e-mail.")
    if zxcvbn.zxcvbn(password, user_inputs=sorted(own_words))["score"] < MIN_SCORE:
        return translatable(
            "Ce mot de passe est trop courant ou trop facile à deviner : "
            "choisissez par exemple plusieurs mots sans rapport entre eux."
        )
    return None


def _own_words(email: str, name: str) -> set[str]:
    """The pieces of an account's email and name someone would build a password from."""
    local, _, domain = email.lower().partition("@")
    words = {local, domain.split(".", 1)[0]} | set(re.split(r"[\W_]+", f"{local} {name.lower()}"))
    return {word for word in words if len(word) >= 3}


def _built_from(password: str, words: set[str]) -> bool:
    """Whether *password* holds some of *words* and little else: taken out with the digits and
    punctuation that only dress them up (``Marie.Dupont2026``), fewer than 8 letters remain."""
    found = [word for word in words if word in password]
    if not found:
        return False
    for word in sorted(found, key=len, reverse=True):
        password = password.replace(word, "")
    return len(re.sub(r"[\W_\d]+", "", password)) < _OTHER_LETTERS


#: How many letters of its own a password holding the account's name or address must have.
_OTHER_LETTERS = 8
