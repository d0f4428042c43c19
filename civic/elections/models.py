"""Elections, their milestones and polling areas, reminder subscriptions and sent reminders."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import ResidentialGroup, User
from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class Body(enum.StrEnum):
    """Bodies elected on the same polling day."""

    NATIONAL_ASSEMBLY = "national_assembly"
    CITY_COUNCIL = "city_council"
    DISTRICT_COUNCIL = "district_council"
    WARD_COUNCIL = "ward_council"


class MilestoneKind(enum.StrEnum):
    VOTER_LIST_POSTED = "voter_list_posted"
    CANDIDATE_LIST_POSTED = "candidate_list_posted"
    LIST_CHECK_ENDS = "list_check_ends"
    POLLING_DAY = "polling_day"
    OTHER = "other"


class Channel(enum.StrEnum):
    """How a subscriber receives reminders (the notification engine's channel names)."""

    EMAIL = "email"
    SMS = "sms"


class MessageKind(enum.StrEnum):
    """The engine campaign kinds elections creates."""

    REMINDER = "election_reminder"
    REMINDER_TEST = "election_reminder_test"
    SUBSCRIPTION_CONFIRM = "election_subscription_confirm"
    SUBSCRIPTION_CODE = "election_subscription_code"


class ReminderStatus(enum.StrEnum):
    """A scheduled reminder: still waiting, or its campaign was created."""

    WAITING = "waiting"
    CREATED = "created"


class Election(TimestampMixin, db.Model):
    __tablename__ = "elections"
    __table_args__ = (sa.CheckConstraint("polls_close > polls_open", name="ck_elections_hours"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(250))
    polling_day: Mapped[date] = mapped_column(sa.Date, index=True)
    polls_open: Mapped[time] = mapped_column(sa.Time, default=time(7, 0))
    polls_close: Mapped[time] = mapped_column(sa.Time, default=time(19, 0))
    bodies: Mapped[list] = mapped_column(sa.JSON, default=list)  # Body values
    what_to_bring: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Reminder message templates (str.format placeholders, see services.REMINDER_PLACEHOLDERS).
    reminder_subject: Mapped[str] = mapped_column(sa.String(250), default="")
    reminder_body: Mapped[str] = mapped_column(sa.Text, default="")
    reminder_sms: Mapped[str] = mapped_column(sa.String(480), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="election", cascade="all, delete-orphan", order_by="(Milestone.day, Milestone.id)"
    )
    areas: Mapped[list[PollingArea]] = relationship(
        back_populates="election", cascade="all, delete-orphan", order_by="PollingArea.number"
    )
    created_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.name


class Milestone(db.Model):
    __tablename__ = "election_milestones"
    __table_args__ = (sa.Index("ix_election_milestones_election_day", "election_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(sa.ForeignKey("elections.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30), default=MilestoneKind.OTHER.value)
    day: Mapped[date] = mapped_column(sa.Date)
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.String(1000), default="")

    election: Mapped[Election] = relationship(back_populates="milestones")


class PollingArea(db.Model):
    """A khu vực bỏ phiếu: one polling station serving some tổ dân phố."""

    __tablename__ = "polling_areas"
    __table_args__ = (sa.UniqueConstraint("election_id", "number", name="uq_polling_areas_election_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(sa.ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(sa.Integer)
    station_name: Mapped[str] = mapped_column(sa.String(200))
    station_address: Mapped[str] = mapped_column(sa.String(300))
    map_url: Mapped[str | None] = mapped_column(sa.String(500))

    election: Mapped[Election] = relationship(back_populates="areas")
    links: Mapped[list[PollingAreaGroup]] = relationship(
        back_populates="area", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def groups(self) -> list[ResidentialGroup]:
        return sorted((link.group for link in self.links), key=lambda g: g.sort_key)


class PollingAreaGroup(db.Model):
    """Which tổ dân phố an area covers. election_id is repeated here so the database itself
    refuses a tổ dân phố in two areas of the same election."""

    __tablename__ = "polling_area_groups"
    __table_args__ = (sa.UniqueConstraint("election_id", "group_id", name="uq_polling_area_groups_election_group"),)

    area_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_areas.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("residential_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    election_id: Mapped[int] = mapped_column(sa.ForeignKey("elections.id", ondelete="CASCADE"))

    area: Mapped[PollingArea] = relationship(back_populates="links")
    group: Mapped[ResidentialGroup] = relationship(lazy="joined")


class Subscription(TimestampMixin, db.Model):
    """A resident who wants election reminders, by email and/or SMS (double opt-in)."""

    __tablename__ = "election_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("residential_groups.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    want_email: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    want_sms: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Only hashes are stored: the link token and the 6-digit SMS code travel once.
    email_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    sms_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    sms_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sms_code_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    group: Mapped[ResidentialGroup | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship()

    @property
    def channels(self) -> list[str]:
        return [c.value for c, on in ((Channel.EMAIL, self.want_email), (Channel.SMS, self.want_sms)) if on]

    @property
    def email_active(self) -> bool:
        return bool(self.want_email and self.email and self.email_confirmed_at and not self.unsubscribed_at)

    @property
    def sms_active(self) -> bool:
        return bool(self.want_sms and self.phone and self.phone_confirmed_at and not self.unsubscribed_at)

    @property
    def is_confirmed(self) -> bool:
        return self.email_active or self.sms_active


class SentReminder(db.Model):
    """One row per scheduled reminder that became a campaign: the reminder is never created twice."""

    __tablename__ = "election_reminders"
    __table_args__ = (sa.UniqueConstraint("election_id", "key", name="uq_election_reminders_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(sa.ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("election_milestones.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(sa.String(120))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    campaign_id: Mapped[int | None] = mapped_column(sa.Integer)
    recipients: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
