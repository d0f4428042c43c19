"""The leaders' schedules: the weekly work schedule (lịch công tác tuần: weeks, items,
participants, published revisions as snapshots, the recurring items a new week starts with) and
the citizen reception schedule (lịch tiếp công dân: rules per post, days off, overrides)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class WeekStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ItemStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class DaySession(StrEnum):
    """The part of the day an item falls in, as the administrative layout groups them."""

    MORNING = "sang"
    AFTERNOON = "chieu"
    EVENING = "toi"


class ParticipantKind(StrEnum):
    POST = "post"
    GROUP = "group"
    UNIT = "unit"
    CONTACT = "contact"
    TEXT = "text"


class HolidayPolicy(StrEnum):
    """What a reception session on a day off does."""

    SKIP = "skip"
    NEXT = "next"
    PREVIOUS = "previous"


class OverrideAction(StrEnum):
    CANCEL = "cancel"
    MOVE = "move"


SESSIONS = tuple(DaySession)
PARTICIPANT_KINDS = tuple(ParticipantKind)

schedule_item_chairs = sa.Table(
    "schedule_item_chairs",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("schedule_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ScheduleWeek(TimestampMixin, db.Model):
    """One ISO week of the schedule. ``revision`` is 0 as first published and counts the
    "Lịch điều chỉnh, bổ sung" after it; ``version`` guards against two editors racing."""

    __tablename__ = "schedule_weeks"
    __table_args__ = (sa.UniqueConstraint("iso_year", "iso_week", name="uq_schedule_weeks_year_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    iso_year: Mapped[int] = mapped_column(sa.Integer)
    iso_week: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20), default=WeekStatus.DRAFT, index=True)
    replaces_letters: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    revision: Mapped[int] = mapped_column(sa.Integer, default=0)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    items: Mapped[list[ScheduleItem]] = relationship(
        back_populates="week", cascade="all, delete-orphan", order_by="(ScheduleItem.day, ScheduleItem.starts_at)")
    revisions: Mapped[list[ScheduleRevision]] = relationship(
        back_populates="week", cascade="all, delete-orphan", order_by="ScheduleRevision.number")

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.iso_year, self.iso_week, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.iso_year, self.iso_week, 7)

    @property
    def is_published(self) -> bool:
        return self.status == WeekStatus.PUBLISHED


class ScheduleItem(TimestampMixin, db.Model):
    __tablename__ = "schedule_items"
    __table_args__ = (
        sa.Index("ix_schedule_items_week_day", "week_id", "day", "starts_at"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ck_schedule_items_end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("schedule_weeks.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date, index=True)  # local date
    session: Mapped[str] = mapped_column(sa.String(10), default=DaySession.MORNING)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    content: Mapped[str] = mapped_column(sa.Text)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    preparing_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    participants_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Why outside participants' names are held (personal data): public_duty | legal_obligation | consent.
    participants_legal_basis: Mapped[str] = mapped_column(sa.String(30), default="public_duty",
                                                          server_default="public_duty")
    separate_letter: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_public: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=ItemStatus.ACTIVE)
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # The revision that last added/changed it (None: as first published or still a draft).
    changed_in: Mapped[int | None] = mapped_column(sa.Integer)
    # The event that carries its invitations (made on publishing), or a full event with its own letter.
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    own_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    recurring_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schedule_recurring.id", ondelete="SET NULL"))
    # The reception rule it was generated from (a plain number: deleting a rule leaves past weeks as they were).
    reception_rule_id: Mapped[int | None] = mapped_column(sa.Integer)

    week: Mapped[ScheduleWeek] = relationship(back_populates="items")
    chairs = relationship("Post", secondary=schedule_item_chairs, lazy="selectin", order_by="Post.id")
    participants: Mapped[list[ScheduleParticipant]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin", order_by="ScheduleParticipant.id")

    @property
    def is_cancelled(self) -> bool:
        return self.status == ItemStatus.CANCELLED


class ScheduleParticipant(db.Model):
    """Who attends: a post (its holder), an invitation group, a unit (its contacts), a named
    contact, or free text for outside bodies (not invited through the portal)."""

    __tablename__ = "schedule_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("schedule_items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_groups.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.String(300), default="")

    item: Mapped[ScheduleItem] = relationship(back_populates="participants")
    post = relationship("Post", lazy="joined")
    group = relationship("ContactGroup", lazy="joined")
    contact = relationship("Contact", lazy="joined")


class ScheduleRevision(db.Model):
    """What the portal showed from publication N on (0 = as first published): a snapshot, so
    the previous version stays readable whatever is edited later."""

    __tablename__ = "schedule_revisions"
    __table_args__ = (sa.UniqueConstraint("week_id", "number", name="uq_schedule_revisions_week_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("schedule_weeks.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    changed_item_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    snapshot: Mapped[list] = mapped_column(sa.JSON, default=list)

    week: Mapped[ScheduleWeek] = relationship(back_populates="revisions")


class RecurringItem(db.Model):
    """An item every week starts with (the Monday briefing, the weekly citizen reception)."""

    __tablename__ = "schedule_recurring"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(sa.Integer)  # 0 = Monday
    session: Mapped[str] = mapped_column(sa.String(10), default=DaySession.MORNING)
    start_time: Mapped[time] = mapped_column(sa.Time)
    end_time: Mapped[time | None] = mapped_column(sa.Time)
    content: Mapped[str] = mapped_column(sa.Text)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    preparing_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    participants_note: Mapped[str] = mapped_column(sa.Text, default="")
    chair_post_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    is_public: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


# --- Citizen reception (lịch tiếp công dân) ---
# Sessions are computed from the rules, the days off and the per-session overrides (see
# civic/schedule/services/reception.py): nothing to regenerate when a rule, a holiday or a holder changes.

HOLIDAY_POLICIES = tuple(HolidayPolicy)
OVERRIDE_ACTIONS = tuple(OverrideAction)


class ReceptionRule(TimestampMixin, db.Model):
    """"The holder of this post receives citizens every Thursday 07:30–11:30 at the ward office"."""

    __tablename__ = "reception_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # ISO weekdays as digits, Monday = 0: "3" is Thursday, "1,3" Tuesday and Thursday.
    weekdays: Mapped[str] = mapped_column(sa.String(20))
    starts_at: Mapped[time] = mapped_column(sa.Time)
    ends_at: Mapped[time] = mapped_column(sa.Time)
    place: Mapped[str] = mapped_column(sa.String(300))
    valid_from: Mapped[date] = mapped_column(sa.Date, index=True)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    holiday_policy: Mapped[str] = mapped_column(sa.String(20), default=HolidayPolicy.NEXT)
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    post = relationship("Post", lazy="joined")
    overrides: Mapped[list[ReceptionOverride]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="ReceptionOverride.original_on"
    )

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted(int(d) for d in self.weekdays.split(",") if d.strip().isdigit())


class ReceptionHoliday(TimestampMixin, db.Model):
    """A day off the ward adds (the government's yearly Tết days, a swapped day)."""

    __tablename__ = "reception_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))


class ReceptionOverride(TimestampMixin, db.Model):
    """One session of a rule cancelled (with the reason) or moved to another date."""

    __tablename__ = "reception_overrides"
    __table_args__ = (sa.UniqueConstraint("rule_id", "original_on", name="uq_reception_overrides_rule_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("reception_rules.id", ondelete="CASCADE"))
    original_on: Mapped[date] = mapped_column(sa.Date)
    action: Mapped[str] = mapped_column(sa.String(20))
    moved_to: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    rule: Mapped[ReceptionRule] = relationship(back_populates="overrides")


def migration_ddl(dialect_name: str) -> list[str]:
    """No DDL beyond what create_all expresses."""
    return []
