"""Sending invitations and reminders through the notification engine: e-mail where known,
SMS where only a phone is; the printed letter for whoever has neither."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from flask_babel import gettext as _

from civic.core.db import transaction
from civic.core.timeutil import format_datetime, utcnow
from civic.events.models import EventStatus
from civic.invitations.errors import InvitationError
from civic.invitations.models import Channel, Invitation, InvitationStatus, SendAudience, SendKind
from civic.invitations.services.invites import list_invitations, respond_url
from civic.invitations.services.messages import invitation_message
from civic.notifications.services import Recipient, create_campaign


@dataclass
class SendResult:
    email: int
    sms: int
    skipped: int


def event_context(event) -> dict:
    return {"event_title": event.title, "event_time": format_datetime(event.starts_at),
            "event_place": ", ".join(p for p in (event.venue_name, event.venue_address) if p)}


def _recipients_by_channel(event, invitations: list[Invitation]) -> tuple[dict[str, list], int]:
    """({"email": [...], "sms": [...]}, how many have neither)."""
    base = event_context(event)
    by_channel: dict[str, list] = {Channel.EMAIL: [], Channel.SMS: []}
    skipped = 0
    for inv in invitations:
        channel = Channel.EMAIL if inv.email else (Channel.SMS if inv.phone else None)
        if channel is None:
            skipped += 1
            continue
        ctx = {**base, "name": inv.full_name, "answer_url": respond_url(inv)}
        by_channel[channel].append(Recipient(key=f"invitation:{inv.id}", name=inv.full_name, email=inv.email,
                                             phone=inv.phone, context=ctx))
    return by_channel, skipped


def _mark_sent(invitations: list[Invitation], sent_ids: set[int], kind: str) -> None:
    now = utcnow()
    with transaction():
        for inv in invitations:
            if inv.id in sent_ids:
                if kind == SendKind.REMINDER:
                    inv.reminded_at = now
                else:
                    inv.sent_at = inv.sent_at or now


def send(event, invitations: list[Invitation], kind: str, user=None) -> SendResult:
    """Send invitations / reminders. ``kind``: invitation, reminder, resend."""
    if event.status == EventStatus.CANCELLED:
        raise InvitationError(_("This meeting has been cancelled."))
    by_channel, skipped = _recipients_by_channel(event, invitations)
    message = invitation_message(kind)
    stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
    for channel, recipients in by_channel.items():
        if not recipients:
            continue
        ids = ",".join(r.key for r in recipients)
        # Initial invitations are sent once per invitee set; reminders and resends on request.
        suffix = hashlib.sha256(ids.encode()).hexdigest()[:16] if kind == SendKind.INVITATION else stamp
        create_campaign(
            kind=message.kind, topic="invitations", subject=message.subject, body_text=message.body,
            sms_text=message.sms if channel == Channel.SMS else None, channels=(channel.value,), recipients=recipients,
            urgent=False, created_by=user, dedupe_key=f"invitations:{event.id}:{kind}:{channel}:{suffix}",
        )
    _mark_sent(invitations, {int(r.key.split(":")[1]) for rs in by_channel.values() for r in rs}, kind)
    return SendResult(email=len(by_channel[Channel.EMAIL]), sms=len(by_channel[Channel.SMS]), skipped=skipped)


def unsent_invitations(event) -> list[Invitation]:
    """Not sent yet and reachable (people with neither email nor phone get a printed letter)."""
    return [i for i in list_invitations(event) if i.sent_at is None and not i.is_walk_in and (i.email or i.phone)]


def send_invitations(event, user=None) -> SendResult:
    unsent = unsent_invitations(event)
    if not unsent:
        raise InvitationError(_("Everyone on the list has already been sent an invitation."))
    result = send(event, unsent, SendKind.INVITATION, user)
    # Those with neither email nor phone are counted, so the organizer knows whose letter to print.
    unreachable = sum(1 for i in list_invitations(event)
                      if i.sent_at is None and not i.is_walk_in and not (i.email or i.phone))
    return replace(result, skipped=result.skipped + unreachable)


def send_reminders(event, audience: str, user=None) -> SendResult:
    """audience: a SendAudience (no answer yet, or coming: attend or substitute)."""
    invs = [i for i in list_invitations(event) if not i.is_walk_in]
    if audience == SendAudience.PENDING:
        targets = [i for i in invs if i.status == InvitationStatus.PENDING]
    elif audience == SendAudience.ACCEPTED:
        targets = [i for i in invs if i.coming]
    else:
        raise InvitationError(_("Choose who to remind."))
    if not targets:
        raise InvitationError(_("Nobody to remind."))
    return send(event, targets, SendKind.REMINDER, user)



def send_to(event, audience: str, user=None) -> SendResult:
    """The list's send buttons: invitations to those not sent one yet, or reminders (a SendAudience)."""
    if audience == SendAudience.NEW:
        return send_invitations(event, user)
    return send_reminders(event, audience, user)
