"""Plain copies of what the event page shows, kept per process by civic.core.refcache.

An EventPage holds the event's columns, its groups, its organizer's name and its change log (no
ORM object, so a copy outlives its session) under the "events" scope, which every change to an
event, its change log or a residential group bumps. What changes with each answer (seats left,
the visitor's own answer) is never copied: the page reads it on every render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from civic.accounts.models import ResidentialGroup, User
from civic.core import pagecache, refcache
from civic.events.models import EventChange, EventState
from civic.events.services.queries import PAGE_SCOPES, event_id_of, get_event
from civic.extensions import db


def _renamed_organizer(user: User) -> tuple[str, ...]:
    """An event page shows its organizer's name: a rename (or a removal) is a change to events.
    A new account organizes nothing yet, and a sign-in changes no name."""
    state = sa.inspect(user)
    session = state.session
    if session is not None and user in session.new:
        return ()
    if state.deleted or state.was_deleted or state.attrs.full_name.history.has_changes():
        return PAGE_SCOPES
    return ()


pagecache.watch(User, scopes=_renamed_organizer)


@dataclass(frozen=True, slots=True)
class GroupCopy:
    """What forms and lists read of a residential group (accounts.group_key reads number and name)."""

    id: int
    name: str
    number: int | None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class OrganizerCopy:
    id: int
    full_name: str


@dataclass(frozen=True, slots=True)
class ChangeCopy:
    created_at: datetime
    detail: dict  # services.describe_change reads it; never mutated


@dataclass(frozen=True, slots=True)
class EventPage(EventState):
    """An Event's columns as the event page and its services (check_open, share_tags, the ics
    links, can_view_event) read them."""

    id: int
    title: str
    slug: str
    description_html: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    map_url: str | None
    organizer_id: int | None
    category: str
    cover_image: str | None
    audience: str
    capacity: int | None
    rsvp_deadline: datetime | None
    allow_guests: bool
    max_guests: int
    questions: tuple
    status: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    organizer: OrganizerCopy | None
    groups: tuple[GroupCopy, ...]
    changes: tuple[ChangeCopy, ...]  # newest first, as services.change_log


def group_copy(group: ResidentialGroup) -> GroupCopy:
    return GroupCopy(group.id, group.name, group.number)


def _groups() -> tuple[GroupCopy, ...]:
    groups = sorted(db.session.scalars(sa.select(ResidentialGroup)), key=lambda g: g.sort_key)
    return tuple(group_copy(g) for g in groups)


def group_copies() -> tuple[GroupCopy, ...]:
    """Every residential group in ward order (services.list_groups), read again after a change."""
    return refcache.copy("events.groups", PAGE_SCOPES, _groups)


def _event_page(event_id: int) -> EventPage | None:
    event = get_event(event_id)
    if event is None:
        return None
    changes = db.session.scalars(
        sa.select(EventChange).where(EventChange.event_id == event.id).order_by(EventChange.created_at.desc())
    )
    organizer = event.organizer
    return EventPage(
        id=event.id, title=event.title, slug=event.slug, description_html=event.description_html or "",
        starts_at=event.starts_at, ends_at=event.ends_at, venue_name=event.venue_name or "",
        venue_address=event.venue_address or "", map_url=event.map_url, organizer_id=event.organizer_id,
        category=event.category, cover_image=event.cover_image, audience=event.audience,
        capacity=event.capacity, rsvp_deadline=event.rsvp_deadline, allow_guests=bool(event.allow_guests),
        max_guests=event.max_guests or 0, questions=tuple(event.questions or ()), status=event.status,
        cancelled_at=event.cancelled_at, cancel_reason=event.cancel_reason,
        organizer=OrganizerCopy(organizer.id, organizer.full_name) if organizer is not None else None,
        groups=tuple(group_copy(g) for g in event.groups),
        changes=tuple(ChangeCopy(c.created_at, dict(c.detail or {})) for c in changes),
    )


def event_page(event_id) -> EventPage | None:
    """The event as its page shows it (None when there is none), read again after a change to
    events. Who may see it is still the caller's check (access.viewable_page)."""
    event_id = event_id_of(event_id)
    if event_id is None:
        return None
    return refcache.copy("events.page", PAGE_SCOPES, lambda: _event_page(event_id), key=(event_id,), keep=512)
