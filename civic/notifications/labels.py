"""What the campaign pages call kinds, channels, topics, statuses and reasons (translated).

Machine names stay in the ledger (the enums in civic.notifications.models); people read these labels.
"""

from __future__ import annotations

from flask_babel import gettext as _

from civic.notifications.models import TEST_PREFIX, Channel, DeliveryStatus, Kind, Reason, Topic
from civic.notifications.policy import TRANSACTIONAL_KINDS, is_transactional_kind

__all__ = ["TRANSACTIONAL_KINDS", "is_transactional_kind"]  # the rule lives in policy; pages ask here too


def kind_labels() -> dict[str, str]:
    return {
        Kind.ANNOUNCEMENT: _("Announcement"),
        Kind.EVENT_CONFIRMATION: _("Answer confirmation"),
        Kind.EVENT_PROMOTED: _("Place from the waiting list"),
        Kind.EVENT_CANCELLED: _("Event cancelled"),
        Kind.EVENT_CHANGED: _("Event changed"),
        Kind.EVENT_MESSAGE: _("Message to attendees"),
        Kind.EVENT_REMINDER: _("Event reminder"),
        Kind.ELECTION_REMINDER: _("Election reminder"),
        Kind.ELECTION_REMINDER_TEST: _("Election reminder (test)"),
        Kind.ELECTION_SUBSCRIPTION_CONFIRM: _("Reminder subscription confirmation"),
        Kind.ELECTION_SUBSCRIPTION_CODE: _("Confirmation code by SMS"),
        Kind.INVITATION_INVITATION: _("Invitation"),
        Kind.INVITATION_REMINDER: _("Invitation reminder"),
        Kind.INVITATION_RESEND: _("Invitation sent again"),
        Kind.INVITATION_CHANGE: _("Invited meeting changed"),
        Kind.INVITATION_CANCELLED: _("Invited meeting cancelled"),
        Kind.SCHEDULE_INVITATION: _("Invitation by the work schedule"),
        Kind.SCHEDULE_REVISION: _("Work schedule revised"),
        Kind.EVENT_LINK: _("Personal link sent again"),
        Kind.ACCOUNT_PHONE_CODE: _("Phone confirmation code"),
        Kind.ACCOUNT_VERIFY: _("Email address confirmation"),
        Kind.ACCOUNT_PASSWORD_RESET: _("Password reset"),
        Kind.PRIVACY_CODE: _("Code to see one's personal data"),
        Kind.PRIVACY_DONE: _("Personal data request done"),
    }


def kind_label(kind: str | None) -> str:
    kind = kind or ""
    if kind.startswith(TEST_PREFIX):
        return _("Test: %(kind)s", kind=kind_label(kind[len(TEST_PREFIX):]))
    return kind_labels().get(kind, _("Other message"))


def channel_labels() -> dict[str, str]:
    return {Channel.EMAIL: _("Email"), Channel.SMS: _("SMS")}


def channel_label(channel: str | None) -> str:
    return channel_labels().get(channel or "", channel or "")


def channels_label(channels: str | None) -> str:
    """"email,sms" -> "Email, SMS"."""
    return ", ".join(channel_label(c) for c in (channels or "").split(",") if c)


def topic_labels() -> dict[str, str]:
    return {
        Topic.EVENTS: _("events"), Topic.ELECTIONS: _("elections"), Topic.INVITATIONS: _("invitations"),
        Topic.ANNOUNCEMENTS: _("ward announcements"), Topic.ACCOUNT: _("your account"), Topic.NEWS: _("news"),
    }


def topic_label(topic: str | None) -> str:
    return topic_labels().get(topic or "", topic or "")


def status_labels() -> dict[str, str]:
    return {DeliveryStatus.PENDING: _("Waiting"), DeliveryStatus.SENDING: _("Sending"),
            DeliveryStatus.SENT: _("Sent"), DeliveryStatus.FAILED: _("Failed"), DeliveryStatus.SKIPPED: _("Skipped")}


def status_label(status: str | None) -> str:
    return status_labels().get(status or "", status or "")


def reason_labels() -> dict:
    return {Reason.UNSUBSCRIBED: _("Unsubscribed"), Reason.NO_ADDRESS: _("No address"),
            Reason.QUIET_HOURS: _("Quiet hours: sent after 07:00"), Reason.RETRY: _("Will retry"),
            Reason.ERASED: _("Personal data erased"), None: ""}


def reason_label(reason: str | None) -> str:
    return reason_labels().get(reason, "")


def next_try(delivery) -> object | None:
    """When a waiting delivery is tried next (shown beside its status), else None."""
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at:
        return delivery.next_attempt_at
    return None


# The helpers templates may call to show a value (formatting only, no decisions).
TEMPLATE_HELPERS = {
    "kind_label": kind_label, "channel_label": channel_label, "channels_label": channels_label,
    "topic_label": topic_label, "status_label": status_label, "reason_label": reason_label,
    "next_try": next_try,
}
