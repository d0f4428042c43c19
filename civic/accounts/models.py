"""Accounts, residential groups (tổ dân phố), API tokens and the audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.collation import sort_key
from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.permissions import Role
from civic.core.text import fold
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.models import AuditLog  # noqa: F401 (moved to privacy, same table; importable from here)


class ResidentialGroup(db.Model):
    """A tổ dân phố: the unit residents, contacts and polling areas are tied to."""

    __tablename__ = "residential_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # "to dan pho so 3" for lookups typed without tone marks.
    name_folded: Mapped[str] = mapped_column(sa.String(120), index=True)
    number: Mapped[int | None] = mapped_column(sa.Integer, index=True)

    def __str__(self) -> str:
        return self.name

    @property
    def sort_key(self):
        return (self.number if self.number is not None else 10**6, sort_key(self.name))


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    # Set when the owner entered the code we sent to ``phone`` by SMS; cleared when it changes.
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    residential_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residential_groups.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.RESIDENT.value, index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Changed on password change/reset so old sessions and reset links stop working.
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # fold(full name) + email: admin search typed without tone marks ("nguyen van an").
    search_folded: Mapped[str] = mapped_column(sa.String(400), default="", index=True)

    residential_group: Mapped[ResidentialGroup | None] = relationship(lazy="joined")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def phone_is_verified(self) -> bool:
        return bool(self.phone) and self.phone_verified_at is not None

    def refresh_search(self) -> None:
        self.search_folded = f"{fold(self.full_name)} {self.email or ''}"[:400]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
def _refresh_search(mapper, connection, target: User) -> None:
    target.refresh_search()


class PhoneCode(db.Model):
    """A pending SMS code that proves an account holds a phone; only its hash is stored."""

    __tablename__ = "phone_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(20))  # E.164, the number the code was sent to
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

