"""Every e-mail and SMS the events domain sends, and the receivers that send them when the
services announce a change (civic.events.signals), once the change is committed.

Texts are gettext msgids with ``{placeholders}`` that the notification engine fills per
recipient; tests/events/test_message_snapshots.py renders each one in vi and en.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core import ratelimits
from civic.core.db import transaction
from civic.core.text import clean_line, nfc
from civic.core.timeutil import format_datetime, local_tz, to_local, utcnow
from civic.events.ics import event_ics
from civic.events.links import event_url, manage_url, place
from civic.events.models import ChangeKind, Event, EventChange, EventStatus, Rsvp, RsvpHistory, RsvpStatus
from civic.events.services.errors import EventError
from civic.events.services.labels import describe_change, status_text
from civic.events.services.queries import attendees, registered
from civic.events.signals import event_cancelled, event_changed, rsvp_answered, rsvp_promoted
from civic.extensions import db
from civic.notifications.services import Attachment, Recipient, create_campaign

log = logging.getLogger(__name__)

TOPIC = "events"


def context(event: Event, rsvp: Rsvp | None = None, **extra) -> dict:
    """The placeholders every events message may use."""
    ctx = {
        "event_title": event.title,
        "event_time": format_datetime(event.starts_at),
        "event_place": place(event) or "-",
        "event_url": event_url(event),
    }
    if rsvp is not None:
        ctx["name"] = rsvp.name
        if "manage_url" not in extra:
            ctx["manage_url"] = manage_url(rsvp)
    ctx.update(extra)
    return ctx


def recipient(event: Event, rsvp: Rsvp, **extra) -> Recipient:
    return Recipient(key=f"rsvp:{rsvp.id}", name=rsvp.name, email=rsvp.email, phone=rsvp.phone,
                     context=context(event, rsvp, **extra))


def _send(**kwargs):
    """create_campaign, but a mail problem never fails what asked for it (the answer or the
    edit is committed already; create_campaign rolled its own writes back)."""
    try:
        return create_campaign(**kwargs)
    except Exception:  # noqa: BLE001
        log.exception("could not create %s campaign", kwargs.get("kind"))
        return None


def _own_channel(rsvp: Rsvp) -> tuple:
    return ("email",) if rsvp.email else ("sms",)


def channels_for(rsvps: list[Rsvp]) -> tuple:
    return ("email", "sms") if any(r.phone and not r.email for r in rsvps) else ("email",)


# --------------------------------------------------------------------------- the texts


def confirmation_text(updated: bool) -> dict:
    return {
        "subject": _("Your answer was updated: {event_title}") if updated else _("Your answer: {event_title}"),
        "body_text": _(
            "Hello {name},\n\n{status}\n\n{event_title}\n{event_time}\n{event_place}\n\n"
            "To change or cancel your answer, open your personal link:\n{manage_url}\n\nEvent page: {event_url}"
        ),
        "sms_text": _("{event_title}, {event_time}: {status} {manage_url}"),
    }


def promoted_text() -> dict:
    return {
        "subject": _("A place is free for you: {event_title}"),
        "body_text": _(
            "Hello {name},\n\nA place has freed up and you are now registered for {event_title} "
            "({event_time}, {event_place}).\n\nIf you can no longer come, please cancel here so someone else "
            "can have the place:\n{manage_url}"
        ),
        "sms_text": _("A place is free for you: {event_title}, {event_time}. {manage_url}"),
    }


def link_text() -> dict:
    return {
        "subject": _("Your personal link: {event_title}"),
        "body_text": _(
            "Hello {name},\n\nSomeone (perhaps you) asked again for the link to your answer to {event_title} "
            "({event_time}). To see, change or cancel your answer, open your personal link:\n{manage_url}\n\n"
            "If you did not ask for it, you can ignore this message: nothing has been changed."
        ),
        "sms_text": _("{event_title}: link to your answer {manage_url}"),
    }


def cancelled_text() -> dict:
    return {
        "subject": _("Cancelled: {event_title}"),
        "body_text": _(
            "Hello {name},\n\nWe are sorry: {event_title} ({event_time}) has been cancelled.\n{reason}\n\n{event_url}"
        ),
        "sms_text": _("Cancelled: {event_title}, {event_time}."),
    }


def changed_text() -> dict:
    return {
        "subject": _("Changed: {event_title}"),
        "body_text": _(
            "Hello {name},\n\n{event_title} has changed:\n{changes}\n\nNow: {event_time}, {event_place}.\n\n"
            "If you can no longer come, please change your answer:\n{manage_url}"
        ),
        "sms_text": _("Changed: {event_title}, now {event_time}, {event_place}."),
    }


def reminder_text() -> dict:
    return {
        "subject": _("Reminder: {event_title}, {event_time}"),
        "body_text": _(
            "Hello {name},\n\nA reminder: {event_title}\n{event_time}\n{event_place}\n\n"
            "If you can no longer come, please change your answer:\n{manage_url}"
        ),
        "sms_text": _("Reminder: {event_title}, {event_time}, {event_place}."),
    }


def organizer_message_text(subject: str, body: str) -> dict:
    """The organizer's text is data, not a template: braces are escaped for str.format."""
    safe_subject = subject.replace("{", "{{").replace("}", "}}")
    safe_body = body.replace("{", "{{").replace("}", "}}")
    return {
        "subject": safe_subject,
        "body_text": safe_body + "\n\n-- \n{event_title}, {event_time}\n{event_url}",
        "sms_text": safe_subject,
    }


def already_answered_message(resent: bool) -> str:
    if resent:
        return _(
            "This phone number or email address has already answered for this event. "
            "We have sent the personal link for that answer again to the phone number or email address "
            "it was given with: open it to change the answer."
        )
    return _(
        "This phone number or email address has already answered for this event. "
        "The personal link for that answer has already been sent to the phone number or email address "
        "it was given with: open it to change the answer."
    )


# --------------------------------------------------------------------------- one person


def notify_confirmation(rsvp: Rsvp, url: str | None = None, limited: bool = False, updated: bool = False) -> None:
    """Mail (or text) the answer just saved; ``updated``: it changed an earlier answer, and the subject says so."""
    event = rsvp.event
    if not rsvp.email and not rsvp.phone:
        return
    # From a public form: at most the daily cap of messages to one recipient (the answer is saved).
    if limited and not ratelimits.count_message(rsvp.email or rsvp.phone):
        return
    last = getattr(rsvp, "_history_id", None) or db.session.scalar(
        sa.select(sa.func.max(RsvpHistory.id)).where(RsvpHistory.rsvp_id == rsvp.id)
    )
    attachments = []
    if rsvp.status in (RsvpStatus.CONFIRMED, RsvpStatus.TENTATIVE):
        attachments.append(Attachment("su-kien.ics", "text/calendar", event_ics(event)))
    _send(
        kind="event_confirmation", topic=TOPIC, **confirmation_text(updated),
        channels=_own_channel(rsvp),
        recipients=[recipient(event, rsvp, status=status_text(rsvp), manage_url=url or manage_url(rsvp))],
        attachments=attachments,
        urgent=True,
        dedupe_key=f"event:{event.id}:confirm:rsvp:{rsvp.id}:{last or 0}",
        id_only=True,
    )


def notify_promoted(rsvp: Rsvp) -> None:
    event = rsvp.event
    if not rsvp.email and not rsvp.phone:
        return
    _send(
        kind="event_promoted", topic=TOPIC, **promoted_text(),
        channels=_own_channel(rsvp),
        recipients=[recipient(event, rsvp)],
        dedupe_key=f"event:{event.id}:promoted:rsvp:{rsvp.id}:{int(utcnow().timestamp())}",
    )


def resend_link(rsvp: Rsvp | None, limited: bool = True) -> bool:
    """Send an answer's personal link again to its contact on file; False when not sent.

    A double click within a minute sends one message; a public form (``limited``) counts it
    against the recipient's daily cap.
    """
    if rsvp is None or (not rsvp.email and not rsvp.phone):
        return False
    if limited and not ratelimits.count_message(rsvp.email or rsvp.phone):
        return False
    event = rsvp.event
    campaign = _send(
        kind="event_link", topic=TOPIC, **link_text(),
        channels=_own_channel(rsvp),
        recipients=[recipient(event, rsvp)],
        urgent=True,
        dedupe_key=f"event:{event.id}:link:rsvp:{rsvp.id}:{utcnow().strftime('%Y%m%d%H%M')}",
    )
    return campaign is not None


# --------------------------------------------------------------------------- everyone who answered


def notify_change(event: Event, change: EventChange) -> None:
    """Tell the RSVPs of one change (one campaign per change: its id is in the dedupe key)."""
    rsvps = attendees(event)
    if not rsvps:
        return
    if change.kind == ChangeKind.CANCELLED:
        reason = event.cancel_reason or ""
        _send(
            kind="event_cancelled", topic=TOPIC, **cancelled_text(),
            channels=channels_for(rsvps),
            recipients=[recipient(event, r, reason=reason) for r in rsvps],
            urgent=True,
            dedupe_key=f"event:{event.id}:cancelled",
        )
        return
    summary = "\n".join(describe_change(change))
    _send(
        kind="event_changed", topic=TOPIC, **changed_text(),
        channels=channels_for(rsvps),
        recipients=[recipient(event, r, changes=summary) for r in rsvps],
        urgent=True,
        dedupe_key=f"event:{event.id}:change:{change.id}",
    )


def message_attendees(event: Event, actor, subject: str, body: str):
    """A message from the organizer to everyone who is registered (said yes and has a place)."""
    subject = clean_line(subject)
    body = nfc(body or "").strip()
    if not subject or not body:
        raise EventError(_("Enter a subject and a message."), 422)
    if len(subject) > 200 or len(body) > 5000:
        raise EventError(_("The message is too long."), 422)
    rsvps = registered(event)
    if not rsvps:
        raise EventError(_("Nobody has said yes yet."), 409)
    return create_campaign(
        kind="event_message", topic=TOPIC, **organizer_message_text(subject, body),
        channels=channels_for(rsvps),
        recipients=[recipient(event, r) for r in rsvps],
        created_by=actor,
        dedupe_key=f"event:{event.id}:message:{int(utcnow().timestamp())}",
    )


def reminder_due_at(event: Event) -> datetime:
    """When the reminder goes out: N minutes before, or by default 08:00 local the day before."""
    if event.reminder_minutes_before:
        return event.starts_at - timedelta(minutes=event.reminder_minutes_before)
    day_before = to_local(event.starts_at).date() - timedelta(days=1)
    return datetime.combine(day_before, time(8, 0), tzinfo=local_tz()).astimezone(event.starts_at.tzinfo)


def _remind(event: Event) -> bool:
    """The reminder campaign of one event; False when it could not be created."""
    rsvps = [r for r in attendees(event) if r.status in (RsvpStatus.CONFIRMED, RsvpStatus.TENTATIVE)]
    if not rsvps:
        return True
    campaign = _send(
        kind="event_reminder", topic=TOPIC, **reminder_text(),
        channels=channels_for(rsvps),
        recipients=[recipient(event, r) for r in rsvps],
        dedupe_key=f"event:{event.id}:reminder:{int(event.starts_at.timestamp())}",
    )
    return campaign is not None


def send_due_reminders(now: datetime | None = None) -> int:
    """Create the reminder campaign of every event whose reminder time has come (never twice)."""
    now = now or utcnow()
    candidates = list(
        db.session.scalars(
            sa.select(Event).where(
                Event.status == EventStatus.PUBLISHED,
                Event.reminder_sent_at.is_(None),
                Event.starts_at > now,
                Event.starts_at <= now + timedelta(days=15),
            )
        )
    )
    sent = 0
    for event in candidates:
        if reminder_due_at(event) > now or not _remind(event):
            continue
        with transaction():
            event.reminder_sent_at = now
        sent += 1
    return sent


# --------------------------------------------------------------------------- receivers


def _on_event_changed(sender, event=None, change=None, **extra):
    """RSVPs answer the signal: everyone who said yes or maybe hears of the change."""
    if event is not None and change is not None:
        notify_change(event, change)


def _on_event_cancelled(sender, event=None, change=None, was_published=False, **extra):
    if event is not None and change is not None and was_published:
        notify_change(event, change)


def _on_rsvp_answered(sender, rsvp=None, created=True, from_public_form=False, **extra):
    if rsvp is not None:
        notify_confirmation(rsvp, limited=from_public_form, updated=not created)


def _on_rsvp_promoted(sender, rsvp=None, **extra):
    if rsvp is not None:
        notify_promoted(rsvp)


def connect_signals() -> None:
    """Called once the app is set up (the events blueprint's registration): the messages
    answer the events signals. Connecting again changes nothing."""
    event_changed.connect(_on_event_changed)
    event_cancelled.connect(_on_event_cancelled)
    rsvp_answered.connect(_on_rsvp_answered)
    rsvp_promoted.connect(_on_rsvp_promoted)
