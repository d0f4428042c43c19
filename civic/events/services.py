"""Event rules: publishing, RSVPs with capacity and a waiting list, change notifications.

Capacity is an invariant: every write that can change who holds a seat first locks the
event row (PostgreSQL ``SELECT … FOR UPDATE``; on SQLite every transaction already starts
with BEGIN IMMEDIATE, see civic.core.db), then counts, then writes, in one transaction.
"""

from __future__ import annotations

import calendar
import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import nh3
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import lazyload, selectinload

from civic.accounts.models import ResidentialGroup, User
from civic.core import pagecache
from civic.core.permissions import is_admin
from civic.core.phone import InvalidPhone, format_phone_local, normalize_phone
from civic.core.spreadsheets import safe_cell
from civic.core.text import clean_line, nfc, slugify
from civic.core.timeutil import format_datetime, local_to_utc, local_tz, to_local, utcnow
from civic.core.urls import absolute_url as _absolute_url
from civic.events.models import (
    Audience,
    Event,
    EventCategory,
    EventChange,
    EventStatus,
    Rsvp,
    RsvpHistory,
    RsvpResponse,
    RsvpStatus,
)
from civic.events.signals import event_cancelled, event_changed
from civic.extensions import db
from civic.privacy import services as privacy

# Page-cache scopes: the lists, calendar and event pages; "event:<id>" is one event's page
# (its seats left change with every answer, which need not refresh the other pages).
PAGE_SCOPES = ("events",)
EVENT_PAGE_SCOPES = ("events", "event:{event_id}")
pagecache.watch(Event, EventChange, ResidentialGroup, scopes=PAGE_SCOPES)
pagecache.watch(Rsvp, scopes=lambda rsvp: (f"event:{rsvp.event_id}",))

log = logging.getLogger(__name__)

MAX_GUESTS_LIMIT = 20
TOKEN_SALT = "civic.events.rsvp-manage"  # noqa: S105 - a salt, not a secret

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


class EventError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds, for 429


class AlreadyAnswered(EventError):
    """A visitor without the personal link gave a phone or email that another answer holds.

    Nothing was changed; the holder's link was sent again to the contact on file (``resent``).
    """

    def __init__(self, message: str, rsvp_id: int, resent: bool = False, own: bool = False):
        super().__init__(message, 409)
        self.rsvp_id = rsvp_id
        self.resent = resent
        self.own = own  # the answer was given from this very browser (a reload or a double click)


def category_labels() -> dict[str, str]:
    return {
        EventCategory.MEETING: _("Residential group meeting"),
        EventCategory.CLEANUP: _("Clean-up day"),
        EventCategory.HEALTH: _("Health check"),
        EventCategory.VOTERS: _("Meeting with deputies"),
        EventCategory.CULTURE: _("Culture and festivals"),
        EventCategory.OTHER: _("Other"),
    }


def audience_labels() -> dict[str, str]:
    return {
        Audience.PUBLIC: _("Everyone"),
        Audience.GROUPS: _("Residents of selected residential groups"),
        Audience.INVITE_ONLY: _("By invitation only"),
    }


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


def absolute_url(endpoint: str, **values) -> str:
    """Absolute address, also from the worker (reminders run outside any request)."""
    from flask import has_request_context

    if has_request_context():
        return _absolute_url(endpoint, **values)
    with current_app.test_request_context("/"):
        return _absolute_url(endpoint, **values)


# --------------------------------------------------------------------------- reading


def get_event(event_id) -> Event | None:
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        return None
    if event_id < 1 or event_id > 2**31 - 1:
        return None
    return db.session.get(Event, event_id)


def get_rsvp(rsvp_id: int) -> Rsvp | None:
    return db.session.get(Rsvp, rsvp_id)


def can_manage_event(user, event: Event) -> bool:
    """The event's organizer, or an admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_admin(user) or (event.organizer_id is not None and event.organizer_id == user.id)


def can_view_event(user, event: Event) -> bool:
    """Published events are visible to all; drafts only to those who manage them."""
    return event.status != EventStatus.DRAFT or can_manage_event(user, event)


def _listed():
    """Events that appear in public lists and feeds."""
    return sa.and_(Event.status != EventStatus.DRAFT, Event.audience != Audience.INVITE_ONLY)


def upcoming_events(limit: int = 5) -> list[Event]:
    """Published public or tổ-dân-phố events that have not ended, soonest first."""
    stmt = (
        sa.select(Event)
        .where(_listed(), Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow())
        .options(selectinload(Event.groups))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _filtered(stmt, category: str | None = None, group_id: int | None = None):
    if category:
        stmt = stmt.where(Event.category == category)
    if group_id:
        # An event for "everyone" concerns every tổ dân phố too.
        stmt = stmt.where(
            sa.or_(
                Event.audience == Audience.PUBLIC,
                Event.groups.any(ResidentialGroup.id == group_id),
            )
        )
    return stmt


def list_events(
    *,
    past: bool | None = False,
    category: str | None = None,
    group_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    page: int = 1,
    per_page: int = 20,
):
    """Upcoming (or past; None = both) listed events, paginated."""
    now = utcnow()
    stmt = sa.select(Event).where(_listed()).options(selectinload(Event.groups))
    if past is None:
        stmt = stmt.order_by(Event.starts_at, Event.id)
    elif past:
        stmt = stmt.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        stmt = stmt.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
    if start is not None:
        stmt = stmt.where(Event.ends_at >= start)
    if end is not None:
        stmt = stmt.where(Event.starts_at < end)
    stmt = _filtered(stmt, category, group_id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def events_between(start: datetime, end: datetime, category: str | None = None, group_id: int | None = None):
    stmt = (
        sa.select(Event)
        .where(_listed(), Event.starts_at < end, Event.ends_at > start)
        .options(selectinload(Event.groups))
        .order_by(Event.starts_at, Event.id)
    )
    return list(db.session.scalars(_filtered(stmt, category, group_id)))


@dataclass
class MonthDay:
    day: date
    in_month: bool
    is_today: bool
    events: list = field(default_factory=list)
    lunar: str = ""


def month_view(year: int, month: int, category: str | None = None, group_id: int | None = None) -> dict:
    """Weeks of days (Monday first) with their events, for the month page."""
    from civic.events.lunar import solar_to_lunar

    if not (1900 <= year <= 2199 and 1 <= month <= 12):
        raise EventError(_("This month is outside the calendar."), 404)
    cal = calendar.Calendar(firstweekday=0)
    days = list(cal.itermonthdates(year, month))
    start = local_to_utc(datetime.combine(days[0], time.min))
    end = local_to_utc(datetime.combine(days[-1] + timedelta(days=1), time.min))
    events = events_between(start, end, category, group_id)
    today = to_local(utcnow()).date()
    by_day: dict[date, list[Event]] = {}
    for event in events:
        first = to_local(event.starts_at).date()
        last = to_local(event.ends_at).date()
        current = max(first, days[0])
        while current <= min(last, days[-1]):
            by_day.setdefault(current, []).append(event)
            current += timedelta(days=1)
    weeks = []
    for i in range(0, len(days), 7):
        week = []
        for d in days[i : i + 7]:
            lunar = solar_to_lunar(d)
            week.append(
                MonthDay(
                    day=d,
                    in_month=d.month == month,
                    is_today=d == today,
                    events=by_day.get(d, []),
                    lunar=f"{lunar.day}/{lunar.month}" + ("N" if lunar.leap else ""),
                )
            )
        weeks.append(week)
    prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return {
        "year": year,
        "month": month,
        "weeks": weeks,
        "has_events": bool(events),
        "prev": prev_month,
        "next": next_month,
    }


def lunar_label(event: Event) -> str:
    from civic.events.lunar import lunar_text

    return lunar_text(to_local(event.starts_at).date())


def feed_events(category: str | None = None) -> list[Event]:
    """Public events for the iCal feeds: from 60 days ago on (cancelled ones stay, marked)."""
    stmt = (
        sa.select(Event)
        .where(
            Event.status != EventStatus.DRAFT,
            Event.audience == Audience.PUBLIC,
            Event.ends_at > utcnow() - timedelta(days=60),
        )
        .options(selectinload(Event.changes))
        .order_by(Event.starts_at)
        .limit(500)
    )
    if category:
        stmt = stmt.where(Event.category == category)
    return list(db.session.scalars(stmt))


def list_groups() -> list[ResidentialGroup]:
    groups = list(db.session.scalars(sa.select(ResidentialGroup)))
    return sorted(groups, key=lambda g: g.sort_key)


def managed_events(user) -> list[Event]:
    stmt = sa.select(Event).order_by(Event.starts_at.desc()).options(selectinload(Event.groups))
    if not is_admin(user):
        stmt = stmt.where(Event.organizer_id == user.id)
    return list(db.session.scalars(stmt))


def change_log(event: Event) -> list[EventChange]:
    return list(
        db.session.scalars(
            sa.select(EventChange).where(EventChange.event_id == event.id).order_by(EventChange.created_at.desc())
        )
    )


# --------------------------------------------------------------------------- writing events


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


def _validate(data: EventData) -> None:
    data.title = clean_line(data.title)
    if not data.title or len(data.title) > 200:
        raise EventError(_("Enter a title of at most 200 characters."))
    if data.starts_at is None or data.ends_at is None or data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise EventError(_("Enter when the event starts and ends."))
    if data.ends_at < data.starts_at:
        raise EventError(_("The event cannot end before it starts."))
    if data.ends_at - data.starts_at > timedelta(days=31):
        raise EventError(_("An event may last at most 31 days."))
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
    if data.rsvp_deadline is not None and data.rsvp_deadline > data.starts_at:
        raise EventError(_("The answer deadline must be before the event starts."))
    if data.map_url and not data.map_url.startswith(("https://", "http://")):
        raise EventError(_("The map link must start with https://"))
    if data.reminder_minutes_before is not None and not (0 < data.reminder_minutes_before <= 14 * 24 * 60):
        raise EventError(_("The reminder must be between 1 minute and 14 days before the event."))
    data.venue_name = clean_line(data.venue_name)[:200]
    data.venue_address = clean_line(data.venue_address)[:300]
    data.questions = [clean_line(q)[:200] for q in (data.questions or []) if clean_line(q)][:5]
    if not data.allow_guests:
        data.max_guests = 0


def _groups(ids: list[int]) -> list[ResidentialGroup]:
    if not ids:
        return []
    groups = list(db.session.scalars(sa.select(ResidentialGroup).where(ResidentialGroup.id.in_(ids))))
    if len(groups) != len(set(ids)):
        raise EventError(_("Choose residential groups from the list."))
    return groups


def create_event(organizer: User | None, data: EventData) -> Event:
    _validate(data)
    event = Event(organizer=organizer)
    _apply(event, data)
    db.session.add(event)
    db.session.commit()
    return event


def _apply(event: Event, data: EventData) -> None:
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


def update_event(event: Event, actor: User | None, data: EventData) -> Event:
    """Save edits; a changed time or place of a published event is logged and announced."""
    if event.is_cancelled:
        raise EventError(_("A cancelled event cannot be edited."), 409)
    _validate(data)
    _lock_event(event.id)
    before = {
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
    }
    was_published = event.status == EventStatus.PUBLISHED
    old_capacity = event.capacity
    _apply(event, data)
    changes: dict[str, list] = {}
    for key in ("starts_at", "ends_at"):
        if before[key] != getattr(event, key):
            changes[key] = [format_datetime(before[key]), format_datetime(getattr(event, key))]
    for key in ("venue_name", "venue_address"):
        if before[key] != getattr(event, key):
            changes[key] = [before[key], getattr(event, key)]
    change = None
    if was_published and changes:
        kind = "time" if ("starts_at" in changes or "ends_at" in changes) else "place"
        if kind == "time" and ("venue_name" in changes or "venue_address" in changes):
            kind = "time_place"
        change = EventChange(event_id=event.id, actor_id=actor.id if actor else None, kind=kind, detail=changes)
        db.session.add(change)
        event.reminder_sent_at = None if "starts_at" in changes else event.reminder_sent_at
    promoted = []
    if event.capacity is None or (old_capacity is not None and event.capacity > old_capacity):
        promoted = _promote_waitlist(event)
    db.session.commit()
    if change is not None:
        _announce(event_changed, event=event, change=change)
    for rsvp in promoted:
        notify_promoted(rsvp)
    return event


def cancel_event(event: Event, actor: User | None, reason: str = "") -> Event:
    if event.is_cancelled:
        raise EventError(_("This event is already cancelled."), 409)
    _lock_event(event.id)
    was_published = event.status == EventStatus.PUBLISHED
    event.status = EventStatus.CANCELLED
    event.cancelled_at = utcnow()
    event.cancel_reason = clean_line(reason)[:500] or None
    change = EventChange(
        event_id=event.id, actor_id=actor.id if actor else None, kind="cancelled", detail={"reason": event.cancel_reason}
    )
    db.session.add(change)
    db.session.commit()
    _announce(event_cancelled, event=event, change=change, was_published=was_published)
    return event


def description_source(event: Event) -> str:
    return event.description_source or ""


def cover_dir() -> str:
    from pathlib import Path

    path = Path(current_app.config["CIVIC_DATA_DIR"]) / "uploads" / "events"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def save_cover(file_storage) -> str:
    """Re-encode an uploaded cover image (strips metadata, caps the size); returns its file name."""
    import secrets
    from pathlib import Path

    from PIL import Image, UnidentifiedImageError

    data = file_storage.read(current_app.config.get("CIVIC_MAX_IMAGE_BYTES", 8 * 1024 * 1024) + 1)
    if len(data) > current_app.config.get("CIVIC_MAX_IMAGE_BYTES", 8 * 1024 * 1024):
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


# --------------------------------------------------------------------------- RSVPs


@dataclass
class RsvpResult:
    rsvp: Rsvp
    created: bool
    manage_url: str

    @property
    def status(self) -> str:
        return self.rsvp.status


def _lock_event(event_id: int) -> Event:
    """Serialise seat changes of one event (row lock on PostgreSQL; SQLite's write lock is held already)."""
    stmt = sa.select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Event)
    event = db.session.scalar(stmt)
    if event is None:
        raise EventError(_("This event does not exist."), 404)
    return event


def _confirmed_seats(event_id: int, exclude_id: int | None = None) -> int:
    stmt = sa.select(sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0)).where(
        Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.CONFIRMED
    )
    if exclude_id is not None:
        stmt = stmt.where(Rsvp.id != exclude_id)
    return int(db.session.scalar(stmt) or 0)


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - _confirmed_seats(event.id), 0)


def counts(event: Event) -> dict:
    """Answers by status, with people (guests counted) for yes answers."""
    rows = db.session.execute(
        sa.select(Rsvp.status, sa.func.count(Rsvp.id), sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0))
        .where(Rsvp.event_id == event.id)
        .group_by(Rsvp.status)
    ).all()
    result = {s.value: {"answers": 0, "people": 0} for s in RsvpStatus}
    for status, answers, people in rows:
        result[status] = {"answers": int(answers), "people": int(people)}
    return result


def check_open(event: Event, source: str = "web", response: str | None = None) -> None:
    """Raise EventError when the event takes no answers now."""
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("This event has been cancelled."), 409)
    if event.status != EventStatus.PUBLISHED:
        raise EventError(_("This event does not exist."), 404)
    now = utcnow()
    if event.starts_at <= now:
        raise EventError(_("This event has already started or taken place; answers are closed."), 409)
    # Saying "no" after the deadline is still welcome: it frees a place.
    if event.rsvp_deadline is not None and event.rsvp_deadline < now and response != RsvpResponse.NO:
        raise EventError(_("The deadline for answers has passed."), 409)
    if event.audience == Audience.INVITE_ONLY and source != "invitation":
        raise EventError(_("This event is by invitation only; please answer through your invitation."), 403)


def _normalize_email(raw: str | None) -> str | None:
    if not raw:
        return None
    from civic.accounts.services import AccountError, normalize_email

    try:
        return normalize_email(raw)
    except AccountError as exc:
        raise EventError(_("This email address is not valid."), 422) from exc


@dataclass
class Answer:
    response: str
    guests: int = 0
    name: str = ""
    phone: str | None = None
    email: str | None = None
    group_id: int | None = None
    answers: dict = field(default_factory=dict)


def _validate_answer(event: Event, user: User | None, answer: Answer) -> Answer:
    if answer.response not in set(RsvpResponse):
        raise EventError(_("Answer yes, no or maybe."), 422)
    try:
        guests = int(answer.guests or 0)
    except (TypeError, ValueError) as exc:
        raise EventError(_("The number of guests must be a whole number."), 422) from exc
    if guests < 0:
        raise EventError(_("The number of guests must be a whole number."), 422)
    _check_guests(event, guests)
    if answer.response == RsvpResponse.NO:
        guests = 0
    answer.guests = guests
    answers = answer.answers or {}
    answer.answers = {q: clean_line(str(answers.get(q, "")))[:300] for q in event.questions if answers.get(q)}
    if user is None:
        answer.name = clean_line(answer.name)[:120]
        if not answer.name:
            raise EventError(_("Enter your name."), 422)
        if answer.phone:
            try:
                answer.phone = normalize_phone(answer.phone)
            except InvalidPhone as exc:
                raise EventError(
                    _("This is not a valid Vietnamese phone number (for example 0912 345 678)."), 422
                ) from exc
        else:
            answer.phone = None
        answer.email = _normalize_email(answer.email)
        if not answer.phone and not answer.email:
            raise EventError(_("Enter a phone number or an email address so we can confirm."), 422)
    else:
        answer.name = user.full_name
        answer.phone = user.phone
        answer.email = user.email
        answer.group_id = user.residential_group_id
    if event.audience == Audience.GROUPS:
        allowed = {g.id for g in event.groups}
        if answer.group_id not in allowed:
            raise EventError(_("This event is for residents of the listed residential groups."), 403)
    elif answer.group_id is not None and user is None and db.session.get(ResidentialGroup, answer.group_id) is None:
        answer.group_id = None
    return answer


def _verified_identity(user: User) -> list:
    """Clauses matching guest answers with the account's *verified* email or phone."""
    same = []
    if user.email and user.email_verified_at is not None:
        same.append(Rsvp.email == user.email.lower())
    if user.phone and getattr(user, "phone_verified_at", None) is not None:
        same.append(Rsvp.phone == user.phone)
    return same


def _find_existing(event_id: int, user: User | None, answer: Answer) -> Rsvp | None:
    if user is not None:
        found = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == user.id))
        if found is not None:
            return found
        # A guest answer given before registering becomes theirs, but only through an email or
        # phone the account has proved: a typed-in phone must not take over someone's answer.
        same = _verified_identity(user)
        if not same:
            return None
        return db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.user_id.is_(None), sa.or_(*same))
            .order_by(Rsvp.id)
        ).first()
    clauses = []
    if answer.phone:
        clauses.append(Rsvp.phone == answer.phone)
    if answer.email:
        clauses.append(Rsvp.email == answer.email)
    return db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event_id, sa.or_(*clauses)).order_by(Rsvp.id)
    ).first()


def _identity_free(event_id: int, column, value: str, exclude_id: int | None) -> bool:
    stmt = sa.select(Rsvp.id).where(Rsvp.event_id == event_id, column == value)
    if exclude_id is not None:
        stmt = stmt.where(Rsvp.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is None


def answer_event(
    event: Event,
    answer: Answer,
    *,
    user: User | None = None,
    source: str = "web",
    rsvp: Rsvp | None = None,
    invitation_id: int | None = None,
    notify: bool = True,
    client: str | None = None,
    own_ids=(),
    consent=None,
) -> RsvpResult:
    """Record one person's answer; answering again (signed in, or through the link) updates it.

    ``rsvp`` is given when the person manages an existing answer through their link. Without
    it, a guest whose phone or email another answer already holds changes nothing: that
    answer's link is sent again to its contact on file and AlreadyAnswered (409) is raised.
    ``client`` (civic.core.ratelimits.client_key()) is given for public forms and applies
    their limits: seats per client at one event, messages per recipient per day.
    ``own_ids`` are answers this browser gave itself (kept in its signed session): matching one
    of them sends nothing again, and the caller may show that answer's page.

    The event's lock is held only for the seat decision: checks, validation and the lookup of
    an earlier answer run before it (``_prepare_answer``), the confirmation after the commit.
    """
    from sqlalchemy.exc import IntegrityError

    from civic.core.db import begin_writes

    new_guest = False
    for attempt in range(3):
        try:
            if attempt == 0:
                answer, new_guest = _prepare_answer(event, answer, user, source, rsvp, client, consent)
            begin_writes()
            # A retry (a racing insert of the same person) runs every lookup again under the lock.
            result, promoted = _answer_once(event.id, answer, user, source, rsvp, invitation_id, client,
                                            new_guest=new_guest and attempt == 0, consent=consent)
            break
        except AlreadyAnswered as exc:
            db.session.rollback()
            begin_writes()
            own = exc.rsvp_id in set(own_ids or ())
            resent = False
            if notify and not own:
                resent = resend_link(db.session.get(Rsvp, exc.rsvp_id), limited=client is not None)
            raise AlreadyAnswered(_already_answered_message(resent), exc.rsvp_id, resent, own) from None
        except IntegrityError as exc:
            log.warning("answer conflict: %s", exc)
            # Another request inserted the same person a moment ago: retry as an update.
            db.session.rollback()
            if attempt == 2:
                raise EventError(
                    _("Your answer could not be saved at the same time as another; please try again."), 409
                ) from exc
        except BaseException:
            db.session.rollback()
            raise
    if notify:
        notify_confirmation(result.rsvp, result.manage_url, limited=client is not None, updated=not result.created)
    for other in promoted:
        notify_promoted(other)
    return result


def _prepare_answer(event: Event, answer: Answer, user, source, rsvp, client, consent=None) -> tuple[Answer, bool]:
    """Everything before the lock: is the event open, is the answer valid, has this guest answered.

    Returns the cleaned answer and whether it is a new guest answer whose phone and email no
    other answer holds (then the locked section skips those lookups; if another request takes
    the same phone or email meanwhile, the unique constraints stop the insert and the retry
    looks again under the lock).
    """
    check_open(event, source, answer.response)
    answer = _validate_answer(event, user, Answer(**vars(answer)))
    if consent is None and rsvp is None and source in ("web", "api"):
        # A new answer from a form: no consent, nothing stored (the link's page changes an
        # answer already given with consent).
        raise EventError(privacy.consent_missing_message(), 422)
    if rsvp is not None or user is not None:
        return answer, False
    existing = _find_existing(event.id, None, answer)
    if existing is not None:
        # Only the link's holder changes an answer given with this phone or email.
        raise AlreadyAnswered("", existing.id)
    if client is not None:
        _check_client_limits(event, None, answer, client, True)
    return answer, True


def _lock_seats(event_id: int):
    """The seat-deciding columns of the event, locked (FOR UPDATE on PostgreSQL; on SQLite the
    transaction's BEGIN IMMEDIATE holds the write lock). Only columns: no eager loads under the lock."""
    stmt = sa.select(
        Event.id, Event.status, Event.starts_at, Event.rsvp_deadline, Event.audience, Event.capacity,
        Event.allow_guests, Event.max_guests,
    ).where(Event.id == event_id)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = db.session.execute(stmt).one_or_none()
    if row is None:
        raise EventError(_("This event does not exist."), 404)
    return row


def _check_guests(event, guests: int) -> None:
    if guests and not event.allow_guests:
        raise EventError(_("This event does not take guests; please answer for yourself only."), 422)
    if guests > event.max_guests:
        raise EventError(_("You may bring at most %(n)s guests.", n=event.max_guests), 422)


def _answer_once(event_id, answer, user, source, rsvp, invitation_id, client=None, new_guest=False, consent=None):
    """The seat decision, under the event's lock; ``answer`` was validated by ``_prepare_answer``."""
    event = _lock_seats(event_id)
    # The organizer may have closed the event or changed its rules since the unlocked read.
    check_open(event, source, answer.response)
    _check_guests(event, answer.guests)
    if new_guest:
        existing = None
    elif rsvp is not None:
        existing = db.session.get(Rsvp, rsvp.id, populate_existing=True)
        if existing is None or existing.event_id != event.id:
            raise EventError(_("This link is not valid for this event."), 403)
    else:
        existing = _find_existing(event.id, user, answer)
        if existing is not None and user is None:
            raise AlreadyAnswered("", existing.id)
    created = existing is None
    now = utcnow()
    if client is not None and not new_guest:
        _check_client_limits(event, existing, answer, client, created)
    if created:
        # Added to the session only once complete (queries below would autoflush it).
        existing = Rsvp(event_id=event.id, user_id=user.id if user else None, source=source, guests=0,
                        client_key=client)
    elif user is not None and existing.user_id is None:
        existing.user_id = user.id
    old_status = existing.status
    old_seats = existing.seats if not created else 0
    existing.name = answer.name
    # Keep the identity already on file; add what was missing unless another answer to this
    # event already holds it (one person, one answer: the unique constraints stay intact).
    # A new guest's phone and email were looked up before the lock.
    exclude = None if created else existing.id
    if not existing.phone and answer.phone and (
        new_guest or _identity_free(event.id, Rsvp.phone, answer.phone, exclude)
    ):
        existing.phone = answer.phone
    if not existing.email and answer.email and (
        new_guest or _identity_free(event.id, Rsvp.email, answer.email, exclude)
    ):
        existing.email = answer.email
    if answer.group_id is not None or created:
        existing.residential_group_id = answer.group_id
    existing.response = answer.response
    existing.guests = answer.guests
    existing.answers = answer.answers
    if invitation_id is not None:
        existing.invitation_id = invitation_id
    seats = 1 + answer.guests
    if answer.response == RsvpResponse.NO:
        existing.status = RsvpStatus.DECLINED
        existing.waitlisted_at = None
    elif answer.response == RsvpResponse.MAYBE:
        existing.status = RsvpStatus.TENTATIVE
        existing.waitlisted_at = None
    else:
        taken = _confirmed_seats(event.id, exclude_id=existing.id if not created else None)
        fits = event.capacity is None or taken + seats <= event.capacity
        if fits:
            existing.status = RsvpStatus.CONFIRMED
            existing.waitlisted_at = None
        elif old_status == RsvpStatus.CONFIRMED:
            # Keep their seat rather than silently dropping them to the waiting list.
            left = max(event.capacity - taken - 1, 0)
            raise EventError(
                _("Only %(n)s more places are left; you keep your place with your earlier number of guests.", n=left),
                409,
            )
        else:
            if old_status != RsvpStatus.WAITLISTED:
                existing.waitlisted_at = now
            existing.status = RsvpStatus.WAITLISTED
    db.session.add(existing)
    db.session.flush()
    history = RsvpHistory(
        event_id=event.id, rsvp_id=existing.id, response=existing.response, status=existing.status,
        guests=existing.guests, created_at=now,
    )
    db.session.add(history)
    if consent is not None:
        privacy.record_consent(consent, "rsvp", existing.id, "rsvp",
                               "messages_email" if existing.email else "messages_sms")
    promoted = []
    freed = old_status == RsvpStatus.CONFIRMED and (
        existing.status != RsvpStatus.CONFIRMED or existing.seats < old_seats
    )
    if freed:
        promoted = _promote_waitlist(event)
    db.session.flush()
    existing._history_id = history.id
    # What was just written is what the confirmation and the response read next: keep it
    # loaded instead of reloading the event and the answer one SELECT at a time.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    # The personal link needs only the id: built after the lock is released.
    return RsvpResult(existing, created, manage_url(existing)), promoted


def _check_client_limits(event: Event, existing: Rsvp | None, answer: Answer, client: str, created: bool) -> None:
    """Public forms: seats one client may hold at this event, and today's messages to one recipient."""
    from civic.core import ratelimits

    cap = int(ratelimits.setting("CIVIC_RSVP_SEATS_PER_CLIENT"))
    if cap > 0 and answer.response == RsvpResponse.YES:
        stmt = sa.select(sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0)).where(
            Rsvp.event_id == event.id,
            Rsvp.client_key == client,
            Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]),
        )
        if existing is not None:
            stmt = stmt.where(Rsvp.id != existing.id)
        held = int(db.session.scalar(stmt) or 0)
        if held + 1 + answer.guests > cap:
            raise EventError(
                _("Too many places have been taken for this event from your connection. "
                  "Please contact the organizer if you need more places."),
                429,
                retry_after=3600,
            )
    if created:
        address = answer.email or answer.phone
        if address and not ratelimits.recipient_allowed(address):
            raise EventError(ratelimits.recipient_limit_message(), 429,
                             retry_after=ratelimits.recipient_retry_after(address))


def _already_answered_message(resent: bool) -> str:
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


def resend_link(rsvp: Rsvp | None, limited: bool = True) -> bool:
    """Send an answer's personal link again to its contact on file; False when not sent.

    A double click within a minute sends one message; a public form (``limited``) counts it
    against the recipient's daily cap.
    """
    from civic.core import ratelimits

    if rsvp is None or (not rsvp.email and not rsvp.phone):
        return False
    address = rsvp.email or rsvp.phone
    if limited and not ratelimits.count_message(address):
        return False
    event = rsvp.event
    campaign = _send(
        kind="event_link",
        topic="events",
        subject=_("Your personal link: {event_title}"),
        body_text=_(
            "Hello {name},\n\nSomeone (perhaps you) asked again for the link to your answer to {event_title} "
            "({event_time}). To see, change or cancel your answer, open your personal link:\n{manage_url}\n\n"
            "If you did not ask for it, you can ignore this message: nothing has been changed."
        ),
        sms_text=_("{event_title}: link to your answer {manage_url}"),
        channels=("email",) if rsvp.email else ("sms",),
        recipients=[_recipient(event, rsvp)],
        urgent=True,
        dedupe_key=f"event:{event.id}:link:rsvp:{rsvp.id}:{utcnow().strftime('%Y%m%d%H%M')}",
    )
    return campaign is not None


def request_link(event: Event, phone: str | None = None, email: str | None = None, client: str | None = None) -> None:
    """"I lost my link": send it again when an answer to ``event`` has this phone or email.

    The caller answers the same whether or not one was found.
    """
    clauses = []
    if phone:
        try:
            clauses.append(Rsvp.phone == normalize_phone(phone))
        except InvalidPhone as exc:
            raise EventError(_("This is not a valid Vietnamese phone number (for example 0912 345 678)."), 422) from exc
    if email:
        clauses.append(Rsvp.email == _normalize_email(email))
    if not clauses:
        raise EventError(_("Enter a phone number or an email address so we can confirm."), 422)
    found = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, sa.or_(*clauses)).order_by(Rsvp.id)
    ).first()
    if found is not None:
        resend_link(found, limited=client is not None)


def cancel_rsvp(rsvp: Rsvp) -> RsvpResult:
    """The person no longer comes (from their link): a "no", which frees their seats."""
    event = rsvp.event
    if event.is_cancelled:
        raise EventError(_("This event has been cancelled."), 409)
    answer = Answer(
        response=RsvpResponse.NO, name=rsvp.name, phone=rsvp.phone, email=rsvp.email,
        group_id=rsvp.residential_group_id,
    )  # fmt: skip
    return answer_event(event, answer, rsvp=rsvp, user=rsvp.user)


def _promote_waitlist(event: Event) -> list[Rsvp]:
    """Confirm waiting answers in order while they fit (the event is locked by the caller)."""
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
    taken = _confirmed_seats(event.id)
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
    return promoted


def waitlist_position(rsvp: Rsvp) -> int | None:
    if rsvp.status != RsvpStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count(Rsvp.id)).where(
            Rsvp.event_id == rsvp.event_id,
            Rsvp.status == RsvpStatus.WAITLISTED,
            sa.or_(
                Rsvp.waitlisted_at < rsvp.waitlisted_at,
                sa.and_(Rsvp.waitlisted_at == rsvp.waitlisted_at, Rsvp.id < rsvp.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def user_rsvp(event: Event, user) -> Rsvp | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == user.id))


def answer_list(event: Event) -> list[Rsvp]:
    """Every answer for the organizer, in a stable order (status, then time)."""
    order = sa.case(
        {"confirmed": 0, "waitlisted": 1, "tentative": 2, "declined": 3}, value=Rsvp.status, else_=4
    )
    return list(
        db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event.id)
            # No list shows the account behind an answer: do not join users into 1,000 rows
            # (a third of the answers page's CPU); r.user still loads on access.
            .options(selectinload(Rsvp.residential_group), lazyload(Rsvp.user))
            .order_by(order, Rsvp.waitlisted_at, Rsvp.created_at, Rsvp.id)
        )
    )


# --------------------------------------------------------------------------- personal links


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def make_token(rsvp: Rsvp) -> str:
    return _serializer().dumps({"r": rsvp.id, "e": rsvp.event_id})


def manage_url(rsvp: Rsvp) -> str:
    return absolute_url("events.manage_rsvp", event_id=rsvp.event_id, token=make_token(rsvp))


def rsvp_from_token(event_id: int, token: str) -> Rsvp:
    """The answer a personal link manages; the link must be for this event."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature as exc:
        raise EventError(_("This link is not valid. Please use the link from your confirmation."), 403) from exc
    if not isinstance(data, dict) or data.get("e") != event_id or not isinstance(data.get("r"), int):
        raise EventError(_("This link is not valid for this event."), 403)
    rsvp = db.session.get(Rsvp, data["r"])
    if rsvp is None or rsvp.event_id != event_id:
        raise EventError(_("This answer no longer exists."), 404)
    if rsvp.erased_at is not None:
        # Its person's data is gone: the link no longer opens or changes it.
        raise EventError(_("The personal data of this answer has been erased. It is still counted, but can no longer be opened or changed."), 404)
    return rsvp


# --------------------------------------------------------------------------- claiming


def claim_guest_rsvps(user: User) -> int:
    """Attach answers given without an account to ``user``: only by a verified email or phone."""
    clauses = _verified_identity(user)
    if not clauses:
        return 0
    candidates = list(db.session.scalars(sa.select(Rsvp).where(Rsvp.user_id.is_(None), sa.or_(*clauses))))
    if not candidates:
        return 0
    own_events = set(db.session.scalars(sa.select(Rsvp.event_id).where(Rsvp.user_id == user.id)))
    claimed = 0
    for rsvp in candidates:
        if rsvp.event_id in own_events:
            continue  # they already answered with their account; keep that answer
        rsvp.user_id = user.id
        own_events.add(rsvp.event_id)
        claimed += 1
    db.session.commit()
    return claimed


def _on_email_verified(sender, user=None, **extra):
    if user is None:
        return
    try:
        claim_guest_rsvps(user)
    except Exception:  # noqa: BLE001 - claiming must never break verification
        db.session.rollback()
        log.exception("claiming guest answers for user %s failed", getattr(user, "id", None))


try:
    from civic.accounts.signals import email_verified, phone_verified

    email_verified.connect(_on_email_verified)
    phone_verified.connect(_on_email_verified)  # the same claim: by whatever is now verified
except ImportError:  # pragma: no cover - accounts always ships the signal
    pass


# --------------------------------------------------------------------------- notifications


def event_url(event: Event) -> str:
    return absolute_url("events.detail", event_id=event.id, slug=event.slug)


def _place(event: Event) -> str:
    return ", ".join(part for part in (event.venue_name, event.venue_address) if part)


def share_tags(event: Event) -> dict:
    """og:/twitter: tags of an event page; without a cover it shares the ward's default image."""
    import html

    text = " ".join(html.unescape(nh3.clean(event.description_html or "", tags=set())).split())
    description = " · ".join(part for part in (format_datetime(event.starts_at), _place(event)) if part)
    if text:
        description = f"{description}. {text}"
    if event.cover_image:
        image = absolute_url("events.cover", name=event.cover_image)
    else:
        image = absolute_url("static", filename="img/share-default.png")
    return {"url": event_url(event), "description": description, "image": image}


def _context(event: Event, rsvp: Rsvp | None = None, **extra) -> dict:
    ctx = {
        "event_title": event.title,
        "event_time": format_datetime(event.starts_at),
        "event_place": _place(event) or "-",
        "event_url": event_url(event),
    }
    if rsvp is not None:
        ctx["name"] = rsvp.name
        if "manage_url" not in extra:
            ctx["manage_url"] = manage_url(rsvp)
    ctx.update(extra)
    return ctx


def _recipient(event: Event, rsvp: Rsvp, **extra):
    from civic.notifications.services import Recipient

    return Recipient(
        key=f"rsvp:{rsvp.id}",
        name=rsvp.name,
        email=rsvp.email,
        phone=rsvp.phone,
        context=_context(event, rsvp, **extra),
    )


def _send(**kwargs):
    """create_campaign, but a mail problem never undoes an answer that is already saved."""
    try:
        from civic.notifications.services import create_campaign
    except ImportError:  # the notifications domain is not there yet
        log.warning("notifications engine missing; %s not sent", kwargs.get("kind"))
        return None
    try:
        return create_campaign(**kwargs)
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("could not create %s campaign", kwargs.get("kind"))
        return None


def _status_text(rsvp: Rsvp) -> str:
    return {
        RsvpStatus.CONFIRMED: _("You are registered (%(n)s people).", n=rsvp.seats),
        RsvpStatus.WAITLISTED: _("The event is full; you are on the waiting list. We will write if a place frees up."),
        RsvpStatus.TENTATIVE: _("You answered maybe."),
        RsvpStatus.DECLINED: _("You answered that you will not come."),
    }.get(rsvp.status, "")


def notify_confirmation(rsvp: Rsvp, url: str | None = None, limited: bool = False, updated: bool = False) -> None:
    """Mail (or text) the answer just saved; ``updated``: it changed an earlier answer, and the subject says so."""
    from civic.core import ratelimits
    from civic.events.ics import event_ics
    from civic.notifications.services import Attachment

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
        kind="event_confirmation",
        topic="events",
        subject=_("Your answer was updated: {event_title}") if updated else _("Your answer: {event_title}"),
        body_text=_(
            "Hello {name},\n\n{status}\n\n{event_title}\n{event_time}\n{event_place}\n\n"
            "To change or cancel your answer, open your personal link:\n{manage_url}\n\nEvent page: {event_url}"
        ),
        sms_text=_("{event_title}, {event_time}: {status} {manage_url}"),
        channels=("email",) if rsvp.email else ("sms",),
        recipients=[_recipient(event, rsvp, status=_status_text(rsvp), manage_url=url or manage_url(rsvp))],
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
        kind="event_promoted",
        topic="events",
        subject=_("A place is free for you: {event_title}"),
        body_text=_(
            "Hello {name},\n\nA place has freed up and you are now registered for {event_title} "
            "({event_time}, {event_place}).\n\nIf you can no longer come, please cancel here so someone else "
            "can have the place:\n{manage_url}"
        ),
        sms_text=_("A place is free for you: {event_title}, {event_time}. {manage_url}"),
        channels=("email",) if rsvp.email else ("sms",),
        recipients=[_recipient(event, rsvp)],
        dedupe_key=f"event:{event.id}:promoted:rsvp:{rsvp.id}:{int(utcnow().timestamp())}",
    )


def _attendees(event: Event) -> list[Rsvp]:
    """Everyone who said yes (confirmed or waiting) or maybe."""
    return list(
        db.session.scalars(
            sa.select(Rsvp).where(
                Rsvp.event_id == event.id,
                Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.TENTATIVE]),
            )
        )
    )


def _channels_for(rsvps: list[Rsvp]) -> tuple:
    return ("email", "sms") if any(r.phone and not r.email for r in rsvps) else ("email",)


def describe_change(change: EventChange) -> list[str]:
    labels = {
        "starts_at": _("Starts"),
        "ends_at": _("Ends"),
        "venue_name": _("Place"),
        "venue_address": _("Street address"),
    }
    lines = []
    for key, values in (change.detail or {}).items():
        if key in labels and isinstance(values, list) and len(values) == 2:
            lines.append(_("%(what)s: %(old)s → %(new)s", what=labels[key], old=values[0] or "-", new=values[1] or "-"))
    return lines


def _announce(signal, **kwargs) -> None:
    """Send an events signal after the commit; receivers guard themselves, but a broken one
    must still never undo or fail the organizer's saved edit."""
    try:
        signal.send(current_app._get_current_object(), **kwargs)
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("a receiver of %s failed", signal.name)


def _on_event_changed(sender, event=None, change=None, **extra):
    """RSVPs answer the signal: everyone who said yes or maybe hears of the change."""
    if event is not None and change is not None:
        notify_change(event, change)


def _on_event_cancelled(sender, event=None, change=None, was_published=False, **extra):
    if event is not None and change is not None and was_published:
        notify_change(event, change)


event_changed.connect(_on_event_changed)
event_cancelled.connect(_on_event_cancelled)


def notify_change(event: Event, change: EventChange) -> None:
    """Tell the RSVPs of one change (one campaign per change: its id is in the dedupe key)."""
    rsvps = _attendees(event)
    if not rsvps:
        return
    if change.kind == "cancelled":
        reason = event.cancel_reason or ""
        _send(
            kind="event_cancelled",
            topic="events",
            subject=_("Cancelled: {event_title}"),
            body_text=_(
                "Hello {name},\n\nWe are sorry: {event_title} ({event_time}) has been cancelled.\n{reason}\n\n{event_url}"
            ),
            sms_text=_("Cancelled: {event_title}, {event_time}."),
            channels=_channels_for(rsvps),
            recipients=[_recipient(event, r, reason=reason) for r in rsvps],
            urgent=True,
            dedupe_key=f"event:{event.id}:cancelled",
        )
        return
    summary = "\n".join(describe_change(change))
    _send(
        kind="event_changed",
        topic="events",
        subject=_("Changed: {event_title}"),
        body_text=_(
            "Hello {name},\n\n{event_title} has changed:\n{changes}\n\nNow: {event_time}, {event_place}.\n\n"
            "If you can no longer come, please change your answer:\n{manage_url}"
        ),
        sms_text=_("Changed: {event_title}, now {event_time}, {event_place}."),
        channels=_channels_for(rsvps),
        recipients=[_recipient(event, r, changes=summary) for r in rsvps],
        urgent=True,
        dedupe_key=f"event:{event.id}:change:{change.id}",
    )


def message_attendees(event: Event, actor: User | None, subject: str, body: str):
    """A message from the organizer to everyone who is registered (said yes and has a place)."""
    subject = clean_line(subject)
    body = nfc(body or "").strip()
    if not subject or not body:
        raise EventError(_("Enter a subject and a message."), 422)
    if len(subject) > 200 or len(body) > 5000:
        raise EventError(_("The message is too long."), 422)
    rsvps = list(
        db.session.scalars(sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED))
    )
    if not rsvps:
        raise EventError(_("Nobody has said yes yet."), 409)
    # The organizer's text is data, not a template: escape braces for str.format.
    safe_subject = subject.replace("{", "{{").replace("}", "}}")
    safe_body = body.replace("{", "{{").replace("}", "}}")
    from civic.notifications.services import create_campaign

    return create_campaign(
        kind="event_message",
        topic="events",
        subject=safe_subject,
        body_text=safe_body + "\n\n-- \n{event_title}, {event_time}\n{event_url}",
        sms_text=safe_subject,
        channels=_channels_for(rsvps),
        recipients=[_recipient(event, r) for r in rsvps],
        created_by=actor,
        dedupe_key=f"event:{event.id}:message:{int(utcnow().timestamp())}",
    )


def reminder_due_at(event: Event) -> datetime:
    """When the reminder goes out: N minutes before, or by default 08:00 local the day before."""
    if event.reminder_minutes_before:
        return event.starts_at - timedelta(minutes=event.reminder_minutes_before)
    day_before = to_local(event.starts_at).date() - timedelta(days=1)
    return datetime.combine(day_before, time(8, 0), tzinfo=local_tz()).astimezone(event.starts_at.tzinfo)


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
        if reminder_due_at(event) > now:
            continue
        rsvps = [
            r for r in _attendees(event) if r.status in (RsvpStatus.CONFIRMED, RsvpStatus.TENTATIVE)
        ]
        if rsvps:
            campaign = _send(
                kind="event_reminder",
                topic="events",
                subject=_("Reminder: {event_title}, {event_time}"),
                body_text=_(
                    "Hello {name},\n\nA reminder: {event_title}\n{event_time}\n{event_place}\n\n"
                    "If you can no longer come, please change your answer:\n{manage_url}"
                ),
                sms_text=_("Reminder: {event_title}, {event_time}, {event_place}."),
                channels=_channels_for(rsvps),
                recipients=[_recipient(event, r) for r in rsvps],
                dedupe_key=f"event:{event.id}:reminder:{int(event.starts_at.timestamp())}",
            )
            if campaign is None:
                continue
        event.reminder_sent_at = now
        db.session.commit()
        sent += 1
    return sent


# --------------------------------------------------------------------------- exports and chart


def export_headers() -> list[str]:
    return [
        _("Row number"), _("Full name"), _("Phone"), _("Email"), _("Residential group"), _("Answer"),
        _("Status"), _("Guests"), _("People"), _("Answered at"), _("Notes"),
    ]  # fmt: skip


def status_labels() -> dict[str, str]:
    return {
        RsvpStatus.CONFIRMED: _("Attending"),
        RsvpStatus.WAITLISTED: _("Waiting list"),
        RsvpStatus.TENTATIVE: _("Maybe"),
        RsvpStatus.DECLINED: _("Not coming"),
    }


def response_labels() -> dict[str, str]:
    return {RsvpResponse.YES: _("Yes"), RsvpResponse.NO: _("No"), RsvpResponse.MAYBE: _("Maybe")}


def export_rows(event: Event) -> list[list]:
    statuses = status_labels()
    responses = response_labels()
    rows = []
    for i, r in enumerate(answer_list(event), start=1):
        notes = "; ".join(f"{q}: {a}" for q, a in (r.answers or {}).items())
        rows.append([
            i, r.name, format_phone_local(r.phone), r.email or "",
            r.residential_group.name if r.residential_group else "",
            responses.get(r.response, r.response), statuses.get(r.status, r.status), r.guests,
            r.seats if r.status in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED) else 0,
            to_local(r.updated_at).strftime("%d/%m/%Y %H:%M"), notes,
        ])  # fmt: skip
    return rows


# Spreadsheet formula injection: a cell typed by a guest must not start a formula.
_safe_cell = safe_cell


def export_csv(event: Event) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(export_headers())
    for row in export_rows(event):
        writer.writerow([_safe_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(event: Event) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Answers")[:31]
    ws.append([event.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([format_datetime(event.starts_at), _place(event)])
    ws.append([])
    ws.append(export_headers())
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for row in export_rows(event):
        ws.append([_safe_cell(c) for c in row])
    widths = [6, 28, 16, 28, 20, 10, 16, 8, 8, 18, 40]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def chart_data(event: Event) -> dict:
    """Cumulative yes answers by day (from the answer history) and people by tổ dân phố."""
    history = list(
        db.session.execute(
            sa.select(RsvpHistory.rsvp_id, RsvpHistory.status, RsvpHistory.guests, RsvpHistory.created_at)
            .where(RsvpHistory.event_id == event.id)
            .order_by(RsvpHistory.created_at, RsvpHistory.id)
        )
    )
    current: dict[int, tuple[str, int]] = {}
    per_day: list[tuple[date, int, int]] = []
    for rsvp_id, status, guests, created_at in history:
        current[rsvp_id] = (status, guests)
        day = to_local(created_at).date()
        yes = sum(1 + g for s, g in current.values() if s == RsvpStatus.CONFIRMED)
        maybe = sum(1 + g for s, g in current.values() if s == RsvpStatus.TENTATIVE)
        if per_day and per_day[-1][0] == day:
            per_day[-1] = (day, yes, maybe)
        else:
            per_day.append((day, yes, maybe))
    groups = db.session.execute(
        sa.select(ResidentialGroup.name, sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0))
        .select_from(Rsvp)
        .outerjoin(ResidentialGroup, Rsvp.residential_group_id == ResidentialGroup.id)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
        .group_by(ResidentialGroup.name)
    ).all()
    by_group = sorted(((name or _("Not given"), int(n)) for name, n in groups), key=lambda x: -x[1])
    return {"over_time": per_day, "by_group": by_group}


# --------------------------------------------------------------------------- retention

def is_anonymised(rsvp: Rsvp) -> bool:
    return rsvp.erased_at is not None


def anonymise_guest_rsvps(before: datetime) -> int:
    """Anonymise guest answers to events that ended before ``before``; returns how many.

    Guest answers are those given on the public form or the API without an account. Kept:
    answers of signed-in residents (their account holds the data and its own rights apply)
    and answers given through an invitation (the attendance of an official meeting is part
    of the record). Response, status, guests and waiting-list time stay, so counts, seats
    and reports are unchanged; name, phone, e-mail, tổ dân phố, free-text answers and the
    client hash go. Running it again changes nothing.
    """
    stmt = (
        sa.select(Rsvp)
        .join(Event, Event.id == Rsvp.event_id)
        .where(
            Event.ends_at < before,
            Rsvp.user_id.is_(None),
            Rsvp.invitation_id.is_(None),
            Rsvp.erased_at.is_(None),
        )
        .order_by(Rsvp.id)
    )
    rows = db.session.scalars(stmt).all()
    now = utcnow()
    for rsvp in rows:
        rsvp.name = privacy.ERASED_NAME
        rsvp.phone = rsvp.email = None
        rsvp.erased_at = now
        rsvp.residential_group_id = None
        rsvp.answers = {}
        rsvp.client_key = None
    db.session.flush()
    return len(rows)


# --------------------------------------------------------------------------- who saw what


def record_answers_access(user, event: Event, action: str, fmt: str | None = None, rows: int | None = None) -> None:
    """Write to the audit log that ``user`` saw or exported ``event``'s answers (with phones)."""
    from civic.privacy.audit import record_and_commit

    if rows is None:
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.event_id == event.id)) or 0
    record_and_commit(user, action, None, event_id=event.id, event_title=event.title, rows=int(rows),
                      format=fmt)
