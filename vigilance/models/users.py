"""People who use the service, and the API tokens they hold."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, false, true
from sqlmodel import Field, SQLModel

from vigilance.clock import utcnow
from vigilance.models.types import UTCDateTime


class Role(StrEnum):
    REPORTER = "reporter"
    CORRESPONDENT = "correspondent"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    #: Stored lower-cased: one person, one account, whatever the capitals.
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    role: str = Field(max_length=16)
    establishment_id: int | None = Field(default=None, foreign_key="establishments.id", index=True)
    #: The queues a correspondent works (routing.Queue values).
    vigilances: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Also a coordinator: an admin sees report content only then.
    is_coordinator: bool = Field(default=False)
    language: str = Field(default="fr", max_length=2)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    #: Which summaries the person receives (each user chooses in their profile).
    daily_digest: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    #: A daily digest even on days with nothing to say.
    digest_when_empty: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    weekly_summary: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    monthly_report: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    #: No longer used (sign-in attempts are throttled outside the database: app/sign_in_throttle.py);
    #: kept until a migration drops them, as code of the previous release still writes them.
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def label(self) -> str:
        return self.name or self.email


class UserRpps(SQLModel, table=True):
    """A person's RPPS number (répertoire partagé des professionnels de santé), when they give it.

    A table of its own rather than a column of ``users``: a column added to ``users`` is read by
    every query of an account, so today's code could no longer make accounts on the schemas
    that the migration tests rebuild from older revisions.
    """

    __tablename__ = "user_rpps"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    #: Eleven digits, the last the Luhn key of the number (routing.identifiers.rpps_ok).
    rpps: str = Field(max_length=11)

    def __repr__(self) -> str:
        return f"<UserRpps user={self.user_id}>"


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    #: SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} revoked={self.revoked_at is not None}>"


class WebSession(SQLModel, table=True):
    """A browser signed in on the pages: the cookie holds a random key, this row the rest.

    Rows stay once ended (``ended_at``, ``end_reason``): who was signed in, from when to when,
    and why it stopped (signed out, idle, too old, password changed, access changed, disabled).
    """

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    #: SHA-256 of the cookie's key: reading the table does not give a session away.
    key_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    #: A digest of what the session was granted: the account's password hash, role,
    #: establishment, queues and coordinator flag when it began (any change ends the session).
    grants: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)

    def __repr__(self) -> str:
        return f"<WebSession {self.id} user={self.user_id} ended={self.end_reason}>"
