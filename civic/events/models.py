"""Events, RSVPs (answers with a waiting list), the change log and sent reminders."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import ResidentialGroup, User
from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class EventCategory(enum.StrEnum):
    MEETING = "meeting"  # họp tổ dân phố
    CLEANUP = "cleanup"  # ngày Chủ nhật xanh
    HEALTH = "health"  # khám sức khỏe
    VOTERS = "voters"  # tiếp xúc cử tri
    CULTURE = "culture"  # văn hóa, lễ hội, gặp mặt
    OTHER = "other"


class Audience(enum.StrEnum):
    PUBLIC = "public"
    GROUPS = "groups"  # residents of the allowed tổ dân phố
    INVITE_ONLY = "invite_only"  # answers only through invitations


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RsvpResponse(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class RsvpStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # yes, within capacity
    WAITLISTED = "waitlisted"  # yes, past capacity: in line by waitlisted_at
    TENTATIVE = "tentative"  # maybe (holds no seat)
    DECLINED = "declined"  # no, or cancelled


class RsvpSource(enum.StrEnum):
    """Where an answer came from: the public page, the API, or an invitation answered for someone."""

    WEB = "web"
    API = "api"
    INVITATION = "invitation"


class ChangeKind(enum.StrEnum):
    """What an EventChange records."""

    TIME = "time"
    PLACE = "place"
    TIME_PLACE = "time_place"
    CANCELLED = "cancelled"


event_groups = sa.Table(
    "event_groups",
    db.Model.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("residential_groups.id", ondelete="CASCADE"), primary_key=True),
)


class EventState:
    """What an event's status and end say: shared by the model and its page copy
    (civic.events.services.copies.EventPage)."""

    __slots__ = ()

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= utcnow()


class Event(EventState, TimestampMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_status_starts", "status", "starts_at"),
        sa.CheckConstraint("ends_at >= starts_at", name="ck_events_ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="ck_events_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(120), index=True)
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    description_source: Mapped[str] = mapped_column(sa.Text, default="")  # what the organizer typed
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_name: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_address: Mapped[str] = mapped_column(sa.String(300), default="")
    map_url: Mapped[str | None] = mapped_column(sa.String(500))
    organizer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(sa.String(20), default=EventCategory.OTHER.value, index=True)
    cover_image: Mapped[str | None] = mapped_column(sa.String(300))  # path under the data dir's uploads
    audience: Mapped[str] = mapped_column(sa.String(20), default=Audience.PUBLIC.value, index=True)
    capacity: Mapped[int | None] = mapped_column(sa.Integer)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    allow_guests: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    max_guests: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Simple free-text questions, e.g. ["Ghi chú ăn uống"]; answers live on Rsvp.answers.
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Minutes before the start the reminder goes out; None = the day before at 08:00 local.
    reminder_minutes_before: Mapped[int | None] = mapped_column(sa.Integer)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20), default=EventStatus.DRAFT.value)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))

    organizer: Mapped[User | None] = relationship(lazy="joined")
    groups: Mapped[list[ResidentialGroup]] = relationship(secondary=event_groups, lazy="selectin")
    rsvps: Mapped[list[Rsvp]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )
    changes: Mapped[list[EventChange]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="EventChange.created_at.desc()",
    )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r} {self.status}>"


class Rsvp(TimestampMixin, db.Model):
    """One person's answer to one event: by account, or by normalised phone/email."""

    __tablename__ = "rsvps"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id", name="uq_rsvps_event_user"),
        sa.UniqueConstraint("event_id", "phone", name="uq_rsvps_event_phone"),
        sa.UniqueConstraint("event_id", "email", name="uq_rsvps_event_email"),
        sa.Index("ix_rsvps_event_status", "event_id", "status", "waitlisted_at"),
        sa.Index("ix_rsvps_event_client", "event_id", "client_key"),
        sa.CheckConstraint("guests >= 0", name="ck_rsvps_guests"),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL OR erased_at IS NOT NULL",
            name="ck_rsvps_identity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)  # lower-cased
    residential_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residential_groups.id", ondelete="SET NULL"), index=True
    )
    response: Mapped[str] = mapped_column(sa.String(10))  # an RsvpResponse
    status: Mapped[str] = mapped_column(sa.String(12))  # an RsvpStatus
    guests: Mapped[int] = mapped_column(sa.Integer, default=0)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(sa.String(20), default=RsvpSource.WEB.value)
    # Set when the invitations domain answers on someone's behalf.
    invitation_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    # Keyed hash of the client's address for answers from public forms (seats per client);
    # the address itself is not stored.
    client_key: Mapped[str | None] = mapped_column(sa.String(32))
    # Set when the person had their data erased: the answer stays in the counts, nameless.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="rsvps")
    user: Mapped[User | None] = relationship(lazy="joined")
    residential_group: Mapped[ResidentialGroup | None] = relationship(lazy="joined")

    @property
    def seats(self) -> int:
        return 1 + (self.guests or 0)


class RsvpHistory(db.Model):
    """Every answer as given, for the chart of answers over time."""

    __tablename__ = "rsvp_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(12))
    guests: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class EventChange(db.Model):
    """What changed on an event after it was published (shown on the page, sent to attendees)."""

    __tablename__ = "event_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # a ChangeKind
    # {"field": [old, new]} with display values (local times already formatted as ISO).
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    event: Mapped[Event] = relationship(back_populates="changes")
    actor: Mapped[User | None] = relationship(lazy="joined")


def migration_ddl(dialect_name: str) -> list[str]:
    """No DDL beyond what create_all produces."""
    return []
