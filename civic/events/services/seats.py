"""Seats: the event's lock and the waiting list.

Capacity is an invariant: every write that can change who holds a seat first locks the
event row (PostgreSQL ``SELECT … FOR UPDATE``; on SQLite every transaction already starts
with BEGIN IMMEDIATE, see civic.core.db), then counts, then writes, in one transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.db import announce, is_postgres
from civic.core.timeutil import utcnow
from civic.events.models import Event, Rsvp, RsvpHistory, RsvpStatus
from civic.events.services.errors import EventError
from civic.events.services.queries import confirmed_seats
from civic.events.signals import rsvp_promoted
from civic.extensions import db


def lock_event(event_id: int) -> Event:
    """Serialise seat changes of one event (row lock on PostgreSQL; SQLite's write lock is held already)."""
    stmt = sa.select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if is_postgres():
        stmt = stmt.with_for_update(of=Event)
    event = db.session.scalar(stmt)
    if event is None:
        raise EventError(_("This event does not exist."), 404)
    return event


def lock_seats(event_id: int):
    """The seat-deciding columns of the event, locked (FOR UPDATE on PostgreSQL; on SQLite the
    transaction's BEGIN IMMEDIATE holds the write lock). Only columns: no eager loads under the lock."""
    stmt = sa.select(
        Event.id, Event.status, Event.starts_at, Event.rsvp_deadline, Event.audience, Event.capacity,
        Event.allow_guests, Event.max_guests,
    ).where(Event.id == event_id)
    if is_postgres():
        stmt = stmt.with_for_update()
    row = db.session.execute(stmt).one_or_none()
    if row is None:
        raise EventError(_("This event does not exist."), 404)
    return row


def promote_waitlist(event) -> list[Rsvp]:
    """Confirm waiting answers in order while they fit (the caller holds the event's lock and
    the transaction); each one promoted is announced with ``rsvp_promoted`` after the commit."""
    waiting = list(
        db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
            .order_by(Rsvp.waitlisted_at, Rsvp.id)
        )
    )
    if not waiting:
        return []
    db.session.flush()
    taken = confirmed_seats(event.id)
    promoted = []
    now = utcnow()
    for rsvp in waiting:
        if event.capacity is not None and taken + rsvp.seats > event.capacity:
            continue
        rsvp.status = RsvpStatus.CONFIRMED
        rsvp.waitlisted_at = None
        taken += rsvp.seats
        promoted.append(rsvp)
        db.session.add(
            RsvpHistory(event_id=event.id, rsvp_id=rsvp.id, response=rsvp.response, status=rsvp.status,
                        guests=rsvp.guests, created_at=now)
        )
        announce(rsvp_promoted, rsvp=rsvp)
    return promoted
