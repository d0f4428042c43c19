"""Reading events and answers: lists, the month calendar, feeds, counts and who may manage."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload, selectinload

from civic.accounts.models import ResidentialGroup
from civic.core import pagecache, refcache
from civic.core.permissions import is_admin
from civic.core.timeutil import local_to_utc, to_local, utcnow
from civic.events.lunar import solar_to_lunar
from civic.events.models import Audience, Event, EventChange, EventStatus, Rsvp, RsvpStatus
from civic.events.services.errors import EventError
from civic.extensions import db

# Page-cache scopes: the lists, calendar and event pages; "event:<id>" is one event's page
# (its seats left change with every answer, which need not refresh the other pages).
PAGE_SCOPES = ("events",)
EVENT_PAGE_SCOPES = ("events", "event:{event_id}")
pagecache.watch(Event, EventChange, ResidentialGroup, scopes=PAGE_SCOPES)
pagecache.watch(Rsvp, scopes=lambda rsvp: (f"event:{rsvp.event_id}",))

# The organizer's list of answers: registered first, then waiting, maybe, not coming.
_STATUS_ORDER = {RsvpStatus.CONFIRMED.value: 0, RsvpStatus.WAITLISTED.value: 1,
                 RsvpStatus.TENTATIVE.value: 2, RsvpStatus.DECLINED.value: 3}


def event_id_of(value) -> int | None:
    """An event id from a URL or a form, or None when it cannot be one (no query is made)."""
    try:
        event_id = int(value)
    except (TypeError, ValueError):
        return None
    return event_id if 1 <= event_id <= 2**31 - 1 else None


def get_event(event_id) -> Event | None:
    event_id = event_id_of(event_id)
    return None if event_id is None else db.session.get(Event, event_id)


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


def upcoming_events(limit: int = 5, with_groups: bool = True) -> list[Event]:
    """Published public or tổ-dân-phố events that have not ended, soonest first."""
    stmt = (
        sa.select(Event)
        .where(_listed(), Event.status == EventStatus.PUBLISHED, Event.ends_at > utcnow())
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    if with_groups:
        stmt = stmt.options(selectinload(Event.groups))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class EventCard:
    """What the home page shows of an upcoming event; a plain copy refcache keeps per process."""

    id: int
    slug: str
    title: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str


_SPARE = 10  # copied beyond the limit, so events that end do not send every view to the database


def upcoming_cards(limit: int = 5) -> list[EventCard]:
    """upcoming_events() as plain cards, read again after a change to events or when those kept
    have ended (an event that ends is not a change to its row)."""
    now = utcnow()

    def build():
        return tuple(EventCard(e.id, e.slug, e.title, e.starts_at, e.ends_at, e.venue_name or "")
                     for e in upcoming_events(limit + _SPARE, with_groups=False))

    def enough(cards):  # fewer than asked were found: none other is upcoming until a change
        return len(cards) < limit + _SPARE or sum(card.ends_at > now for card in cards) >= limit

    cards = refcache.copy("events.upcoming", PAGE_SCOPES, build, key=(limit,), valid=enough)
    return [card for card in cards if card.ends_at > now][:limit]


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


def _events_by_day(events: list[Event], first: date, last: date) -> dict[date, list[Event]]:
    """Each event on every local day it spans, within [first, last]."""
    by_day: dict[date, list[Event]] = {}
    for event in events:
        current = max(to_local(event.starts_at).date(), first)
        while current <= min(to_local(event.ends_at).date(), last):
            by_day.setdefault(current, []).append(event)
            current += timedelta(days=1)
    return by_day


def _month_day(d: date, month: int, today: date, by_day: dict) -> MonthDay:
    lunar = solar_to_lunar(d)
    return MonthDay(
        day=d,
        in_month=d.month == month,
        is_today=d == today,
        events=by_day.get(d, []),
        lunar=f"{lunar.day}/{lunar.month}" + ("N" if lunar.leap else ""),
    )


def month_view(year: int, month: int, category: str | None = None, group_id: int | None = None) -> dict:
    """Weeks of days (Monday first) with their events, for the month page."""
    if not (1900 <= year <= 2199 and 1 <= month <= 12):
        raise EventError(_("This month is outside the calendar."), 404)
    days = list(calendar.Calendar(firstweekday=0).itermonthdates(year, month))
    start = local_to_utc(datetime.combine(days[0], time.min))
    end = local_to_utc(datetime.combine(days[-1] + timedelta(days=1), time.min))
    events = events_between(start, end, category, group_id)
    today = to_local(utcnow()).date()
    by_day = _events_by_day(events, days[0], days[-1])
    weeks = [[_month_day(d, month, today, by_day) for d in days[i : i + 7]] for i in range(0, len(days), 7)]
    return {
        "year": year,
        "month": month,
        "weeks": weeks,
        "has_events": bool(events),
        "prev": (year - 1, 12) if month == 1 else (year, month - 1),
        "next": (year + 1, 1) if month == 12 else (year, month + 1),
    }


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


def confirmed_seats(event_id: int, exclude_id: int | None = None) -> int:
    stmt = sa.select(sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0)).where(
        Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.CONFIRMED
    )
    if exclude_id is not None:
        stmt = stmt.where(Rsvp.id != exclude_id)
    return int(db.session.scalar(stmt) or 0)


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_seats(event.id), 0)


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
    order = sa.case(_STATUS_ORDER, value=Rsvp.status, else_=4)
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


def attendees(event: Event) -> list[Rsvp]:
    """Everyone who said yes (confirmed or waiting) or maybe."""
    return list(
        db.session.scalars(
            sa.select(Rsvp).where(
                Rsvp.event_id == event.id,
                Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.TENTATIVE]),
            )
        )
    )


def registered(event: Event) -> list[Rsvp]:
    """Those who said yes and hold a place."""
    return list(
        db.session.scalars(sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED))
    )
