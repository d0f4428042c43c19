"""Invitees hear when their meeting moves or is cancelled: the invitations domain answers the
events domain's signals (sent after the event's commit) with one notice per invitee.

Edits of time or place saved within one clock minute (UTC) make one notice: from the state
before the first edit of that minute to the state after its last. The notice goes out once the
minute is over (plus a short grace for commits still in flight), so two quick corrections never
send two messages and the invitee reads the final state. The campaign's dedupe key holds the
minute: a window is announced once, whoever sends it (the scheduled task or the sweep).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app

from civic.core.queue import app_task
from civic.core.timeutil import format_datetime, utcnow
from civic.events.models import Event, EventChange, EventStatus
from civic.events.services import describe_change, get_event
from civic.events.signals import event_cancelled, event_changed
from civic.extensions import db
from civic.invitations.models import Channel, Invitation, InvitationStatus
from civic.invitations.services.invites import list_invitations, respond_url
from civic.invitations.services.messages import Message, cancellation_notice, change_notice, substitute_note
from civic.notifications.models import Campaign
from civic.notifications.services import Recipient, create_campaign

CHANGE_WINDOW = timedelta(minutes=1)
CHANGE_GRACE = timedelta(seconds=10)
CHANGE_LOOKBACK = timedelta(days=1)
_CHANGE_FIELDS = ("starts_at", "ends_at", "venue_name", "venue_address")


def change_window_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def change_notice_targets(event) -> list[Invitation]:
    """Who hears of a change or a cancellation: everyone invited (sent, or answered by phone or
    on paper) who has not declined, including those who send a substitute; not walk-ins."""
    return [i for i in list_invitations(event)
            if not i.is_walk_in and i.status != InvitationStatus.DECLINE and (i.sent_at is not None or i.answered)
            and (i.email or i.phone or i.substitute_phone)]


def _notice_recipients(invitations, extra) -> dict[str, list]:
    by_channel: dict[str, list] = {Channel.EMAIL: [], Channel.SMS: []}
    for inv in invitations:
        note = substitute_note(inv.substitute_name) if inv.sends_substitute and inv.substitute_name else ""
        ctx = {**extra, "name": inv.full_name, "answer_url": respond_url(inv), "substitute_note": note}
        if inv.email or inv.phone:
            channel = Channel.EMAIL if inv.email else Channel.SMS
            by_channel[channel].append(Recipient(key=f"invitation:{inv.id}", name=inv.full_name, email=inv.email,
                                                 phone=inv.phone, context=ctx))
        if inv.sends_substitute and inv.substitute_phone and inv.substitute_phone != inv.phone:
            # The person sent in their place hears it too, on their own phone (same invitation link).
            by_channel[Channel.SMS].append(Recipient(
                key=f"invitation:{inv.id}:substitute", name=inv.substitute_name, phone=inv.substitute_phone,
                context={**ctx, "name": inv.substitute_name, "substitute_note": ""}))
    return by_channel


def _send_notice(event, message: Message, targets, extra: dict, dedupe_prefix: str) -> int:
    """One urgent campaign per channel, from the organizer; returns how many people it reaches."""
    reached = 0
    for channel, recipients in _notice_recipients(targets, extra).items():
        if recipients:
            create_campaign(
                kind=message.kind, topic="invitations", subject=message.subject, body_text=message.body,
                sms_text=message.sms if channel == Channel.SMS else None, channels=(channel.value,), recipients=recipients,
                urgent=True, created_by=event.organizer, dedupe_key=f"{dedupe_prefix}:{channel}")
            reached += len(recipients)
    return reached


def _changes_since(event, window_start: datetime) -> list[EventChange]:
    return list(db.session.scalars(
        sa.select(EventChange).where(EventChange.event_id == event.id, EventChange.kind != "cancelled",
                                     EventChange.created_at >= window_start)
        .order_by(EventChange.created_at, EventChange.id)))


def _net_change(changes: list[EventChange]) -> dict[str, list]:
    """{field: [before the first edit, after the last]} of the fields that differ in the end."""
    net: dict[str, list] = {}
    for change in changes:
        for key, values in (change.detail or {}).items():
            if key in _CHANGE_FIELDS and isinstance(values, list) and len(values) == 2:
                net.setdefault(key, [values[0], values[1]])[1] = values[1]
    return {key: values for key, values in net.items() if values[0] != values[1]}


def _state_at_window_end(event, later: list[EventChange]) -> dict[str, str]:
    """The state at the end of the window: now, with any later edits undone."""
    state = {"starts_at": format_datetime(event.starts_at), "venue_name": event.venue_name,
             "venue_address": event.venue_address}
    for change in reversed(later):
        for key, values in (change.detail or {}).items():
            if key in state and isinstance(values, list) and len(values) == 2:
                state[key] = values[0]
    return state


def _already_announced(stamp: str) -> bool:
    return db.session.scalar(sa.select(Campaign.id).where(Campaign.dedupe_key.startswith(stamp + ":")).limit(1)) is not None


def announce_change_window(event, window_start: datetime, now: datetime | None = None) -> int:
    """One notice per invitee for the time/place edits saved in the minute from ``window_start``;
    returns how many people it reaches (0 when cancelled, already sent or nothing changed in net)."""
    window_start = change_window_start(window_start)
    stamp = f"invitations:{event.id}:change:{window_start:%Y%m%d%H%M}"
    if (now or utcnow()) < window_start + CHANGE_WINDOW + CHANGE_GRACE:
        return 0  # run early (clock skew): edits may still come; the sweep sends it later
    if event.status == EventStatus.CANCELLED or _already_announced(stamp):
        return 0
    rows = _changes_since(event, window_start)
    window_end = window_start + CHANGE_WINDOW
    net = _net_change([c for c in rows if c.created_at < window_end])
    targets = change_notice_targets(event) if net else []
    if not targets:
        return 0
    state = _state_at_window_end(event, [c for c in rows if c.created_at >= window_end])
    lines = describe_change(SimpleNamespace(detail={k: net[k] for k in _CHANGE_FIELDS if k in net}))
    extra = {"event_title": event.title, "event_time": state["starts_at"],
             "event_place": ", ".join(p for p in (state["venue_name"], state["venue_address"]) if p) or "-",
             "changes": "\n".join(lines), "changes_short": "; ".join(lines)}
    return _send_notice(event, change_notice(), targets, extra, stamp)


def announce_due_changes(now: datetime | None = None) -> int:
    """Announce every finished change window of the last day that has not been announced yet
    (the worker runs it; the dedupe key makes a second run send nothing)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(EventChange.event_id, EventChange.created_at).where(
            EventChange.kind != "cancelled", EventChange.created_at >= now - CHANGE_LOOKBACK,
            EventChange.event_id.in_(sa.select(Invitation.event_id).distinct()))).all()
    windows = {(event_id, change_window_start(created)) for event_id, created in rows}
    reached = 0
    for event_id, start in sorted(windows):
        if start + CHANGE_WINDOW + CHANGE_GRACE <= now:
            reached += announce_change_window(db.session.get(Event, event_id), start, now)
    return reached


def announce_cancellation(event) -> int:
    """Everyone invited who has not declined hears once that the meeting is cancelled."""
    extra = {"event_title": event.title, "event_time": format_datetime(event.starts_at),
             "event_place": ", ".join(p for p in (event.venue_name, event.venue_address) if p) or "-",
             "reason": event.cancel_reason or ""}
    return _send_notice(event, cancellation_notice(), change_notice_targets(event), extra,
                        f"invitations:{event.id}:cancelled")


@app_task()
def announce_change_task(event_id: int, window_start: str) -> int:
    """The invitees' notice of one minute's edits of an event, sent when that minute is over."""
    event = get_event(event_id)
    return announce_change_window(event, datetime.fromisoformat(window_start)) if event is not None else 0


def _on_event_changed(sender, event=None, change=None, **extra):
    """Schedules the notice for the end of the change's minute (the periodic sweep is the net)."""
    if event is None or change is None:
        return
    try:
        start = change_window_start(change.created_at)
        delay = (start + CHANGE_WINDOW + CHANGE_GRACE - utcnow()).total_seconds()
        announce_change_task.schedule((event.id, start.isoformat()), delay=max(delay, 0))
    except Exception:  # noqa: BLE001 - the sweep sends it; the edit stays saved
        current_app.logger.exception("could not schedule the invitees' notice of event %s", event.id)


def _on_event_cancelled(sender, event=None, change=None, **extra):
    """The event's cancellation is committed: a failing notice is logged (its own campaign
    transaction rolled back) and the cancellation stays."""
    if event is None:
        return
    try:
        announce_cancellation(event)
    except Exception:  # noqa: BLE001 - a notice that fails must not fail the organizer's cancellation
        current_app.logger.exception("could not tell the invitees of event %s it is cancelled", event.id)


def connect_event_signals() -> None:
    """Called by create_app: invitations answer the events domain's announcements."""
    event_changed.connect(_on_event_changed)
    event_cancelled.connect(_on_event_cancelled)
