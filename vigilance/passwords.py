"""Password hashing, at a cost the deployment chooses.

The cost is a process-wide policy, set once when the app is built (``VIGILANCE_PASSWORD_HASH``):
production keeps the strong default; the test suite, which creates hundreds of accounts, sets a
cheap method, because each scrypt hash takes 200-330 ms on our 2-core machine and hashing was
most of `make test`'s time (441 s against 104 s under load, issue 12).
"""

from werkzeug.security import check_password_hash, generate_password_hash

#: The method werkzeug uses unless told otherwise: memory-hard, slow on purpose.
STRONG_METHOD = "scrypt"
#: One round of PBKDF2: for tests only, never accepted in production (see app/config.py).
CHEAP_METHOD = "pbkdf2:sha256:1"

_method = STRONG_METHOD
#: A hash made with the current method, checked when an account has none, so that an unknown
#: address costs the same time as a wrong password.
_decoy_hash: str | None = None


def use_method(method: str) -> None:
    """Hash new passwords with *method* (a werkzeug method string); existing hashes still verify."""
    global _method, _decoy_hash
    decoy = generate_password_hash("decoy", method=method)  # refuses an unknown method now, not at sign-up
    _method, _decoy_hash = method, decoy


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def spend_verification_time(password: str) -> None:
    """Do the work of a real check when there is no hash to check, so timing does not tell."""
    global _decoy_hash
    if _decoy_hash is None:
        _decoy_hash = generate_password_hash("decoy", method=_method)
    check_password_hash(_decoy_hash, password)
