"""Throttling password guesses, with counters that every worker shares and none can race.

Who is throttled, and why this way:

- **Per account and client address** (``5 per minute; 15 per hour; 40 per day``): the tight
  limit, with delays that grow as the guesses go on. It stops one machine guessing one
  account's password, and it is the attacker's own bucket: a clinician signing in from their
  ward computer has a bucket of their own, untouched by someone guessing from elsewhere.
- **Per account** (``50 per 15 minutes``, successful sign-ins included): guesses at one
  account from many addresses. One address alone cannot reach it (its own bucket stops it at
  15 attempts in 15 minutes), so holding a clinician out takes at least four addresses guessing
  without pause, each of them throttled; and the window is short, so the account is usable
  again at most 15 minutes after the guessing stops. Nothing is written in the database and no
  state outlives the windows: no one can lock an account for good.
- **Per client address** (``100 per 15 minutes; 300 per day``), failed attempts only: one
  address trying many accounts (password spraying). Failures only, since a hospital's wards
  often reach the service through one address, and a morning's sign-ins must not add up.

An attempt counts before its password is checked: the account's counters are incremented and
compared in one atomic step of the storage (a lock in memory, a script in Redis), so that
workers racing each other never get more guesses at an account checked than its limits allow.
The address's failures are counted after the check (only failures count): racing requests may
overshoot that looser limit by a few, never the account's. A successful sign-in empties
its account and address's bucket (a person's typos do not add up over a day).

A throttled attempt gets the very answer of a wrong password, after the same hashing work
(vigilance.passwords.spend_verification_time): it tells neither that the account exists nor
that the password was right. Attempts at an email address without an account are throttled alike.

Storage: in memory by default (one process: the embedded ``vigilance run``), or Redis when
``VIGILANCE_RATELIMIT_STORAGE_URL`` names one (``redis://127.0.0.1:6379/0``), which several
workers or servers must share for the limits to hold across them. While that Redis does not
answer, each process counts in its own memory (and says so in its log at each attempt): the
clinicians still sign in, and the limits still hold per process, so an attacker gains at most
the number of processes times the guesses. A sign-in page answering 500 during a Redis outage
would hold every clinician out, which the throttle exists to prevent.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, current_app, request
from limits import parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)
Answer = TypeVar("Answer")

ACCOUNT_AND_CLIENT = parse_many("5 per minute; 15 per hour; 40 per day")
ACCOUNT = parse_many("50 per 15 minutes")
CLIENT_FAILURES = parse_many("100 per 15 minutes; 300 per day")


@dataclass
class SignInThrottle:
    """The sign-in counters of one service (*namespace* keeps services sharing a Redis apart)."""

    storage: Storage
    namespace: str
    #: Where this process counts while *storage* does not answer.
    fallback: Storage = field(default_factory=MemoryStorage)

    def __post_init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._fallback_limiter = MovingWindowRateLimiter(self.fallback)

    def admit(self, email: str, client: str) -> bool:
        """Count an attempt at *email*'s password from *client*: False when it must not be checked."""
        return self._counted(lambda limiter: self._admit(limiter, email, client))

    def client_admitted(self, client: str) -> bool:
        """Whether *client* may try again, its failures counted (a single sign-on, which checks no password)."""
        return all(self._limiter.test(limit, self.namespace, "client", client) for limit in CLIENT_FAILURES)

    def failed(self, client: str) -> None:
        """A checked password was wrong: it counts against the client's address."""

        def count(limiter: MovingWindowRateLimiter) -> None:
            for limit in CLIENT_FAILURES:
                limiter.hit(limit, self.namespace, "client", client)

        self._counted(count)

    def succeeded(self, email: str, client: str) -> None:
        """The person is in: their own typos from this address are forgotten."""

        def forget(limiter: MovingWindowRateLimiter) -> None:
            for limit in ACCOUNT_AND_CLIENT:
                limiter.clear(limit, self.namespace, "account-client", self._account(email), client)

        self._counted(forget)

    def _admit(self, limiter: MovingWindowRateLimiter, email: str, client: str) -> bool:
        account = self._account(email)
        if not all(limiter.test(limit, self.namespace, "client", client) for limit in CLIENT_FAILURES):
            return False
        # Each hit counts and compares atomically; every limit is hit (no short-cut), so that the
        # attempts of each bucket are all counted, whichever bucket refuses.
        admitted = [limiter.hit(limit, self.namespace, "account", account) for limit in ACCOUNT]
        admitted += [
            limiter.hit(limit, self.namespace, "account-client", account, client) for limit in ACCOUNT_AND_CLIENT
        ]
        return all(admitted)

    def _counted(self, work: Callable[[MovingWindowRateLimiter], Answer]) -> Answer:
        """*work* on the shared counters, or on this process's own while they do not answer."""
        if isinstance(self.storage, MemoryStorage):
            return work(self._limiter)  # always answers: its errors are bugs, not outages
        try:
            return work(self._limiter)
        except self.storage.base_exceptions as error:
            logger.error(
                "Sign-in throttle: its storage does not answer (%s); counting in this process's memory",
                type(error).__name__,
            )
            return work(self._fallback_limiter)

    @staticmethod
    def _account(email: str) -> str:
        # Hashed: Redis keys do not list who was guessed at.
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def client_address() -> str:
    """The address the attempt came from: as the trusted reverse proxies saw it, if any.

    nginx appends the address it saw to ``X-Forwarded-For``: with ``TRUSTED_PROXIES`` proxies
    in front, the client is that many entries from the end; what comes before was written by
    the client and proves nothing. Without a proxy the header is ignored.
    """
    hops = current_app.config["TRUSTED_PROXIES"]
    if hops:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or ""


def current_throttle() -> SignInThrottle:
    return current_app.extensions["vigilance.sign_in_throttle"]


def init_app(app: Flask) -> None:
    url = app.config["RATELIMIT_STORAGE_URL"]
    # Two services (or two test databases) sharing one Redis keep their counters apart.
    namespace = "vigilance-sign-in-" + hashlib.sha256(app.config["DATABASE_URL"].encode()).hexdigest()[:12]
    app.extensions["vigilance.sign_in_throttle"] = SignInThrottle(storage_from_string(url), namespace)
