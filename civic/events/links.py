"""Addresses of the events domain: event pages, personal answer links and their tokens.

Its own module because both the iCalendar builder (civic.events.ics) and the services need
it: with it here, neither imports the other in a loop.
"""

from __future__ import annotations

import html

import nh3
from flask import current_app, has_request_context
from itsdangerous import BadSignature, URLSafeSerializer

from civic.core.timeutil import format_datetime
from civic.core.urls import absolute_url as _absolute_url
from civic.events.models import Event, Rsvp

TOKEN_SALT = "civic.events.rsvp-manage"  # noqa: S105 - a salt, not a secret

__all__ = ["BadSignature", "TOKEN_SALT", "URLSafeSerializer"]


def absolute_url(endpoint: str, **values) -> str:
    """Absolute address, also from the worker (reminders run outside any request)."""
    if has_request_context():
        return _absolute_url(endpoint, **values)
    with current_app.test_request_context("/"):
        return _absolute_url(endpoint, **values)


def place(event: Event) -> str:
    """"Venue, street address" as one line (either part may be empty)."""
    return ", ".join(part for part in (event.venue_name, event.venue_address) if part)


def event_url(event: Event) -> str:
    return absolute_url("events.detail", event_id=event.id, slug=event.slug)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def make_token(rsvp: Rsvp) -> str:
    return _serializer().dumps({"r": rsvp.id, "e": rsvp.event_id})


def read_token(token: str):
    """What a personal link's token holds; raises BadSignature for a forged or broken one."""
    return _serializer().loads(token or "")


def manage_url(rsvp: Rsvp) -> str:
    return absolute_url("events.manage_rsvp", event_id=rsvp.event_id, token=make_token(rsvp))


def share_tags(event: Event) -> dict:
    """og:/twitter: tags of an event page; without a cover it shares the ward's default image."""
    text = " ".join(html.unescape(nh3.clean(event.description_html or "", tags=set())).split())
    description = " · ".join(part for part in (format_datetime(event.starts_at), place(event)) if part)
    if text:
        description = f"{description}. {text}"
    if event.cover_image:
        image = absolute_url("events.cover", name=event.cover_image)
    else:
        image = absolute_url("static", filename="img/share-default.png")
    return {"url": event_url(event), "description": description, "image": image}
