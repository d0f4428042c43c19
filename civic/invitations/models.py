"""Directory of leaders (contacts, groups, posts) and invitations with answers and check-ins."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.collation import name_sort_key
from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.text import clean_line
from civic.core.timeutil import utcnow
from civic.extensions import db

# The codes the domain stores (column values: unchanged, no migration). Labels: civic.invitations.labels.


class LegalBasis(enum.StrEnum):
    """Why the ward may hold a contact's data (Law 91/2025/QH15, Art. 19)."""

    PUBLIC_DUTY = "public_duty"
    LEGAL_OBLIGATION = "legal_obligation"
    CONSENT = "consent"


class InvitationRole(enum.StrEnum):
    CHAIR = "chu_tri"
    DELEGATE = "dai_bieu"
    GUEST = "khach_moi"


class InvitationStatus(enum.StrEnum):
    """The invitee's answer; PENDING until one is recorded."""

    PENDING = "pending"
    ATTEND = "attend"
    DECLINE = "decline"
    SUBSTITUTE = "substitute"


class AnswerChannel(enum.StrEnum):
    """How the answer came in (``Invitation.answered_via``)."""

    LINK = "link"  # the invitee's personal link (page or API)
    PHONE = "phone"  # recorded by an organizer
    PAPER = "paper"  # recorded by an organizer
    WALK_IN = "walk_in"  # came without an invitation


class CheckinMethod(enum.StrEnum):
    SEARCH = "search"  # found by name at the door
    QR = "qr"  # the letter's QR code
    PAPER = "paper"  # ticked from the signed sheet
    WALK_IN = "walk_in"
    API = "api"


class SendKind(enum.StrEnum):
    """What a sending is (the campaign kind is ``invitation_<kind>``)."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    RESEND = "resend"


class SendAudience(enum.StrEnum):
    """Who the list's send button reaches."""

    NEW = "new"  # those not sent their invitation yet
    PENDING = "pending"  # no answer yet
    ACCEPTED = "accepted"  # attend or substitute


class Channel(enum.StrEnum):
    """The notification engine's channels an invitee is reached on."""

    EMAIL = "email"
    SMS = "sms"


class ImportJobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"  # analysed: the preview is shown
    ERROR = "error"  # the file cannot be imported
    WRITTEN = "written"


class RowAction(enum.StrEnum):
    """What writing an import does with one row."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECT = "reject"


class GroupChange(enum.StrEnum):
    """What the directory's bulk action does with the ticked contacts and a group."""

    ADD = "add"
    REMOVE = "remove"


class SheetGrouping(enum.StrEnum):
    """The sign-in sheet's order (URL values, Vietnamese)."""

    BY_NAME = "ten"
    BY_UNIT = "don-vi"


contact_group_members = sa.Table(
    "contact_group_members",
    db.metadata,
    sa.Column("contact_id", sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("contact_groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class NameMixin:
    family_name: Mapped[str] = mapped_column(sa.String(60), default="")
    middle_name: Mapped[str] = mapped_column(sa.String(80), default="")
    given_name: Mapped[str] = mapped_column(sa.String(60), default="")

    @property
    def full_name(self) -> str:
        return clean_line(" ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p))

    @property
    def name_key(self):
        return name_sort_key(self.family_name, self.middle_name, self.given_name)


class Contact(NameMixin, TimestampMixin, db.Model):
    """A person in the ward's directory of leaders (not necessarily a user)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Folded full name ("nguyen van an") for tone-insensitive search.
    name_folded: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    unit: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    residential_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residential_groups.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Why the ward holds this person's data (Law 91/2025): a ward's list of leaders is kept to
    # carry out a public duty, not by consent. ``source`` names the imported file ("" = by hand).
    legal_basis: Mapped[str] = mapped_column(sa.String(30), default=LegalBasis.PUBLIC_DUTY,
                                             server_default=LegalBasis.PUBLIC_DUTY.value)
    # None: the contact predates this record (source unknown).
    source: Mapped[str | None] = mapped_column(sa.String(200), default="")

    residential_group = relationship("ResidentialGroup", lazy="joined")
    user = relationship("User", lazy="select")
    groups: Mapped[list[ContactGroup]] = relationship(
        secondary=contact_group_members, back_populates="contacts", lazy="selectin"
    )


class ContactGroup(db.Model):
    """A list such as "Bí thư chi bộ". When ``post_title`` is set, the members are whoever
    currently holds a post with that title (in every tổ dân phố), so lists follow hand-overs."""

    __tablename__ = "contact_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    name_folded: Mapped[str] = mapped_column(sa.String(160), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    post_title_folded: Mapped[str | None] = mapped_column(sa.String(160), index=True)

    contacts: Mapped[list[Contact]] = relationship(secondary=contact_group_members, back_populates="groups")

    @property
    def is_post_based(self) -> bool:
        return bool(self.post_title_folded)


class Post(db.Model):
    """A seat such as "Tổ trưởng tổ dân phố" of tổ dân phố số 3, held by one contact at a time."""

    __tablename__ = "posts"
    __table_args__ = (sa.UniqueConstraint("title_folded", "residential_group_id", name="uq_posts_title_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    title_folded: Mapped[str] = mapped_column(sa.String(160), index=True)
    residential_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residential_groups.id", ondelete="CASCADE"), index=True
    )

    residential_group = relationship("ResidentialGroup", lazy="joined")
    holdings: Mapped[list[PostHolding]] = relationship(
        back_populates="post", order_by="PostHolding.started_at", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.title} – {self.residential_group.name}" if self.residential_group else self.title


class PostHolding(db.Model):
    """Who held a post from when to when; the open row (ended_on NULL) is the current holder."""

    __tablename__ = "post_holdings"
    __table_args__ = (sa.Index("ix_post_holdings_current", "post_id", "ended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    post: Mapped[Post] = relationship(back_populates="holdings")
    contact: Mapped[Contact] = relationship(lazy="joined")


class Invitation(NameMixin, TimestampMixin, db.Model):
    """One invitee of one event. Name, position and unit are copied from the contact when the
    list is built so letters and sheets print what was sent; walk-ins have no contact."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "contact_id", name="uq_invitations_event_contact"),
        sa.Index("ix_invitations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    # Personal links: random 43-character tokens (secrets.token_urlsafe(32)).
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    checkin_code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20), default=InvitationRole.DELEGATE)
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    # The directory group the person was invited through (first source wins): the report's rows.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_groups.id", ondelete="SET NULL"), index=True)
    # Set when invited as the holder of a post: a hand-over moves an unanswered invitation on.
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    unit: Mapped[str] = mapped_column(sa.String(200), default="")
    residential_group_name: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    name_folded: Mapped[str] = mapped_column(sa.String(200), default="")
    is_walk_in: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    status: Mapped[str] = mapped_column(sa.String(20), default=InvitationStatus.PENDING)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    substitute_name: Mapped[str] = mapped_column(sa.String(160), default="")
    substitute_position: Mapped[str] = mapped_column(sa.String(200), default="")
    # The substitute's own phone (optional, E.164): they too hear by SMS if the meeting moves.
    substitute_phone: Mapped[str | None] = mapped_column(sa.String(20))
    responder_name: Mapped[str] = mapped_column(sa.String(160), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_via: Mapped[str] = mapped_column(sa.String(20), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_method: Mapped[str] = mapped_column(sa.String(20), default="")
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    contact = relationship("Contact", lazy="select")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="select")

    @property
    def present(self) -> bool:
        """Checked in: that wins over any answer (a decline stays recorded as history)."""
        return self.checked_in_at is not None

    @property
    def declined_but_came(self) -> bool:
        return self.status == InvitationStatus.DECLINE and self.checked_in_at is not None

    @property
    def answered(self) -> bool:
        return self.status != InvitationStatus.PENDING

    @property
    def sends_substitute(self) -> bool:
        return self.status == InvitationStatus.SUBSTITUTE

    @property
    def coming(self) -> bool:
        """Will attend, or sends someone: the QR code at the door is theirs to show."""
        return self.status in (InvitationStatus.ATTEND, InvitationStatus.SUBSTITUTE)


class LetterSettings(db.Model):
    """What an event's giấy mời print: number, agenda, contact person, signer."""

    __tablename__ = "invitation_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    number: Mapped[str] = mapped_column(sa.String(40), default="")
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    participants: Mapped[str] = mapped_column(sa.Text, default="")
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    contact_person: Mapped[str] = mapped_column(sa.String(200), default="")
    signer_title: Mapped[str] = mapped_column(sa.String(120), default="")
    signer_name: Mapped[str] = mapped_column(sa.String(120), default="")


def migration_ddl(dialect_name: str) -> list[str]:
    """No DDL beyond what create_all expresses."""
    return []
