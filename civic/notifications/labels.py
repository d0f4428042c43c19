"""What the campaign pages call kinds, channels, topics, statuses and reasons (translated).

Machine names stay in the ledger; people read these labels.
"""

from __future__ import annotations

from flask_babel import gettext as _

# Messages to one person about their own action (an answer, a link, a code): listed one
# delivery at a time on the transactional page, never as a campaign of their own.
TRANSACTIONAL_KINDS = frozenset({
    "event_confirmation", "event_promoted", "election_subscription_confirm", "election_subscription_code",
    "election_reminder_test", "account_verify", "account_password_reset", "event_link", "account_phone_code",
    "privacy_code", "privacy_done",
})
TEST_PREFIX = "test:"


def is_transactional_kind(kind: str | None) -> bool:
    kind = kind or ""
    return kind in TRANSACTIONAL_KINDS or kind.startswith(TEST_PREFIX)


def kind_labels() -> dict[str, str]:
    return {
        "announcement": _("Announcement"),
        "event_confirmation": _("Answer confirmation"),
        "event_promoted": _("Place from the waiting list"),
        "event_cancelled": _("Event cancelled"),
        "event_changed": _("Event changed"),
        "event_message": _("Message to attendees"),
        "event_reminder": _("Event reminder"),
        "election_reminder": _("Election reminder"),
        "election_reminder_test": _("Election reminder (test)"),
        "election_subscription_confirm": _("Reminder subscription confirmation"),
        "election_subscription_code": _("Confirmation code by SMS"),
        "invitation_invitation": _("Invitation"),
        "invitation_reminder": _("Invitation reminder"),
        "invitation_resend": _("Invitation sent again"),
        "invitation_change": _("Invited meeting changed"),
        "invitation_cancelled": _("Invited meeting cancelled"),
        "schedule_invitation": _("Invitation by the work schedule"),
        "schedule_revision": _("Work schedule revised"),
        "event_link": _("Personal link sent again"),
        "account_phone_code": _("Phone confirmation code"),
        "account_verify": _("Email address confirmation"),
        "account_password_reset": _("Password reset"),
        "privacy_code": _("Code to see one's personal data"),
        "privacy_done": _("Personal data request done"),
    }


def kind_label(kind: str | None) -> str:
    kind = kind or ""
    if kind.startswith(TEST_PREFIX):
        return _("Test: %(kind)s", kind=kind_label(kind[len(TEST_PREFIX):]))
    return kind_labels().get(kind, _("Other message"))


def channel_label(channel: str | None) -> str:
    return {"email": _("Email"), "sms": _("SMS")}.get(channel or "", channel or "")


def channels_label(channels: str | None) -> str:
    """"email,sms" -> "Email, SMS"."""
    return ", ".join(channel_label(c) for c in (channels or "").split(",") if c)


def topic_labels() -> dict[str, str]:
    return {
        "events": _("events"), "elections": _("elections"), "invitations": _("invitations"),
        "announcements": _("ward announcements"), "account": _("your account"), "news": _("news"),
    }


def topic_label(topic: str | None) -> str:
    return topic_labels().get(topic or "", topic or "")


def status_labels() -> dict[str, str]:
    return {"pending": _("Waiting"), "sending": _("Sending"), "sent": _("Sent"), "failed": _("Failed"),
            "skipped": _("Skipped")}


def status_label(status: str | None) -> str:
    return status_labels().get(status or "", status or "")


def reason_labels() -> dict:
    return {"unsubscribed": _("Unsubscribed"), "no_address": _("No address"),
            "quiet_hours": _("Quiet hours: sent after 07:00"), "retry": _("Will retry"),
            "erased": _("Personal data erased"), None: ""}


def reason_label(reason: str | None) -> str:
    return reason_labels().get(reason, "")


# The helpers templates may call to show a value (formatting only, no decisions).
TEMPLATE_HELPERS = {
    "kind_label": kind_label, "channel_label": channel_label, "channels_label": channels_label,
    "topic_label": topic_label, "status_label": status_label, "reason_label": reason_label,
}
