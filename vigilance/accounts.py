"""Establishments, users, passwords and API tokens."""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from routing import Queue
from routing.calendar import REGIONS
from routing.identifiers import FinessProblem, compact_rpps, finess_problem, rpps_ok
from vigilance import audit, passwords, web_sessions
from vigilance.clock import utcnow
from vigilance.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from vigilance.i18n import Message, translatable
from vigilance.models import ApiToken, Establishment, Role, User, UserRpps

logger = logging.getLogger(__name__)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
#: A token's last use is written at most this often: an API call should not always write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_PREFIX = "vig_"


def _invalid(field: str, message: Message) -> InvalidInput:
    return InvalidInput({field: [message]})


def _longer_than_column(model, field: str, text: str) -> InvalidInput | None:
    # The column's own length: PostgreSQL refuses a longer text midway (a bare 500), SQLite keeps it whole.
    length = model.__table__.c[field].type.length
    if len(text) > length:
        return _invalid(field, translatable("%(count)s caractères au plus.", count=length))
    return None


def create_establishment(
    session: Session, *, finess: str, name: str, region: str = "metropole", actor: User | None = None
) -> Establishment:
    """Register a health establishment by its FINESS number, whose key must match
    (routing.identifiers.finess_problem): every door refuses a mistyped one.

    :raises InvalidInput: on ``finess``, ``name`` or ``region``.
    """
    finess = re.sub(r"\s+", "", finess).upper()
    problem = finess_problem(finess)
    if problem is FinessProblem.SHAPE:
        raise _invalid(
            "finess",
            translatable("Un numéro FINESS a 9 caractères (chiffres, 2A/2B pour la Corse)."),
        )
    if problem is FinessProblem.KEY:
        raise _invalid(
            "finess",
            translatable(
                "Le numéro FINESS %(finess)s est erroné : son dernier chiffre n'est pas la clé des huit premiers.",
                finess=finess,
            ),
        )
    if not name.strip():
        raise _invalid("name", translatable("Le nom est obligatoire."))
    if too_long := _longer_than_column(Establishment, "name", name.strip()):
        raise too_long
    if region not in REGIONS:
        raise _invalid("region", translatable("Région inconnue : %(region)s.", region=region))
    if session.exec(select(Establishment).where(Establishment.finess == finess)).first():
        raise Conflict(translatable("L'établissement %(finess)s existe déjà.", finess=finess))
    establishment = Establishment(finess=finess, name=name.strip(), region=region)
    session.add(establishment)
    session.flush()
    _audit(
        session,
        actor,
        "establishment.create",
        f"establishment:{establishment.id}",
        after={"finess": finess, "name": establishment.name, "region": region},
    )
    logger.info("Establishment %s registered", finess)
    return establishment


def update_establishment(
    session: Session, establishment: Establishment, *, name: str, region: str, actor: User | None = None
) -> Establishment:
    """Change an establishment's name and region (holiday calendar), audited; its FINESS stays.

    :raises InvalidInput: on ``name`` or ``region``.
    """
    if not name.strip():
        raise _invalid("name", translatable("Le nom est obligatoire."))
    if too_long := _longer_than_column(Establishment, "name", name.strip()):
        raise too_long
    if region not in REGIONS:
        raise _invalid("region", translatable("Région inconnue : %(region)s.", region=region))
    before = {"name": establishment.name, "region": establishment.region}
    establishment.name, establishment.region = name.strip(), region
    session.add(establishment)
    session.flush()
    after = {"name": establishment.name, "region": establishment.region}
    if after != before:
        _audit(session, actor, "establishment.update", f"establishment:{establishment.id}", before=before, after=after)
    return establishment


def establishment_by_finess(session: Session, finess: str) -> Establishment:
    finess = re.sub(r"\s+", "", finess).upper()
    establishment = session.exec(select(Establishment).where(Establishment.finess == finess)).first()
    if establishment is None:
        raise NotFound(translatable("Aucun établissement %(finess)s.", finess=finess))
    return establishment


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    establishment: Establishment | None = None,
    vigilances: list[str] | tuple[str, ...] = (),
    password: str | None = None,
    name: str = "",
    language: str = "fr",
    is_coordinator: bool = False,
    rpps: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account; a correspondent names the queues they work (audited: *actor*, the
    administrator; none from the command line)."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise _invalid("email", translatable("Adresse e-mail invalide."))
    for field, text in (("email", email), ("name", name.strip())):
        if too_long := _longer_than_column(User, field, text):
            raise too_long
    if role not in set(Role):
        raise _invalid("role", translatable("Rôle inconnu : %(role)s.", role=role))
    if role != Role.ADMIN and establishment is None:
        raise _invalid("establishment", translatable("Ce rôle exige un établissement."))
    unknown = set(vigilances) - {q.value for q in Queue}
    if unknown:
        raise _invalid(
            "vigilance",
            translatable("Vigilance inconnue : %(vigilances)s.", vigilances=", ".join(sorted(unknown))),
        )
    if role == Role.CORRESPONDENT and not vigilances:
        raise _invalid("vigilance", translatable("Un correspondant travaille au moins une file."))
    if language not in ("fr", "en"):
        raise _invalid("language", translatable("Langue : fr ou en."))
    rpps = checked_rpps(rpps)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict(translatable("Le compte %(email)s existe déjà.", email=email))
    user = User(
        email=email,
        role=role,
        establishment_id=establishment.id if establishment else None,
        vigilances=sorted(set(vigilances)),
        name=name.strip(),
        language=language,
        is_coordinator=is_coordinator or role == Role.COORDINATOR,
    )
    if password is not None:
        set_password(user, password)
    session.add(user)
    session.flush()
    if rpps is not None:
        session.add(UserRpps(user_id=user.id, rpps=rpps))
        session.flush()
    _audit(
        session,
        actor,
        "account.create",
        _target(user),
        after={**_account_state(user), **({"rpps": rpps} if rpps else {})},
    )
    logger.info("User %s created with role %s", email, role)
    return user


#: The summaries a person may choose to receive, by the role that receives them.
SUMMARY_CHOICES = ("daily_digest", "digest_when_empty", "weekly_summary", "monthly_report")


def checked_rpps(rpps: str | None) -> str | None:
    """An RPPS number without its spaces, or None for none given.

    :raises InvalidInput: on ``rpps``: not eleven digits, or a wrong Luhn key.
    """
    if rpps is None or not rpps.strip():
        return None
    rpps = compact_rpps(rpps)
    if not rpps_ok(rpps):
        raise _invalid(
            "rpps",
            translatable("Un numéro RPPS a 11 chiffres, le dernier étant la clé des autres : vérifiez-le."),
        )
    return rpps


def rpps_of(session: Session, user: User) -> str | None:
    """*user*'s RPPS number, if they gave one."""
    found = session.get(UserRpps, user.id)
    return found.rpps if found is not None else None


def _set_rpps(session: Session, user: User, rpps: str | None) -> None:
    found = session.get(UserRpps, user.id)
    if rpps is None:
        if found is not None:
            session.delete(found)
    elif found is None:
        session.add(UserRpps(user_id=user.id, rpps=rpps))
    else:
        found.rpps = rpps
        session.add(found)


#: Not given: update_profile leaves the RPPS number as it is.
_UNCHANGED: Any = object()


def update_profile(
    session: Session, user: User, *, language: str | None = None, rpps: str | None = _UNCHANGED, **choices: bool
) -> User:
    """A person's own settings: their language (pages and emails), their RPPS number (an empty
    one removes it; not given, it stays) and which summaries they receive.

    :raises InvalidInput: on ``language``, ``rpps`` or an unknown setting; nothing is changed.
    """
    before = {name: getattr(user, name) for name in ("language", *(c for c in choices if c in SUMMARY_CHOICES))}
    if rpps is not _UNCHANGED:
        rpps = checked_rpps(rpps)  # checked first: a refusal changes nothing
        before["rpps"] = rpps_of(session, user)
    if language is not None:
        if language not in ("fr", "en"):
            raise _invalid("language", translatable("Langue : fr ou en."))
        user.language = language
    unknown = set(choices) - set(SUMMARY_CHOICES)
    if unknown:
        raise _invalid(sorted(unknown)[0], translatable("Réglage inconnu."))
    for name, wanted in choices.items():
        setattr(user, name, bool(wanted))
    if rpps is not _UNCHANGED:
        _set_rpps(session, user, rpps)
    session.add(user)
    session.flush()
    after = {name: getattr(user, name) for name in before if name != "rpps"}
    if "rpps" in before:
        after["rpps"] = rpps
    if after != before:
        _audit(session, user, "settings.update", _target(user), before=before, after=after)
    return user


def set_password(user: User, password: str) -> None:
    """Give *user* a new password, if the policy accepts it (vigilance.passwords.problem_with).

    Every page session of the account ends at its next request (vigilance.web_sessions).

    :raises InvalidInput: on ``password``: too short, common, or built from the account's
        name or email address.
    """
    problem = passwords.problem_with(password, email=user.email or "", name=user.name or "")
    if problem is not None:
        raise _invalid("password", problem)
    user.password_hash = passwords.hash_password(password)


def user_by_email(session: Session, email: str) -> User:
    """:raises NotFound: no account has this address."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(translatable("Aucun compte %(email)s.", email=email))
    return user


def change_password(session: Session, user: User, *, current: str, new: str, confirmation: str, now: datetime) -> User:
    """A person changes their own password, proving they know the current one.

    Every other session of theirs ends (vigilance.web_sessions). Guesses at the current
    password are throttled by the page that calls this, as sign-ins are (app/sign_in_throttle.py).

    :raises InvalidInput: per field: current password wrong, the new one refused by the policy,
        the same as before, or not typed the same twice; the password is not changed.
    """
    errors: dict[str, list[Message]] = {}
    if not user.password_hash or not passwords.verify_password(user.password_hash, current):
        errors["current_password"] = [translatable("Ce n'est pas votre mot de passe actuel.")]
    problem = passwords.problem_with(new, email=user.email or "", name=user.name or "")
    if problem is not None:
        errors["password"] = [problem]
    elif new == current:
        errors["password"] = [translatable("Choisissez un mot de passe différent de l'actuel.")]
    if new != confirmation:
        errors["password_confirmation"] = [translatable("Les deux saisies diffèrent.")]
    if errors:
        raise InvalidInput(errors)
    set_password(user, new)
    session.add(user)
    session.flush()
    _audit(session, user, "password.change", _target(user))
    logger.info("Account %s changed its password", user.email)
    return user


def reset_password(session: Session, user: User, *, password: str, actor: User | None = None) -> User:
    """An administrator sets a new password (a forgotten one): every session of the account ends."""
    set_password(user, password)
    session.add(user)
    session.flush()
    _audit(session, actor, "password.reset", _target(user))
    logger.info("Password of %s reset by an administrator", user.email)
    return user


def set_active(session: Session, user: User, active: bool, *, actor: User | None = None) -> User:
    """Disable an account (its sessions and tokens stop working at once) or enable it again.

    Its page sessions are ended, not only refused while it is disabled: enabling the account
    again does not bring back a browser left signed in.

    :raises Conflict: *actor* (an administrator on the pages) would disable their own account,
        and with it the only door back.
    """
    if not active and actor is not None and actor.id == user.id:
        raise Conflict(translatable("Vous ne pouvez pas désactiver votre propre compte."))
    before = user.is_active
    user.is_active = active
    session.add(user)
    session.flush()
    if not active:
        web_sessions.end_all(session, user_id=user.id, reason=web_sessions.EndReason.DISABLED, now=utcnow())
    if before != active:
        action = "account.enable" if active else "account.disable"
        _audit(session, actor, action, _target(user), before={"is_active": before}, after={"is_active": active})
    return user


#: The one answer to a refused sign-in, whatever the reason (no such account, a wrong password,
#: a disabled account, too many attempts): the answer tells nothing of which accounts exist.
SIGN_IN_REFUSED = translatable(
    "Adresse e-mail ou mot de passe incorrect. Après plusieurs essais, attendez quelques minutes avant de réessayer."
)


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> User:
    """Check a password; replace its hash if it was made with an older scheme.

    Throttling repeated attempts is the caller's (app/sign_in_throttle.py): it needs the
    client's address, and its counters live outside the database.

    :raises Unauthenticated: wrong credentials or a disabled account, with :data:`SIGN_IN_REFUSED`.
    """
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active or not user.password_hash:
        # Same work as a real check, so timing does not tell which accounts exist.
        passwords.spend_verification_time(password)
        raise Unauthenticated(SIGN_IN_REFUSED)
    if not passwords.verify_password(user.password_hash, password):
        raise Unauthenticated(SIGN_IN_REFUSED)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        session.add(user)
        session.flush()
        logger.info("Password hash of %s upgraded", user.email)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, label: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Create an API token; the clear token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label)
    session.add(record)
    session.flush()
    _audit(session, actor, "token.issue", f"token:{record.id}", after={"user": user.email, "label": label})
    logger.info("API token %s issued to %s", record.id, user.email)
    return record, token


def revoke_token(session: Session, *, token_id: int, now: datetime, actor: User | None = None) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(translatable("Aucun jeton %(token_id)s.", token_id=token_id))
    if record.revoked_at is None:
        record.revoked_at = now
        session.add(record)
        session.flush()
        _audit(session, actor, "token.revoke", f"token:{record.id}", after={"user_id": record.user_id}, now=now)
    return record


@dataclass(frozen=True)
class TokenUse:
    """The token a request came with: which one, and when it was last written down as used."""

    id: int
    last_used_at: datetime | None
    #: The user's establishment, read with the token (None for an account without one).
    establishment: Establishment | None = None

    def is_stale(self, now: datetime) -> bool:
        """Whether the last use is worth writing down again."""
        return self.last_used_at is None or now - self.last_used_at > LAST_USED_RESOLUTION


# Built once: every API request runs it, and building the expression cost more than running it.
_TOKEN_HOLDER = (
    select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, Establishment)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(Establishment, Establishment.id == User.establishment_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(session: Session, *, token: str, now: datetime) -> tuple[User, TokenUse]:
    """The active user holding *token*, and the token's use (reads only).

    :raises Unauthenticated: unknown, revoked, or its user disabled.
    """
    row = session.exec(_TOKEN_HOLDER, params={"token_hash": _token_hash(token)}).first()
    if row is None or row[2] is not None:
        raise Unauthenticated(translatable("Jeton invalide ou révoqué."))
    user, token_id, _revoked_at, last_used_at, establishment = row
    if not user.is_active:
        raise Unauthenticated(translatable("Compte désactivé."))
    return user, TokenUse(token_id, last_used_at, establishment)


def note_token_use(session: Session, *, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


# The audit trail of administration --------------------------------------------------------


def _target(user: User) -> str:
    return f"user:{user.id}"


def _account_state(user: User) -> dict:
    return {
        "email": user.email,
        "role": user.role,
        "establishment_id": user.establishment_id,
        "vigilances": list(user.vigilances),
        "is_coordinator": user.is_coordinator,
    }


def _audit(
    session: Session, actor: User | None, action: str, target: str, *, now: datetime | None = None, **change
) -> None:
    """One audit event of administration (accounts, roles, tokens, settings) in the caller's
    transaction; *actor* None: the command line."""
    audit.record(session, actor=actor, action=action, now=now or utcnow(), target=target, **change)
