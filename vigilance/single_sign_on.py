"""Single sign-on: from what an OpenID provider vouched for to an account of the service.

The door (app/single_sign_on.py) runs the protocol with Authlib and hands over the claims of an
ID token it checked (issuer, audience, expiry, nonce, signature) merged with the provider's
userinfo. Here, without Flask: which account they name, and what happens at a first sign-in.

- An account is found by the (issuer, subject) pair of ``user_identities``, never by a claim
  that can change or be reused, such as an email address.
- Unknown, it may be linked to the account of the same email address, only if the setting
  allows it (``VIGILANCE_OIDC_LINK_BY_EMAIL``): ``verified`` when the provider says it verified
  the address, ``trusted`` when the provider is the directory that gives out the addresses.
- Otherwise ``approval``: a request waits until an administrator approves it (choosing the role,
  establishment and queues) or refuses it; ``rules``: an account is made from the claims by the
  first rule that matches (a claim value gives a role and queues; the establishment comes from
  its own claim, a FINESS number), and when no rule matches the request waits all the same.

Every link, account made, request, approval and refusal is in the audit trail, and each single
sign-on too (``sign_in.oidc``: who, which issuer and subject, how the account was found).
"""

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from routing import Queue
from routing.identifiers import finess_problem, rpps_ok
from vigilance import accounts, audit
from vigilance.errors import Conflict, NotFound, VigilanceError
from vigilance.i18n import translatable
from vigilance.models import Establishment, Role, SignInRequest, User, UserIdentity

logger = logging.getLogger(__name__)

#: Linking a first sign-in to the account of the same address: never, when the provider says it
#: verified the address, or whatever it says (the provider is the directory that assigns them).
EMAIL_LINKING = ("off", "verified", "trusted")

APPROVAL = "approval"
RULES = "rules"
MODES = (APPROVAL, RULES)


class Status:
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class ClaimNames:
    """Which claims carry what: a claim's name, or a path into nested claims with dots and list
    positions (``SubjectRefPro.exercices.0.activities.0.numeroFinessSite``)."""

    email: str = "email"
    name: str = "name"
    rpps: str | None = None
    establishment: str | None = None


@dataclass(frozen=True)
class Rule:
    """When *claim* holds *value* (or a list holding it): an account of *role* working *vigilances*."""

    claim: str
    value: str
    role: str
    vigilances: tuple[str, ...] = ()
    coordinator: bool = False


@dataclass(frozen=True)
class Provisioning:
    mode: str = APPROVAL
    rules: tuple[Rule, ...] = ()
    link_by_email: str = "off"


def parse_rules(text: str | None) -> tuple[Rule, ...]:
    """The rules of ``VIGILANCE_OIDC_RULES``: a JSON list of objects with ``claim``, ``value``,
    ``role``, and ``vigilances`` (a list of queues) and ``coordinator`` (true/false) if wanted.

    :raises ValueError: saying what is wrong, for the configuration check.
    """
    if not text or not str(text).strip():
        return ()
    try:
        given = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from exc
    if not isinstance(given, list):
        raise ValueError("a JSON list of rules is expected")
    queues = {q.value for q in Queue}
    rules = []
    for number, item in enumerate(given, start=1):
        if not isinstance(item, dict) or not {"claim", "value", "role"} <= set(item):
            raise ValueError(f"rule {number}: an object with claim, value and role is expected")
        if item["role"] not in {r.value for r in Role} - {Role.ADMIN}:
            raise ValueError(f"rule {number}: role must be reporter, correspondent or coordinator")
        vigilances = item.get("vigilances", [])
        if not isinstance(vigilances, list) or set(vigilances) - queues:
            raise ValueError(f"rule {number}: vigilances must be a list of queues among {sorted(queues)}")
        if item["role"] == Role.CORRESPONDENT and not vigilances:
            raise ValueError(f"rule {number}: a correspondent works at least one queue (vigilances)")
        rules.append(
            Rule(
                claim=str(item["claim"]),
                value=str(item["value"]),
                role=item["role"],
                vigilances=tuple(vigilances),
                coordinator=bool(item.get("coordinator", False)),
            )
        )
    return tuple(rules)


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim *path* names: a claim's own name first (AD FS names claims with URLs, dots
    and all), else a walk through nested objects and lists; None when absent."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _first(value: Any) -> str:
    found = _values(value)
    return found[0].strip() if found else ""


@dataclass(frozen=True)
class Identity:
    """The person the provider vouched for, read from its claims."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    rpps: str | None
    finess: str | None
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)


def read_rpps(text: str) -> str | None:
    """An RPPS number from a claim: eleven digits, or Pro Santé Connect's national identifier of
    a person with an RPPS number (``8`` then the eleven digits); None when it is neither."""
    digits = re.sub(r"\s+", "", text)
    if len(digits) == 12 and digits.startswith("8"):
        digits = digits[1:]
    return digits if rpps_ok(digits) else None


def read_finess(text: str) -> str | None:
    """A FINESS number from a claim, when it is one."""
    finess = re.sub(r"\s+", "", text).upper()
    return finess if len(finess) == 9 and finess_problem(finess) is None else None


def identity_from(claims: Mapping[str, Any], *, issuer: str, names: ClaimNames) -> Identity:
    email = _first(claim_at(claims, names.email)).lower()
    verified = claims.get("email_verified")
    return Identity(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=email if accounts.EMAIL.match(email) else "",
        # Some providers (AD FS, Entra ID) say nothing of it: their directory's address is theirs.
        email_verified=verified is True or str(verified).lower() == "true",
        name=(
            _first(claim_at(claims, names.name))
            or " ".join(part for part in (_first(claims.get("given_name")), _first(claims.get("family_name"))) if part)
        )[:200],
        rpps=read_rpps(_first(claim_at(claims, names.rpps))) if names.rpps else None,
        finess=read_finess(_first(claim_at(claims, names.establishment))) if names.establishment else None,
        claims=claims,
    )


@dataclass(frozen=True)
class SignedIn:
    user: User
    #: How the account was found: identity, email (linked now) or rules (made now).
    how: str


@dataclass(frozen=True)
class Waiting:
    request: SignInRequest


@dataclass(frozen=True)
class Refused:
    #: disabled (the account is), refused (an administrator refused the request).
    reason: str


Outcome = SignedIn | Waiting | Refused


def resolve(session: Session, identity: Identity, provisioning: Provisioning, *, now: datetime) -> Outcome:
    """The account *identity* signs in to, made or linked if need be, or why not; audited, in
    the caller's transaction."""
    linked = session.exec(
        select(UserIdentity, User)
        .join(User, col(User.id) == UserIdentity.user_id)
        .where(UserIdentity.issuer == identity.issuer, UserIdentity.subject == identity.subject)
    ).first()
    if linked is not None:
        record, user = linked
        if not user.is_active:
            return Refused("disabled")
        record.last_used_at = now
        session.add(record)
        return _signed_in(session, user, identity, "identity", now)
    vouched = identity.email_verified or provisioning.link_by_email == "trusted"
    if provisioning.link_by_email != "off" and identity.email and vouched:
        user = session.exec(select(User).where(User.email == identity.email)).first()
        if user is not None:
            if not user.is_active:
                return Refused("disabled")
            link(session, user, identity, actor=None, now=now, how="email")
            return _signed_in(session, user, identity, "email", now)
    request = session.exec(
        select(SignInRequest).where(SignInRequest.issuer == identity.issuer, SignInRequest.subject == identity.subject)
    ).first()
    if request is not None and request.status == Status.REFUSED:
        request.last_attempt_at = now
        session.add(request)
        return Refused("refused")
    if provisioning.mode == RULES and request is None:
        user = _by_rules(session, identity, provisioning.rules, now=now)
        if user is not None:
            return _signed_in(session, user, identity, "rules", now)
    return Waiting(_request(session, request, identity, now=now))


def _signed_in(session: Session, user: User, identity: Identity, how: str, now: datetime) -> SignedIn:
    audit.record(
        session,
        actor=user,
        action="sign_in.oidc",
        now=now,
        target=f"user:{user.id}",
        after={"issuer": identity.issuer, "subject": identity.subject, "how": how},
    )
    return SignedIn(user=user, how=how)


def link(session: Session, user: User, identity: Identity, *, actor: User | None, now: datetime, how: str) -> None:
    """Link *user* to the provider's *identity* (audited)."""
    session.add(
        UserIdentity(
            user_id=user.id, issuer=identity.issuer, subject=identity.subject, created_at=now, last_used_at=now
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.link",
        now=now,
        target=f"user:{user.id}",
        after={"issuer": identity.issuer, "subject": identity.subject, "how": how},
    )
    logger.info("Account %s linked to a subject of %s (%s)", user.email, identity.issuer, how)


def _by_rules(session: Session, identity: Identity, rules: tuple[Rule, ...], *, now: datetime) -> User | None:
    """An account made by the first rule that matches, or None (no rule, no email address, no
    known establishment, or an account of that address already: an administrator decides)."""
    rule = next((r for r in rules if r.value in _values(claim_at(identity.claims, r.claim))), None)
    if rule is None or not identity.email or identity.finess is None:
        return None
    establishment = session.exec(select(Establishment).where(Establishment.finess == identity.finess)).first()
    if establishment is None:
        return None
    if session.exec(select(User).where(User.email == identity.email)).first() is not None:
        return None
    try:
        with session.begin_nested():
            user = accounts.create_user(
                session,
                email=identity.email,
                role=rule.role,
                establishment=establishment,
                vigilances=list(rule.vigilances),
                name=identity.name,
                is_coordinator=rule.coordinator,
                rpps=identity.rpps,
            )
    except VigilanceError as error:
        logger.warning("No account made by rule for a subject of %s: %s", identity.issuer, error)
        return None
    link(session, user, identity, actor=None, now=now, how="rules")
    return user


def _request(session: Session, request: SignInRequest | None, identity: Identity, *, now: datetime) -> SignInRequest:
    if request is None:
        request = SignInRequest(issuer=identity.issuer, subject=identity.subject, created_at=now, last_attempt_at=now)
        created = True
    else:
        created = False
    # What the provider says now: a name or an address corrected since the first attempt.
    request.email = identity.email
    request.name = identity.name
    request.rpps = identity.rpps
    request.finess = identity.finess
    request.last_attempt_at = now
    session.add(request)
    session.flush()
    if created:
        audit.record(
            session,
            actor=None,
            action="sign_in_request.create",
            now=now,
            target=f"sign_in_request:{request.id}",
            after={"issuer": identity.issuer, "subject": identity.subject, "email": identity.email},
        )
        logger.info("First sign-in of a subject of %s waits for approval (request %s)", identity.issuer, request.id)
    return request


def pending(session: Session) -> list[SignInRequest]:
    return list(
        session.exec(
            select(SignInRequest).where(SignInRequest.status == Status.PENDING).order_by(col(SignInRequest.created_at))
        ).all()
    )


def _decidable(session: Session, request_id: int) -> SignInRequest:
    request = session.get(SignInRequest, request_id)
    if request is None:
        raise NotFound(translatable("Aucune demande de connexion %(id)s.", id=request_id))
    if request.status == Status.APPROVED:
        raise Conflict(translatable("Cette demande de connexion a déjà été acceptée."))
    return request


def approve(
    session: Session,
    request_id: int,
    *,
    actor: User,
    now: datetime,
    email: str,
    role: str,
    establishment: Establishment | None,
    vigilances: list[str],
    is_coordinator: bool = False,
) -> User:
    """Accept a waiting (or refused) first sign-in: the account of *email* if there is one, else
    a new one with the role, establishment and queues chosen; linked to the subject (audited).

    :raises InvalidInput: what accounts.create_user refuses.
    """
    request = _decidable(session, request_id)
    existing = session.exec(select(User).where(User.email == email.strip().lower())).first()
    user = existing or accounts.create_user(
        session,
        email=email,
        role=role,
        establishment=establishment,
        vigilances=vigilances,
        name=request.name,
        is_coordinator=is_coordinator,
        rpps=request.rpps,
        actor=actor,
    )
    identity = Identity(
        issuer=request.issuer,
        subject=request.subject,
        email=user.email,
        email_verified=False,
        name=request.name,
        rpps=request.rpps,
        finess=request.finess,
    )
    link(session, user, identity, actor=actor, now=now, how="approval")
    request.status = Status.APPROVED
    request.decided_at = now
    request.decided_by = actor.id
    request.user_id = user.id
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sign_in_request.approve",
        now=now,
        target=f"sign_in_request:{request.id}",
        after={"user": user.email, "existing_account": existing is not None},
    )
    return user


def refuse(session: Session, request_id: int, *, actor: User, now: datetime) -> SignInRequest:
    """Refuse a first sign-in: the person is told so at each attempt (audited)."""
    request = _decidable(session, request_id)
    request.status = Status.REFUSED
    request.decided_at = now
    request.decided_by = actor.id
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sign_in_request.refuse",
        now=now,
        target=f"sign_in_request:{request.id}",
        after={"email": request.email},
    )
    return request
