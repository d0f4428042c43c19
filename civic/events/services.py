"""Event rules: publishing, RSVPs with capacity and a waiting list, change notifications."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from civic.core.permissions import is_admin
from civic.core.timeutil import utcnow
from civic.events.models import Event, EventStatus
from civic.extensions import db


def get_event(event_id) -> Event | None:
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(Event, event_id)


def can_manage_event(user, event: Event) -> bool:
    """The event's organizer, or an admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_admin(user) or (event.organizer_id is not None and event.organizer_id == user.id)


def upcoming_events(limit: int = 5) -> list[Event]:
    """Published public or tổ-dân-phố events that have not ended, soonest first."""
    stmt = (
        sa.select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow(), Event.audience != "invite_only")
        .options(selectinload(Event.groups))
        .order_by(Event.starts_at)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
