"""The next citizen reception session as a plain copy, kept per process by civic.core.refcache.

The sessions of the coming weeks are computed from rules, days off, overrides and who holds each
post; they change with those rows (the "reception" scope) and with the local date (the key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from civic.core import refcache
from civic.core.timeutil import to_local, utcnow
from civic.schedule.services import reception


@dataclass(frozen=True, slots=True)
class SessionCard:
    """What schedule/reception_home.html shows of a session that takes place."""

    on: date
    starts: datetime
    ends: datetime
    hours: str
    post_label: str
    holder_name: str
    place: str


def _cards(today: date) -> tuple[SessionCard, ...]:
    return tuple(
        SessionCard(s.on, s.starts, s.ends, s.hours, s.post_label, s.holder_name, s.place)
        for s in reception.upcoming_sessions(today) if s.takes_place
    )


def next_session_card(now: datetime | None = None) -> SessionCard | None:
    """reception.next_session(), read again only after a change to the schedule or another day."""
    now = now or utcnow()
    today = to_local(now).date()
    cards = refcache.copy("reception.upcoming", reception.PAGE_SCOPES, lambda: _cards(today), key=(today,))
    return next((card for card in cards if card.ends > now), None)
