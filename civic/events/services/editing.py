"""Writing events: create, edit (a changed time or place is logged and announced), cancel,
and the cover image."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import nh3
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup, User
from civic.core.db import announce, transaction
from civic.core.text import clean_line, nfc, slugify
from civic.core.timeutil import format_datetime, utcnow
from civic.events.models import Audience, ChangeKind, Event, EventCategory, EventChange, EventStatus
from civic.events.services.errors import EventError
from civic.events.services.seats import lock_event, promote_waitlist
from civic.events.signals import event_cancelled, event_changed
from civic.extensions import db

MAX_GUESTS_LIMIT = 20
MAX_DESCRIPTION = 20_000
MAX_CANCEL_REASON = 500
# The fields whose change after publishing is logged and sent to those who answered.
WATCHED_TIMES = ("starts_at", "ends_at")
WATCHED_PLACES = ("venue_name", "venue_address")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


def render_description(text: str) -> str:
    """Markdown (or plain text) typed by an organizer, as sanitised HTML."""
    import markdown  # defers Markdown (~3 MB) to organizers saving an event

    return sanitize_html(markdown.markdown(nfc(text or ""), extensions=["sane_lists"]))


@dataclass
class EventData:
    """Validated input for creating or editing an event (from a form or the API)."""

    title: str
    starts_at: datetime  # aware
    ends_at: datetime
    description: str = ""
    venue_name: str = ""
    venue_address: str = ""
    map_url: str | None = None
    category: str = EventCategory.OTHER.value
    audience: str = Audience.PUBLIC.value
    group_ids: list[int] = field(default_factory=list)
    capacity: int | None = None
    rsvp_deadline: datetime | None = None
    allow_guests: bool = False
    max_guests: int = 0
    questions: list[str] = field(default_factory=list)
    reminder_minutes_before: int | None = None
    status: str = EventStatus.DRAFT.value
    cover_image: str | None = None


def _check_times(data: EventData) -> None:
    if data.starts_at is None or data.ends_at is None or data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise EventError(_("Enter when the event starts and ends."))
    if data.ends_at < data.starts_at:
        raise EventError(_("The event cannot end before it starts."))
    if data.ends_at - data.starts_at > timedelta(days=31):
        raise EventError(_("An event may last at most 31 days."))
    if data.rsvp_deadline is not None and data.rsvp_deadline > data.starts_at:
        raise EventError(_("The answer deadline must be before the event starts."))
    if data.reminder_minutes_before is not None and not (0 < data.reminder_minutes_before <= 14 * 24 * 60):
        raise EventError(_("The reminder must be between 1 minute and 14 days before the event."))


def _check_choices(data: EventData) -> None:
    if data.capacity is not None and not (0 < data.capacity <= 100_000):
        raise EventError(_("The capacity must be between 1 and 100,000 people, or empty for no limit."))
    if data.category not in set(EventCategory):
        raise EventError(_("Choose a category from the list."))
    if data.audience not in set(Audience):
        raise EventError(_("Choose who may attend from the list."))
    if data.status not in {EventStatus.DRAFT, EventStatus.PUBLISHED}:
        raise EventError(_("The status must be draft or published."))
    if data.audience == Audience.GROUPS and not data.group_ids:
        raise EventError(_("Choose at least one residential group."))
    if not (0 <= (data.max_guests or 0) <= MAX_GUESTS_LIMIT):
        raise EventError(_("Guests per answer must be between 0 and %(n)s.", n=MAX_GUESTS_LIMIT))
    if data.map_url and not data.map_url.startswith(("https://", "http://")):
        raise EventError(_("The map link must start with https://"))


def validate(data: EventData) -> None:
    """Check an event's data and clean its text in place (raises EventError)."""
    data.title = clean_line(data.title)
    if not data.title or len(data.title) > 200:
        raise EventError(_("Enter a title of at most 200 characters."))
    if len(data.description or "") > MAX_DESCRIPTION:
        raise EventError(_("The description is too long."), 422)
    _check_times(data)
    _check_choices(data)
    data.venue_name = clean_line(data.venue_name)[:200]
    data.venue_address = clean_line(data.venue_address)[:300]
    data.questions = [clean_line(q)[:200] for q in (data.questions or []) if clean_line(q)][:5]
    if not data.allow_guests:
        data.max_guests = 0


def _groups(ids: list[int]) -> list[ResidentialGroup]:
    if not ids:
        return []
    if any(not 0 < i < 2**31 for i in ids):  # no such row, and too large for the database's integer
        raise EventError(_("Choose residential groups from the list."))
    groups = list(db.session.scalars(sa.select(ResidentialGroup).where(ResidentialGroup.id.in_(ids))))
    if len(groups) != len(set(ids)):
        raise EventError(_("Choose residential groups from the list."))
    return groups


def apply(event: Event, data: EventData) -> None:
    """Copy validated data onto the event (a cancelled event keeps its status)."""
    event.title = data.title
    event.slug = slugify(data.title, max_length=100) or "su-kien"
    event.description_source = nfc(data.description or "")
    event.description_html = render_description(data.description)
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.venue_name = data.venue_name
    event.venue_address = data.venue_address
    event.map_url = data.map_url or None
    event.category = data.category
    event.audience = data.audience
    event.groups = _groups(data.group_ids) if data.audience == Audience.GROUPS else []
    event.capacity = data.capacity
    event.rsvp_deadline = data.rsvp_deadline
    event.allow_guests = bool(data.allow_guests)
    event.max_guests = data.max_guests if data.allow_guests else 0
    event.questions = data.questions
    event.reminder_minutes_before = data.reminder_minutes_before
    if data.cover_image:
        event.cover_image = data.cover_image
    if event.status != EventStatus.CANCELLED:
        event.status = data.status


def data_of(event: Event) -> EventData:
    """What ``event`` holds, as EventData: where a partial edit (the API's PATCH) starts from
    (a cancelled event reads as published, as on its edit form)."""
    return EventData(
        title=event.title, starts_at=event.starts_at, ends_at=event.ends_at,
        description=event.description_source or "", venue_name=event.venue_name or "",
        venue_address=event.venue_address or "", map_url=event.map_url, category=event.category,
        audience=event.audience, group_ids=[g.id for g in event.groups], capacity=event.capacity,
        rsvp_deadline=event.rsvp_deadline, allow_guests=bool(event.allow_guests), max_guests=event.max_guests or 0,
        questions=list(event.questions or []), reminder_minutes_before=event.reminder_minutes_before,
        status=event.status if event.status != EventStatus.CANCELLED else EventStatus.PUBLISHED.value,
    )


def create_event(organizer: User | None, data: EventData) -> Event:
    validate(data)
    with transaction():
        event = Event(organizer=organizer)
        apply(event, data)
        db.session.add(event)
    return event


def _watched(event: Event) -> dict:
    return {key: getattr(event, key) for key in (*WATCHED_TIMES, *WATCHED_PLACES)}


def _changed(before: dict, event: Event) -> dict[str, list]:
    """The watched fields that differ, as display values ``[old, new]``."""
    changes: dict[str, list] = {}
    for key in WATCHED_TIMES:
        if before[key] != getattr(event, key):
            changes[key] = [format_datetime(before[key]), format_datetime(getattr(event, key))]
    for key in WATCHED_PLACES:
        if before[key] != getattr(event, key):
            changes[key] = [before[key], getattr(event, key)]
    return changes


def _change_kind(changes: dict) -> ChangeKind:
    timed = any(key in changes for key in WATCHED_TIMES)
    placed = any(key in changes for key in WATCHED_PLACES)
    if timed and placed:
        return ChangeKind.TIME_PLACE
    return ChangeKind.TIME if timed else ChangeKind.PLACE


def _log_change(event: Event, actor: User | None, changes: dict) -> EventChange:
    change = EventChange(event_id=event.id, actor_id=actor.id if actor else None,
                         kind=_change_kind(changes).value, detail=changes)
    db.session.add(change)
    if "starts_at" in changes:
        event.reminder_sent_at = None  # the reminder follows the new start
    return change


def update_event(event: Event, actor: User | None, data: EventData) -> Event:
    """Save edits; a changed time or place of a published event is logged and announced
    (``event_changed``), and seats a larger capacity frees go to the waiting list."""
    if event.is_cancelled:
        raise EventError(_("A cancelled event cannot be edited."), 409)
    validate(data)
    with transaction():
        lock_event(event.id)
        before = _watched(event)
        was_published = event.status == EventStatus.PUBLISHED
        old_capacity = event.capacity
        apply(event, data)
        changes = _changed(before, event)
        if was_published and changes:
            change = _log_change(event, actor, changes)
            db.session.flush()
            announce(event_changed, event=event, change=change)
        if event.capacity is None or (old_capacity is not None and event.capacity > old_capacity):
            promote_waitlist(event)
    return event


def cancel_event(event: Event, actor: User | None, reason: str = "") -> Event:
    """Cancel for good; announced (``event_cancelled``) to those who answered and to invitations."""
    if event.is_cancelled:
        raise EventError(_("This event is already cancelled."), 409)
    reason = clean_line(reason or "")
    if len(reason) > MAX_CANCEL_REASON:
        raise EventError(_("The reason may be at most %(n)s characters.", n=MAX_CANCEL_REASON), 422)
    with transaction():
        lock_event(event.id)
        was_published = event.status == EventStatus.PUBLISHED
        event.status = EventStatus.CANCELLED
        event.cancelled_at = utcnow()
        event.cancel_reason = reason or None
        change = EventChange(event_id=event.id, actor_id=actor.id if actor else None,
                             kind=ChangeKind.CANCELLED.value, detail={"reason": event.cancel_reason})
        db.session.add(change)
        announce(event_cancelled, event=event, change=change, was_published=was_published)
    return event


def description_source(event: Event) -> str:
    return event.description_source or ""


def cover_dir() -> str:
    path = Path(current_app.config["CIVIC_DATA_DIR"]) / "uploads" / "events"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def save_cover(file_storage) -> str:
    """Re-encode an uploaded cover image (strips metadata, caps the size); returns its file name."""
    from PIL import Image, UnidentifiedImageError  # defers Pillow to organizers uploading a cover

    limit = current_app.config.get("CIVIC_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
    data = file_storage.read(limit + 1)
    if len(data) > limit:
        raise EventError(_("The image is too large."), 413)
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if img.width * img.height > 40_000_000:
                raise EventError(_("The image is too large."), 413)
            img = img.convert("RGB")
            img.thumbnail((1600, 1600))
            name = f"{secrets.token_hex(12)}.jpg"
            img.save(Path(cover_dir()) / name, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise EventError(_("This file is not an image we can use (JPEG, PNG or WebP)."), 415) from exc
    return name
