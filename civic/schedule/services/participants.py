"""Participants: who they are (through posts, groups, units, named contacts), inviting them
through the invitations domain, and telling them when their item moves or is cancelled.

Each invited item is carried by an invite-only event (made on publishing), so answers
(attend, decline, substitute), check-in, the sign-in sheet and the report are the
invitations domain's own. The schedule sends the messages itself so that one invitee hears
ONCE per publication or revision, with every item of theirs listed."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from civic.core.db import transaction
from civic.core.text import fold
from civic.core.timeutil import format_datetime, utcnow
from civic.events.models import Event, EventChange
from civic.events.services import EventData, create_event, get_event
from civic.extensions import db
from civic.invitations import services as inv
from civic.invitations.models import Contact, Invitation
from civic.notifications.services import Recipient, create_campaign
from civic.schedule.models import ScheduleItem, ScheduleWeek
from civic.schedule.services import messages as msg
from civic.schedule.services.labels import day_heading, time_text
from civic.schedule.signals import week_revised


def _unit_contacts(name: str) -> list[int]:
    return list(db.session.scalars(sa.select(Contact.id).where(sa.func.lower(Contact.unit) == name.lower()))) or [
        c.id for c in db.session.scalars(sa.select(Contact).where(Contact.unit != "")) if fold(c.unit) == fold(name)]


def contact_ids_of(rows) -> set[int]:
    """The directory contacts the participants stand for today (a post: its current holder)."""
    ids: set[int] = set()
    for p in rows:
        if p.kind == "post":
            post = p.post or inv.get_post(p.post_id)
            holding = inv.current_holding(post) if post else None
            if holding:
                ids.add(holding.contact_id)
        elif p.kind == "group":
            group = p.group or inv.get_contact_group(p.group_id)
            if group:
                ids.update(c.id for c, _why in inv.group_members(group))
        elif p.kind == "contact" and p.contact_id:
            ids.add(p.contact_id)
        elif p.kind == "unit":
            ids.update(_unit_contacts(p.text))
    return ids


def invited_contact_ids(item: ScheduleItem) -> set[int]:
    if item.event_id is None:
        return set()
    return set(db.session.scalars(sa.select(Invitation.contact_id).where(
        Invitation.event_id == item.event_id, Invitation.contact_id.is_not(None))))


def invites(item: ScheduleItem) -> bool:
    """Whether publishing invites this item's participants through the portal."""
    return (not item.is_cancelled and not item.separate_letter and item.own_event_id is None
            and any(p.kind != "text" for p in item.participants))


def _event_data(item: ScheduleItem):
    return EventData(title=item.content.splitlines()[0][:200], starts_at=item.starts_at,
                     ends_at=item.ends_at or item.starts_at + timedelta(hours=2), venue_name=item.place,
                     description=item.content, audience="invite_only", status="published", category="meeting")


def ensure_event(item: ScheduleItem, user=None):
    if item.event_id:
        return get_event(item.event_id)
    with transaction():
        event = create_event(user, _event_data(item))
        item.event_id = event.id
    return event


def sync_event(item: ScheduleItem, user=None) -> None:
    """Keep the carrying event in step (inside the revision's transaction). The change is logged
    on the event; the notice is the schedule's own (one per invitee per revision)."""

    if item.event_id is None:
        return
    event = db.session.get(Event, item.event_id)
    if event is None:
        return
    if item.is_cancelled:
        event.status, event.cancelled_at, event.cancel_reason = "cancelled", utcnow(), item.cancel_reason
        db.session.add(EventChange(event_id=event.id, actor_id=getattr(user, "id", None), kind="cancelled"))
        return
    detail = {}
    ends = item.ends_at or item.starts_at + timedelta(hours=2)
    if event.starts_at != item.starts_at:
        detail["starts_at"] = [format_datetime(event.starts_at), format_datetime(item.starts_at)]
    if event.venue_name != item.place:
        detail["venue_name"] = [event.venue_name, item.place]
    event.starts_at, event.ends_at, event.venue_name = item.starts_at, ends, item.place
    event.title = item.content.splitlines()[0][:200]
    if detail:
        kind = "time_place" if len(detail) == 2 else ("time" if "starts_at" in detail else "place")
        db.session.add(EventChange(event_id=event.id, actor_id=getattr(user, "id", None), kind=kind, detail=detail))


def _add_to_event(item: ScheduleItem, event) -> None:
    rows = item.participants
    unit_ids = set()
    for p in rows:
        if p.kind == "unit":
            unit_ids.update(_unit_contacts(p.text))
    try:
        inv.add_invitees(event, post_ids=[p.post_id for p in rows if p.kind == "post"],
                         group_ids=[p.group_id for p in rows if p.kind == "group"],
                         contact_ids=sorted({p.contact_id for p in rows if p.kind == "contact"} | unit_ids))
    except inv.InvitationError:
        pass  # nobody in the directory behind these entries (a vacant post): nothing to send


def _item_line(item: ScheduleItem, answer_url: str) -> str:
    return msg.item_line(day_heading(item.day).title(), time_text(item.starts_at), item.content.splitlines()[0],
                         item.place, answer_url)


def week_title(week: ScheduleWeek) -> str:
    return msg.week_title(week.iso_week, week.monday, week.sunday)


def invite(week: ScheduleWeek, items, user=None, number: int = 0) -> int:
    """Invite the participants of ``items`` not yet sent anything: one message per person,
    listing each of their items with its own answer link. Returns the number of people."""

    if not week.replaces_letters:
        return 0
    per_contact: dict[int, list[tuple[ScheduleItem, Invitation]]] = defaultdict(list)
    for item in sorted([i for i in items if invites(i)], key=lambda i: i.starts_at):
        event = ensure_event(item, user)
        _add_to_event(item, event)
        for invitation in db.session.scalars(sa.select(Invitation).where(
                Invitation.event_id == event.id, Invitation.sent_at.is_(None), Invitation.is_walk_in.is_(False))):
            if invitation.contact_id and (invitation.email or invitation.phone):
                per_contact[invitation.contact_id].append((item, invitation))
    if not per_contact:
        return 0
    by_channel: dict[str, list] = {"email": [], "sms": []}
    for contact_id, pairs in per_contact.items():
        first = pairs[0][1]
        lines = "\n".join(_item_line(item, inv.respond_url(i)) for item, i in pairs)
        channel = "email" if first.email else "sms"
        by_channel[channel].append(Recipient(
            key=f"schedule-contact:{contact_id}", name=first.full_name, email=first.email, phone=first.phone,
            context={"name": first.full_name, "week": week_title(week), "items": lines, "count": str(len(pairs))}))
    message = msg.invitation_message()
    for channel, recipients in by_channel.items():
        if recipients:
            digest = hashlib.sha256(",".join(sorted(r.key for r in recipients)).encode()).hexdigest()[:12]
            create_campaign(kind=message.kind, topic="invitations", subject=message.subject,
                            body_text=message.body, sms_text=message.sms_text if channel == "sms" else None,
                            channels=(channel,),
                            recipients=recipients, created_by=user,
                            dedupe_key=f"schedule:{week.id}:{number}:invite:{channel}:{digest}")
    now = utcnow()
    with transaction():
        for pairs in per_contact.values():
            for _item, invitation in pairs:
                invitation.sent_at = invitation.sent_at or now
    return len(per_contact)


def announce_revision(week: ScheduleWeek, number: int, changes: list[dict]) -> int:
    """Everyone invited to a moved or cancelled item (not those who declined) hears once,
    old → new for each of their items. Returns the number of people told."""

    items = {i.id: i for i in week.items}
    per_contact: dict[int, list[str]] = defaultdict(list)
    who: dict[int, object] = {}
    for change in changes:
        item = items.get(change["item_id"])
        if item is None or item.event_id is None:
            continue
        from civic.events.services import get_event

        event = get_event(item.event_id)
        if event is None:
            continue
        title = item.content.splitlines()[0]
        if change.get("cancelled"):
            text = msg.cancelled_line(title, item.cancel_reason)
        else:
            text = msg.changed_line(title, change["fields"])
        targets = [i for i in inv.list_invitations(event) if not i.is_walk_in and i.status != "decline"
                   and (i.sent_at is not None or i.status != "pending") and (i.email or i.phone)]
        for invitation in targets:
            per_contact[invitation.contact_id].append(text + "\n  " + inv.respond_url(invitation))
            who[invitation.contact_id] = invitation
    by_channel: dict[str, list] = {"email": [], "sms": []}
    for contact_id, lines in per_contact.items():
        first = who[contact_id]
        by_channel["email" if first.email else "sms"].append(Recipient(
            key=f"schedule-contact:{contact_id}", name=first.full_name, email=first.email, phone=first.phone,
            context={"name": first.full_name, "week": week_title(week), "n": str(number), "changes": "\n".join(lines)}))
    message = msg.revision_message()
    for channel, recipients in by_channel.items():
        if recipients:
            create_campaign(kind=message.kind, topic="invitations", subject=message.subject,
                            body_text=message.body, sms_text=message.sms_text if channel == "sms" else None,
                            channels=(channel,),
                            recipients=recipients, urgent=True,
                            dedupe_key=f"schedule:{week.id}:{number}:revision:{channel}")
    return len(per_contact)


def _on_week_revised(sender, week=None, number=None, changes=None, **extra):
    if week is None or not changes:
        return
    try:
        with transaction():
            announce_revision(week, number, changes)
    except Exception:  # noqa: BLE001 - the revision stays saved; the failure is logged
        current_app.logger.exception("could not tell the invitees of revision %s of week %s", number, week.id)


def connect_signals() -> None:
    week_revised.connect(_on_week_revised)
