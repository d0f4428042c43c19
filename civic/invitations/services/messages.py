"""Every e-mail and SMS text the invitations domain sends, in one place (snapshot-tested in
tests/invitations/test_message_snapshots.py). Texts are ``str.format`` templates filled per
recipient by the notification engine; the gettext call picks the language at send time."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from civic.invitations.models import SendKind


@dataclass(frozen=True)
class Message:
    kind: str  # the campaign's kind
    subject: str
    body: str
    sms: str


def invitation_message(kind: str) -> Message:
    """``kind``: "invitation", "reminder" or "resend" (a resend is the invitation again).
    Placeholders: name, event_title, event_time, event_place, answer_url."""
    if kind == SendKind.REMINDER:
        subject = _("Reminder: {event_title}")
        body = _("Dear {name},\n\nA reminder about {event_title}.\nTime: {event_time}\nPlace: {event_place}\n\n"
                 "Your answer, or a change of it:\n{answer_url}\n")
    else:
        subject = _("Invitation: {event_title}")
        body = _("Dear {name},\n\nYou are invited to {event_title}.\nTime: {event_time}\nPlace: {event_place}\n\n"
                 "Please tell us whether you will attend, decline or send a substitute:\n{answer_url}\n")
    sms = _("Invitation: {event_title}, {event_time}. Answer: {answer_url}")
    return Message(kind=f"invitation_{kind}", subject=subject, body=body, sms=sms)


def change_notice() -> Message:
    """The meeting moved (time and/or place). Placeholders: name, event_title, changes (one line
    per change), changes_short, event_time, event_place, substitute_note, answer_url."""
    return Message(
        kind="invitation_change",
        subject=_("Changed: {event_title}"),
        body=_("Dear {name},\n\nThe meeting you are invited to, {event_title}, has changed:\n{changes}\n\n"
               "Now: {event_time}, {event_place}.\n{substitute_note}\n\n"
               "Your invitation, where you can also change your answer:\n{answer_url}\n"),
        sms=_("Changed: {event_title}. {changes_short}. Your invitation: {answer_url}"),
    )


def cancellation_notice() -> Message:
    """The meeting is cancelled. Placeholders: name, event_title, event_time, event_place, reason,
    substitute_note, answer_url."""
    return Message(
        kind="invitation_cancelled",
        subject=_("Cancelled: {event_title}"),
        body=_("Dear {name},\n\nWe are sorry: the meeting you were invited to, {event_title} ({event_time}, "
               "{event_place}), has been cancelled.\n{reason}\n{substitute_note}\n\nYour invitation:\n{answer_url}\n"),
        sms=_("Cancelled: {event_title}, {event_time}. {reason}"),
    )


def substitute_note(substitute_name: str) -> str:
    """The line a notice adds for an invitee who sends someone in their place."""
    return _("Please pass this on to %(name)s, who attends in your place.", name=substitute_name)
