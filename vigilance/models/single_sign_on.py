"""Single sign-on: who an OpenID provider vouches for, and first sign-ins waiting for approval."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class UserIdentity(SQLModel, table=True):
    """An account as an OpenID provider knows it: the issuer's ``sub`` for that person.

    The (issuer, subject) pair names the person for good: an email address changes or is given
    to someone else, a subject does not (OpenID Connect Core, section 5.7).
    """

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime = Field(sa_type=UTCDateTime)

    def __repr__(self) -> str:
        return f"<UserIdentity {self.id} user={self.user_id}>"


class SignInRequest(SQLModel, table=True):
    """A first sign-in by someone the service does not know yet, waiting for an administrator.

    One per (issuer, subject): signing in again while it waits updates it; once approved, the
    account is linked and the request stays as the record of who approved it; once refused, the
    person is told so at each sign-in until an administrator approves it after all.
    """

    __tablename__ = "sign_in_requests"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email: str = Field(default="", max_length=254)
    name: str = Field(default="", max_length=200)
    rpps: str | None = Field(default=None, max_length=11)
    #: The FINESS number the establishment claim gave, as given (nine characters when valid).
    finess: str | None = Field(default=None, max_length=9)
    #: pending, approved or refused.
    status: str = Field(default="pending", max_length=16, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_attempt_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")

    def __repr__(self) -> str:
        return f"<SignInRequest {self.id} {self.status}>"
