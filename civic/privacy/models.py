"""The notice's versions, recorded consents, requests about a person's data, codes, and the
audit log. Imports no other domain: users are referred to by table name."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.db import UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class ConsentPurpose(StrEnum):
    """What a point of collection gathers data for (civic.privacy.services.labels.PURPOSES says why)."""

    RSVP = "rsvp"
    ELECTION_REMINDERS = "election_reminders"
    ACCOUNT = "account"
    INVITATION_SUBSTITUTE = "invitation_substitute"
    MESSAGES_EMAIL = "messages_email"
    MESSAGES_SMS = "messages_sms"


class ConsentChannel(StrEnum):
    """How a consent reached the ward."""

    WEB = "web"
    API = "api"
    PHONE = "phone"
    PAPER = "paper"


class RequestKind(StrEnum):
    ACCESS = "access"
    EXPORT = "export"
    CORRECT = "correct"
    WITHDRAW = "withdraw"
    ERASE = "erase"
    OTHER = "other"


class RequestStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class RequestProof(StrEnum):
    """How the person proved who they are."""

    LINK = "link"
    ACCOUNT = "account"
    CODE = "code"


class Notice(db.Model):
    """One version of "Thông báo xử lý dữ liệu cá nhân". A draft has no number yet; publishing
    gives it the next number and a date, and a published version is never changed again."""

    __tablename__ = "privacy_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int | None] = mapped_column(sa.Integer, unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Plain ids (no relationship): privacy imports no other domain's models.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Consent(db.Model):
    """One consent as given: to what (subject), for what, under which notice, when, how."""

    __tablename__ = "privacy_consents"
    __table_args__ = (sa.Index("ix_privacy_consents_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(sa.String(20))  # rsvp | subscription | user | invitation
    subject_id: Mapped[int] = mapped_column(sa.Integer)
    purpose: Mapped[str] = mapped_column(sa.String(40), index=True)  # ConsentPurpose
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("privacy_notices.id"), index=True)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))  # ConsentChannel
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notice: Mapped[Notice] = relationship(lazy="joined")


class Request(db.Model):
    """A person's request about their data (see, download, correct, withdraw, erase, other)."""

    __tablename__ = "privacy_requests"
    __table_args__ = (sa.Index("ix_privacy_requests_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)  # RequestKind
    status: Mapped[str] = mapped_column(sa.String(10), default=RequestStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How the person proved who they are (RequestProof).
    proof: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Where to tell them it is done; replaced by its hash once it is (erasure keeps nothing).
    contact: Mapped[str | None] = mapped_column(sa.String(254))
    contact_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # Identity the request covers, as keyed hashes (no address in clear once closed).
    identity: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    text: Mapped[str] = mapped_column(sa.Text, default="")  # what the person wrote (kind "other")
    # What was done: {"erased": {...}, "kept": [...], "note": "..."}
    outcome: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class Code(db.Model):
    """A code sent to a phone or e-mail to prove it (only keyed hashes are stored)."""

    __tablename__ = "privacy_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def migration_ddl(dialect_name: str) -> list[str]:
    return []


class AuditLog(db.Model):
    """Who did or saw what, when: role changes, tokens, exports and views of personal data.

    The table predates this domain (it was accounts'); moving the class changed no schema.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")
    target_user = relationship("User", foreign_keys=[target_user_id], lazy="joined")
