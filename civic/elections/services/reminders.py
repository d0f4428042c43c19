"""Reminders: the schedule the offsets give each milestone, who receives them, sending them once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from civic.core.db import transaction
from civic.core.timeutil import local_to_utc, local_today, to_local, utcnow
from civic.elections.errors import ElectionError
from civic.elections.models import Channel, Election, MessageKind, Milestone, SentReminder, Subscription
from civic.elections.services import defaults, messages
from civic.elections.services.calendar import with_calendar
from civic.elections.services.common import TOPIC
from civic.extensions import db
from civic.notifications import services as engine

REMINDER_GRACE = timedelta(hours=24)


@dataclass
class ScheduledReminder:
    key: str
    milestone: Milestone
    due_at: datetime
    valid_until: datetime


def _reminder_rules() -> list[dict]:
    return list(current_app.config.get("CIVIC_ELECTION_REMINDERS") or defaults.DEFAULT_REMINDER_RULES)


def _scheduled(milestone: Milestone, rule: dict) -> ScheduledReminder:
    days = int(rule.get("days_before", 0))
    hour, minute = (int(x) for x in str(rule.get("at", "08:00")).split(":"))
    due_at = local_to_utc(datetime.combine(milestone.day - timedelta(days=days), time(hour, minute)))
    # Late is better than never (a worker was down), but not by more than a day, and
    # never once the milestone's day has passed.
    valid_until = min(
        due_at + REMINDER_GRACE,
        local_to_utc(datetime.combine(milestone.day + timedelta(days=1), time(0, 0))),
    )
    key = f"m{milestone.id}:{milestone.day.isoformat()}:-{days}d@{hour:02d}{minute:02d}"
    return ScheduledReminder(key, milestone, due_at, valid_until)


def reminder_schedule(election: Election) -> list[ScheduledReminder]:
    """Every reminder the configured offsets give this election's milestones, by due time.

    The key includes the milestone's date, so moving a milestone schedules a fresh reminder
    while one already sent for the same date is never sent again."""
    schedule = []
    for milestone in election.milestones:
        for rule in _reminder_rules():
            kinds = rule.get("milestones", "*")
            if kinds != "*" and milestone.kind not in kinds:
                continue
            schedule.append(_scheduled(milestone, rule))
    schedule.sort(key=lambda r: r.due_at)
    return schedule


def _suppressed(addresses: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(address, channel) pairs that unsubscribed from election messages (or from all) through
    the engine's one-click link: they are left out before a campaign is even created."""
    found = set()
    for channel in (Channel.EMAIL.value, Channel.SMS.value):
        wanted = [a for a, c in addresses if c == channel]
        found.update((a, channel) for a in engine.suppressed_addresses(wanted, channel, TOPIC))
    return found


def _active_addresses(subs: list[Subscription]) -> dict[int, tuple[str | None, str | None]]:
    """subscription id -> (email, phone) still to be reached: confirmed and not suppressed."""
    wanted = []
    for sub in subs:
        if sub.email_active:
            wanted.append((sub.email, Channel.EMAIL.value))
        if sub.sms_active:
            wanted.append((sub.phone, Channel.SMS.value))
    suppressed = _suppressed(wanted)
    active = {}
    for sub in subs:
        email = sub.email if sub.email_active and (sub.email, Channel.EMAIL.value) not in suppressed else None
        phone = sub.phone if sub.sms_active and (sub.phone, Channel.SMS.value) not in suppressed else None
        if email is not None or phone is not None:
            active[sub.id] = (email, phone)
    return active


def reminder_recipients(election: Election, milestone: Milestone | None = None) -> list:
    """One engine Recipient per confirmed, still-subscribed subscriber whose tổ dân phố is in
    one of the election's polling areas, with their area in the context."""
    area_by_group = {link.group_id: area for area in election.areas for link in area.links}
    if not area_by_group:
        return []
    subs = list(
        db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.unsubscribed_at.is_(None), Subscription.group_id.in_(area_by_group.keys()))
            .order_by(Subscription.id)
        )
    )
    active = _active_addresses(subs)
    shared = messages.election_context(election, milestone)
    recipients = []
    for sub in subs:
        if sub.id not in active:
            continue
        email, phone = active[sub.id]
        context = {**shared, **messages.area_context(sub.name, sub.group.name, area_by_group[sub.group_id])}
        recipients.append(
            engine.Recipient(key=f"election-sub:{sub.id}", name=sub.name or None, email=email, phone=phone, context=context)
        )
    return recipients


def send_due_reminders(now: datetime | None = None) -> list[SentReminder]:
    """Create one campaign for every reminder that is due and not created yet.

    Idempotent: a reminder is recorded in SentReminder and its campaign has a dedupe_key,
    so running this twice (or in two workers at once) never sends a reminder twice."""
    now = now or utcnow()
    today = to_local(now).date()
    elections = list(db.session.scalars(with_calendar(sa.select(Election).where(Election.polling_day >= today))))
    created = []
    for election in elections:
        done = set(db.session.scalars(sa.select(SentReminder.key).where(SentReminder.election_id == election.id)))
        for item in reminder_schedule(election):
            if item.key in done or not (item.due_at <= now < item.valid_until):
                continue
            row = _create_reminder_campaign(election, item)
            if row is not None:
                created.append(row)
    return created


def _create_reminder_campaign(election: Election, item: ScheduledReminder) -> SentReminder | None:
    """The reminder's campaign and its SentReminder row, committed together."""
    recipients = reminder_recipients(election, item.milestone)
    if not recipients:
        return None  # nobody to tell yet; a later run may find subscribers
    try:
        with transaction():
            campaign = engine.create_campaign(
                kind=MessageKind.REMINDER.value,
                topic=TOPIC,
                channels=(Channel.EMAIL.value, Channel.SMS.value),
                recipients=recipients,
                dedupe_key=f"election:{election.id}:reminder:{item.key}",
                **messages.reminder_templates(election),
            )
            row = SentReminder(
                election_id=election.id,
                milestone_id=item.milestone.id,
                key=item.key,
                due_at=item.due_at,
                campaign_id=campaign.id,
                recipients=len(recipients),
            )
            db.session.add(row)
    except engine.TemplateError:
        current_app.logger.exception("election %s reminder %s: template error", election.id, item.key)
        return None
    except sa.exc.IntegrityError:
        return None  # another worker recorded it first; its campaign is the same one
    return row


def sent_reminders(election: Election) -> list[SentReminder]:
    return list(
        db.session.scalars(
            sa.select(SentReminder).where(SentReminder.election_id == election.id).order_by(SentReminder.due_at)
        )
    )


def _sample_recipient(election: Election, name: str, email: str | None, phone: str | None, key: str):
    """The reminder's recipient as the first covered tổ dân phố would be (preview, test send)."""
    today = local_today()
    milestone = next((m for m in election.milestones if m.day >= today), None) or (
        election.milestones[-1] if election.milestones else None
    )
    area = election.areas[0] if election.areas else None
    group = area.groups[0].name if area and area.links else defaults.sample_group()
    context = {**messages.election_context(election, milestone), **messages.area_context(name, group, area)}
    return engine.Recipient(key=key, name=name, email=email, phone=phone, context=context)


def preview_reminder(election: Election) -> dict:
    """The reminder as the first covered tổ dân phố would receive it, rendered by the engine
    (its TemplateError becomes an ElectionError message on the editor's page)."""
    recipient = _sample_recipient(election, defaults.sample_name(), "cu-tri@example.vn", "+84912345678", "preview")
    try:
        return engine.check_templates(channels=(Channel.EMAIL.value, Channel.SMS.value), recipient=recipient,
                                      body_html=None, **messages.reminder_templates(election))
    except engine.TemplateError as exc:
        raise ElectionError(str(exc)) from exc


def send_test_reminder(election: Election, user):
    """Send the reminder to the signed-in editor only, through the engine (its checks apply)."""
    recipient = _sample_recipient(election, user.full_name, user.email, None, f"user:{user.id}")
    try:
        with transaction():
            return engine.create_campaign(
                kind=MessageKind.REMINDER_TEST.value,
                topic=TOPIC,
                channels=(Channel.EMAIL.value,),
                recipients=[recipient],
                created_by=user,
                transactional=True,
                **messages.reminder_templates(election),
            )
    except engine.TemplateError as exc:
        raise ElectionError(str(exc)) from exc
