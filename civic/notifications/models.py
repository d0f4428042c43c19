"""The notification ledger: campaigns, one delivery per recipient and channel, suppressions.

The ledger is the truth; the queue only carries work. A delivery is claimed by a worker with
a lease (status "sending", lease_expires_at); if the worker dies, another takes it over once the
dead worker's heartbeat is stale (WorkerHeartbeat), or at the latest when the lease runs out.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class DeliveryStatus(StrEnum):
    """Where a delivery stands; stored as its value."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Reason(StrEnum):
    """Shown beside a status (skipped, deferred, retrying)."""

    UNSUBSCRIBED = "unsubscribed"
    NO_ADDRESS = "no_address"
    QUIET_HOURS = "quiet_hours"
    RETRY = "retry"
    ERASED = "erased"
    # last_error (not reason) of a delivery that was in flight when its worker process died.
    WORKER_CRASH = "worker_crash"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Topic(StrEnum):
    """Unsubscribe scope of a campaign (a suppression's topic may also be ``ALL_TOPICS``)."""

    EVENTS = "events"
    ELECTIONS = "elections"
    INVITATIONS = "invitations"
    ANNOUNCEMENTS = "announcements"
    ACCOUNT = "account"
    NEWS = "news"


class Kind(StrEnum):
    """The campaign kinds the domains send (a test send is ``TEST_PREFIX`` + a kind)."""

    ANNOUNCEMENT = "announcement"
    EVENT_CONFIRMATION = "event_confirmation"
    EVENT_PROMOTED = "event_promoted"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_CHANGED = "event_changed"
    EVENT_MESSAGE = "event_message"
    EVENT_REMINDER = "event_reminder"
    EVENT_LINK = "event_link"
    ELECTION_REMINDER = "election_reminder"
    ELECTION_REMINDER_TEST = "election_reminder_test"
    ELECTION_SUBSCRIPTION_CONFIRM = "election_subscription_confirm"
    ELECTION_SUBSCRIPTION_CODE = "election_subscription_code"
    INVITATION_INVITATION = "invitation_invitation"
    INVITATION_REMINDER = "invitation_reminder"
    INVITATION_RESEND = "invitation_resend"
    INVITATION_CHANGE = "invitation_change"
    INVITATION_CANCELLED = "invitation_cancelled"
    SCHEDULE_INVITATION = "schedule_invitation"
    SCHEDULE_REVISION = "schedule_revision"
    ACCOUNT_PHONE_CODE = "account_phone_code"
    ACCOUNT_VERIFY = "account_verify"
    ACCOUNT_PASSWORD_RESET = "account_password_reset"  # noqa: S105 - a kind, not a secret
    PRIVACY_CODE = "privacy_code"
    PRIVACY_DONE = "privacy_done"


TEST_PREFIX = "test:"

# The same values under their older names, for callers that import them.
PENDING, SENDING, SENT, FAILED, SKIPPED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT,
                                           DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
STATUSES = tuple(DeliveryStatus)
REASON_UNSUBSCRIBED, REASON_NO_ADDRESS, REASON_QUIET_HOURS, REASON_RETRY, REASON_WORKER_CRASH = (
    Reason.UNSUBSCRIBED, Reason.NO_ADDRESS, Reason.QUIET_HOURS, Reason.RETRY, Reason.WORKER_CRASH)
CHANNELS = tuple(Channel)


class Campaign(TimestampMixin, db.Model):
    """What is sent, to whom, when: the templates live here, the per-recipient rows in Delivery."""

    __tablename__ = "notification_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    topic: Mapped[str] = mapped_column(sa.String(40), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    # What the campaign pages call it: the subject filled with what every recipient shares
    # ("Thay đổi: Họp tổ dân phố số 3"), not the template ("Thay đổi: {event_title}").
    title: Mapped[str | None] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    sms_text: Mapped[str | None] = mapped_column(sa.Text)
    # "email", "sms" or "email,sms"
    channels: Mapped[str] = mapped_column(sa.String(20))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    urgent: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    transactional: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Same key again returns the existing campaign instead of sending twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    recipient_count: Mapped[int] = mapped_column(sa.Integer, default=0)

    created_by = relationship("User", lazy="joined")
    attachments: Mapped[list[CampaignAttachment]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignAttachment.id"
    )

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.kind}>"


class CampaignAttachment(db.Model):
    __tablename__ = "notification_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notification_campaigns.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    campaign: Mapped[Campaign] = relationship(back_populates="attachments")


class Delivery(db.Model):
    """One message to one recipient on one channel."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "recipient_key", "channel", name="uq_delivery_recipient_channel"),
        # The claim query: due pending rows and stale leases, oldest first.
        sa.Index("ix_delivery_status_due", "status", "next_attempt_at"),
        sa.Index("ix_delivery_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("notification_campaigns.id", ondelete="CASCADE"))
    recipient_key: Mapped[str] = mapped_column(sa.String(120))
    channel: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    # Email address (lower-case) or phone number (E.164); None when the recipient has none.
    address: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    context: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default=DeliveryStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(sa.String(20))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker_id: Mapped[str | None] = mapped_column(sa.String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()

    @property
    def error_text(self) -> str | None:
        """last_error as the campaign page shows it (transport errors stay as the server said)."""
        if self.last_error == Reason.WORKER_CRASH:
            return _("The worker stopped while sending this message (a crash or a kill).")
        return self.last_error

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.channel} {self.status}>"


class Suppression(db.Model):
    """An address that asked for no more messages on a channel and topic ("*" = every topic)."""

    __tablename__ = "notification_suppressions"
    __table_args__ = (sa.UniqueConstraint("address", "channel", "topic", name="uq_suppression"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(254), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    topic: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.String(20), default="link")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkerHeartbeat(db.Model):
    """A sending process's proof of life (database store; Redis keeps it when REDIS_URL is set).

    Claims of a process whose beat is older than NOTIFY_HEARTBEAT_SECONDS are taken over at
    once; the lease stays the backstop for a process that beats but is stuck.
    """

    __tablename__ = "notification_workers"

    # host:pid:token; a delivery's worker_id adds ":<thread>".
    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
