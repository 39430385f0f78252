"""The audit key: the secret, held outside the database, that makes the trail prove itself.

Whoever can write to the database can rewrite an event and hash the chain again, or edit a
report and leave no trace: a hash anyone can compute proves nothing against them. With a key
they do not have (``VIGILANCE_AUDIT_KEY``, kept in the environment or the instance folder, never
in the database), every link of the chains, every seal of a row and every checkpoint file is an
HMAC-SHA256 they cannot forge.

One key is configured; each use gets its own key derived from it (HMAC of the use's name), so
that a value made for one use is never valid for another. The key is set once per process by the
app factory (as the password method is), so the domain, the CLI and the worker read it without
Flask.
"""

import hashlib
import hmac

#: The uses, each with its derived key.
CHAIN = "vigilance audit chain"
SEALS = "vigilance audit seals"
CHECKPOINTS = "vigilance audit checkpoints"

_derived: dict[str, bytes] = {}
_identifier: str | None = None


class MissingAuditKey(RuntimeError):
    """No audit key was given to this process (``vigilance.audit_keys.use_key``)."""


def use_key(secret: str) -> None:
    """Use *secret* (``VIGILANCE_AUDIT_KEY``) from now on in this process."""
    global _identifier
    master = secret.encode()
    _derived.clear()
    for purpose in (CHAIN, SEALS, CHECKPOINTS):
        _derived[purpose] = hmac.digest(master, purpose.encode(), hashlib.sha256)
    # Says which key signed a checkpoint without revealing anything of it.
    _identifier = hmac.digest(master, b"vigilance audit key id", hashlib.sha256).hex()[:12]


def key_for(purpose: str) -> bytes:
    try:
        return _derived[purpose]
    except KeyError:
        raise MissingAuditKey("no audit key: set VIGILANCE_AUDIT_KEY") from None


def key_id() -> str:
    """A short public name of the key in use (checkpoint files carry it)."""
    if _identifier is None:
        raise MissingAuditKey("no audit key: set VIGILANCE_AUDIT_KEY")
    return _identifier


def mac(purpose: str, data: bytes) -> str:
    """The HMAC-SHA256 of *data* under the key of *purpose*, in hexadecimal."""
    return hmac.digest(key_for(purpose), data, hashlib.sha256).hex()


def same(a: str, b: str) -> bool:
    """Compare two MACs in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
