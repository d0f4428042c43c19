"""Every message elections sends, built in one place: subscription link and code, reminders.

Texts come from ``defaults`` (or the election's own reminder texts); the notification engine
renders them per recipient, keeps the ledger and sends after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from civic.elections.labels import hours_text
from civic.elections.models import Channel, Election, MessageKind, Milestone, PollingArea, Subscription
from civic.elections.services import defaults
from civic.elections.services.common import TOPIC, url
from civic.notifications import services as engine


@dataclass
class Message:
    """One kind of message: its templates, channels and one recipient's context."""

    kind: MessageKind
    subject: str
    body_text: str
    sms_text: str | None
    channels: tuple[str, ...]
    context: dict

    def templates(self) -> dict:
        return {"subject": self.subject, "body_text": self.body_text, "sms_text": self.sms_text}


def confirmation_link(name: str | None, group: str, confirm_url: str) -> Message:
    texts = defaults.confirmation_email()
    context = {"name": name or defaults.voter_name(), "group": group, "confirm_url": confirm_url}
    return Message(MessageKind.SUBSCRIPTION_CONFIRM, texts["subject"], texts["body_text"], None,
                   (Channel.EMAIL.value,), context)


def confirmation_code(code: str) -> Message:
    texts = defaults.confirmation_code()
    return Message(MessageKind.SUBSCRIPTION_CODE, texts["subject"], texts["body_text"], texts["sms_text"],
                   (Channel.SMS.value,), {"code": code})


def send_confirmation_link(sub: Subscription, token: str) -> None:
    message = confirmation_link(sub.name, sub.group.name if sub.group else "",
                                url("elections.confirm_email", token=token))
    engine.create_campaign(
        kind=message.kind.value,
        topic=TOPIC,
        channels=message.channels,
        recipients=[engine.Recipient(key=f"election-sub:{sub.id}", name=sub.name or None, email=sub.email,
                                     phone=None, context=message.context)],
        transactional=True,
        dedupe_key=f"election-sub:{sub.id}:confirm-email:{sub.email_token_hash[:24]}",
        subject=message.subject,
        body_text=message.body_text,
    )


def send_confirmation_code(sub: Subscription, code: str) -> None:
    message = confirmation_code(code)
    engine.create_campaign(
        kind=message.kind.value,
        topic=TOPIC,
        channels=message.channels,
        recipients=[engine.Recipient(key=f"election-sub:{sub.id}", name=sub.name or None, email=None,
                                     phone=sub.phone, context=message.context)],
        transactional=True,
        urgent=True,  # the resident is waiting for it now, quiet hours do not apply
        dedupe_key=f"election-sub:{sub.id}:code:{sub.sms_code_hash[:24]}",
        **message.templates(),
    )


def reminder_templates(election: Election) -> dict:
    """The election's reminder texts; an empty one falls back to the default text."""
    return {
        "subject": election.reminder_subject or defaults.reminder_subject(),
        "body_text": election.reminder_body or defaults.reminder_body(),
        "sms_text": election.reminder_sms or defaults.reminder_sms(),
    }


def election_context(election: Election, milestone: Milestone | None) -> dict:
    """The placeholders every recipient of a reminder shares (no milestone: polling day)."""
    polling = election.polling_day.strftime("%d/%m/%Y")
    return {
        "election": election.name,
        "polling_day": polling,
        "hours": hours_text(election),
        "what_to_bring": election.what_to_bring or "",
        "milestone": milestone.title if milestone else str(defaults.polling_day_title()),
        "milestone_date": milestone.day.strftime("%d/%m/%Y") if milestone else polling,
        "milestone_text": milestone.text if milestone else "",
        "election_url": url("elections.detail", election_id=election.id),
    }


def area_context(name: str | None, group: str, area: PollingArea | None) -> dict:
    """One recipient's placeholders: their name, tổ dân phố and polling area."""
    return {
        "name": name or defaults.voter_name(),
        "group": group,
        "area_number": str(area.number) if area else "1",
        "station_name": area.station_name if area else "",
        "station_address": area.station_address if area else "",
    }


def reminder(election: Election, milestone: Milestone | None, context: dict) -> Message:
    """A reminder of ``milestone`` with one recipient's ``context`` (see area_context)."""
    texts = reminder_templates(election)
    return Message(MessageKind.REMINDER, texts["subject"], texts["body_text"], texts["sms_text"],
                   (Channel.EMAIL.value, Channel.SMS.value), {**election_context(election, milestone), **context})
