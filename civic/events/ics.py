"""iCalendar (RFC 5545) for events: one event, the public feed, per-category feeds."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app

from civic.core.timeutil import utcnow
from civic.events.links import event_url, place
from civic.events.models import Event, EventStatus

if TYPE_CHECKING:
    from icalendar import Calendar, Timezone
    from icalendar import Event as VEvent

TZID = "Asia/Ho_Chi_Minh"


def _vtimezone() -> Timezone:
    """Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975."""
    from icalendar import Timezone, TimezoneStandard  # defers icalendar (~7 MB) to the .ics answers

    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    standard = TimezoneStandard()
    standard.add("tzname", "+07")
    standard.add("tzoffsetfrom", timedelta(hours=7))
    standard.add("tzoffsetto", timedelta(hours=7))
    standard.add("dtstart", datetime(1970, 1, 1))
    tz.add_component(standard)
    return tz


def _calendar(name: str | None = None) -> Calendar:
    from icalendar import Calendar  # defers icalendar (~7 MB) to the .ics answers

    cal = Calendar()
    cal.add("prodid", "-//civic//Ward portal events//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", TZID)
    cal.add_component(_vtimezone())
    return cal


def _host() -> str:
    base = current_app.config["CIVIC_BASE_URL"]
    return base.split("://", 1)[-1].split("/", 1)[0] or "civic"


def _vevent(event: Event) -> VEvent:
    from icalendar import Alarm  # defers icalendar (~7 MB) to the .ics answers
    from icalendar import Event as VEvent

    tz = ZoneInfo(TZID)
    vevent = VEvent()
    vevent.add("uid", f"event-{event.id}@{_host()}")
    vevent.add("dtstamp", utcnow())
    vevent.add("dtstart", event.starts_at.astimezone(tz))
    vevent.add("dtend", event.ends_at.astimezone(tz))
    vevent.add("summary", event.title)
    location = place(event)
    if location:
        vevent.add("location", location)
    url = event_url(event)
    vevent.add("url", url)
    vevent.add("description", f"{_plain(event.description_html)}\n\n{url}".strip())
    vevent.add("categories", [_category_name(event.category)])
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", len(event.changes))
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    if event.organizer is not None:
        vevent.add("organizer", f"mailto:{event.organizer.email}", parameters={"cn": event.organizer.full_name})
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title)
    alarm.add("trigger", timedelta(hours=-2))
    vevent.add_component(alarm)
    return vevent


def _category_name(category: str) -> str:
    """What the portal calls the category, in the ward's language (the file is cached per event
    version, not per visitor's language; calendar apps show it to residents)."""
    from flask_babel import force_locale

    from civic.events.categories import category_labels

    with force_locale(current_app.config["CIVIC_DEFAULT_LOCALE"]):
        return str(category_labels().get(category, category))


def _plain(html: str) -> str:
    text = re.sub(r"<(br|/p|/li|/h[2-4])\s*/?>", "\n", html or "")
    return unescape(re.sub(r"<[^>]+>", "", text)).strip()


_CACHE: dict[tuple, bytes] = {}


def event_ics(event: Event) -> bytes:
    """One event's calendar; cached per version (every confirmation mail attaches it)."""
    key = (current_app.config["CIVIC_BASE_URL"], event.id, event.updated_at, event.status)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    cal = _calendar()
    cal.add_component(_vevent(event))
    body = cal.to_ical()
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = body
    return body


def feed_ics(events: list[Event], name: str) -> bytes:
    cal = _calendar(name)
    for event in events:
        cal.add_component(_vevent(event))
    return cal.to_ical()


def google_calendar_url(event: Event) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{event.starts_at.strftime(fmt)}/{event.ends_at.strftime(fmt)}",
        "details": event_url(event),
        "location": place(event),
        "ctz": TZID,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(params)

