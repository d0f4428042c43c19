"""API: events. Routes call civic.events.services, the same services as the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Response, g, jsonify, request
from flask_babel import gettext as _

from civic.accounts.services import UnknownGroupError, resolve_group
from civic.api import bp
from civic.api.common import json_body, json_error, page_arg
from civic.core import ratelimits
from civic.core.db import reads_first
from civic.core.errors import abort_with
from civic.core.permissions import Role, public, token_required
from civic.core.timeutil import isoformat_local, local_to_utc
from civic.events import access, services
from civic.events.ics import event_ics
from civic.events.models import Audience, EventCategory, EventStatus, RsvpResponse, RsvpSource, RsvpStatus
from civic.privacy import services as privacy


def event_json(event) -> dict:
    return {
        "id": event.id,
        "title": event.title,
        "url": services.event_url(event),
        "ics_url": services.absolute_url("api.event_ics_file", event_id=event.id),
        "description_html": event.description_html,
        "starts_at": isoformat_local(event.starts_at),
        "ends_at": isoformat_local(event.ends_at),
        "lunar_date": services.lunar_label(event),
        "venue": event.venue_name,
        "venue_address": event.venue_address,
        "map_url": event.map_url,
        "category": event.category,
        "audience": event.audience,
        "groups": [group.name for group in event.groups],
        "capacity": event.capacity,
        "rsvp_deadline": isoformat_local(event.rsvp_deadline),
        "allow_guests": event.allow_guests,
        "max_guests": event.max_guests,
        "questions": list(event.questions or []),
        "status": event.status,
    }


def _error(exc: services.EventError):
    if exc.status == 429:
        ratelimits.too_many(str(exc), exc.retry_after or 60)
    return json_error(exc.status, str(exc))


def _parse_when(raw: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
    """ISO 8601 date (local day) or date-time with an offset."""
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min)
            return local_to_utc(moment)
        value = datetime.fromisoformat(raw)
    except ValueError:
        abort_with(400, _("%(name)s must be an ISO 8601 date or date-time.", name=name))
    if value.tzinfo is None:
        abort_with(400, _("%(name)s needs a time zone offset, e.g. +07:00.", name=name))
    return value.astimezone(UTC)


def _visible_or_404(event_id: int):
    """Public calls see what an anonymous visitor sees (no token is read on them)."""
    return access.viewable(None, event_id)


def _values(enum_type, *only) -> list[str]:
    """An OpenAPI ``enum`` list from a model enum (all of its values, or ``only`` these)."""
    return [member.value for member in (only or enum_type)]


@bp.get("/events")
@public
def events_list():
    start = _parse_when(request.args.get("from"), "from")
    end = _parse_when(request.args.get("to"), "to", end_of_day=True)
    category = request.args.get("category") or None
    if category and category not in set(EventCategory):
        abort_with(400, _("Unknown category."))
    if start and end and end < start:
        abort_with(400, _("'to' must not be before 'from'."))
    page = services.list_events(
        past=False if start is None else None, category=category, start=start, end=end, page=page_arg(), per_page=50
    )
    return jsonify(
        {
            "items": [event_json(e) for e in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
        }
    )


@bp.get("/events/<int:event_id>")
@public
def event_detail(event_id: int):
    return jsonify(event_json(_visible_or_404(event_id)))


@bp.get("/events/<int:event_id>.ics")
@public
def event_ics_file(event_id: int):
    event = _visible_or_404(event_id)
    return Response(event_ics(event), mimetype="text/calendar")


@bp.post("/events/<int:event_id>/rsvps")
@public
@ratelimits.public_form_limit()
@reads_first
def rsvp_create(event_id: int):
    event = _visible_or_404(event_id)
    data = json_body()
    guests = data.get("guests", 0)
    if isinstance(guests, bool) or not isinstance(guests, int):
        return json_error(422, _("The number of guests must be a whole number."))
    for key in ("name", "phone", "email", "response"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            return json_error(422, _("%(name)s must be text.", name=key))
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        return json_error(422, _("%(name)s must be an object.", name="answers"))
    answer = services.Answer(
        response=data.get("response") or "",
        guests=guests,
        name=data.get("name") or "",
        phone=data.get("phone") or None,
        email=data.get("email") or None,
        group_id=data.get("group_id") if isinstance(data.get("group_id"), int) else None,
        answers={str(k): str(v) for k, v in answers.items()},
    )
    group = data.get("group")
    if group is not None and answer.group_id is None:
        if isinstance(group, bool) or not isinstance(group, str | int):
            return json_error(422, _("%(name)s must be text.", name="group"))
        try:
            answer.group_id = resolve_group(group).id  # "tổ 5", "TDP 05", 5: the group numbered 5
        except UnknownGroupError as exc:
            return json_error(exc.status, str(exc))
    try:
        result = services.answer_event(event, answer, source=RsvpSource.API, client=ratelimits.client_key(),
                                       consent=privacy.consent_from(data.get("consent"), "api"))
    except services.AlreadyAnswered as exc:
        # Nothing changed; the link goes to the contact on file, never into this response.
        return json_error(409, str(exc), reason="already_answered", link_resent=exc.resent)
    except services.EventError as exc:
        return _error(exc)
    rsvp = result.rsvp
    body = {
        "id": rsvp.id,
        "event_id": event.id,
        "response": rsvp.response,
        "status": rsvp.status,
        "guests": rsvp.guests,
        "waitlist_position": services.waitlist_position(rsvp),
        "manage_url": result.manage_url,
        "created": result.created,
        "event": {"id": event.id, "title": event.title, "url": services.event_url(event)},
    }
    return jsonify(body), 201


@bp.get("/events/<int:event_id>/rsvps")
@token_required(Role.ORGANIZER)
def rsvp_list(event_id: int):
    event = access.managed(g.api_user, event_id, refused=_("Only the event's organizer may see its answers."))
    items = [
        {
            "id": r.id,
            "name": r.name,
            "phone": r.phone,
            "email": r.email,
            "residential_group": r.residential_group.name if r.residential_group else None,
            "response": r.response,
            "status": r.status,
            "guests": r.guests,
            "answers": r.answers or {},
            "waitlisted_at": r.waitlisted_at.isoformat() if r.waitlisted_at else None,
            "updated_at": r.updated_at.isoformat(),
        }
        for r in services.answer_list(event)
    ]
    services.record_answers_access(g.api_user, event, "answers_export", "api", rows=len(items))
    return jsonify({"event": event_json(event), "counts": services.counts(event), "items": items})


# --------------------------------------------------------------------------- OpenAPI

_ERR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


_ID = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}

PATHS: dict = {
    "/events": {
        "get": {
            "tags": ["events"],
            "summary": "Upcoming public events (or those between from and to)",
            "parameters": [
                {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "ISO 8601 date or date-time with offset"},
                {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "ISO 8601 date or date-time with offset"},
                {"name": "category", "in": "query", "schema": {"type": "string", "enum": _values(EventCategory)}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ],
            "responses": {
                "200": {"description": "Events", "content": _ref("EventList")},
                "400": {"description": "Bad filter", "content": _ERR},
            },
        },
    },
    "/events/{event_id}": {
        "get": {
            "tags": ["events"],
            "summary": "One event",
            "parameters": [_ID],
            "responses": {
                "200": {"description": "The event", "content": _ref("Event")},
                "404": {"description": "No such event", "content": _ERR},
            },
        }
    },
    "/events/{event_id}.ics": {
        "get": {
            "tags": ["events"],
            "summary": "The event as iCalendar (RFC 5545)",
            "parameters": [_ID],
            "responses": {
                "200": {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}},
                "404": {"description": "No such event", "content": _ERR},
            },
        }
    },
    "/events/{event_id}/rsvps": {
        "post": {
            "tags": ["events"],
            "summary": "Answer an event without an account (a phone or email that already answered: 409, "
                       "and that answer's personal link is sent again to its contact on file)",
            "parameters": [_ID],
            "requestBody": {"required": True, "content": _ref("RsvpCreate")},
            "responses": {
                "201": {"description": "Recorded", "content": _ref("RsvpResult")},
                "400": {"description": "Not JSON", "content": _ERR},
                "403": {"description": "Invitation only or not for your residential group", "content": _ERR},
                "404": {"description": "No such event", "content": _ERR},
                "409": {"description": "Cancelled, past, after the deadline, no places for more guests, or this "
                                       "phone/email has already answered", "content": _ERR},
                "422": {"description": "Invalid answer (phone, email, guests)", "content": _ERR},
                "429": {"description": "Too many answers from this client, or messages to this recipient today",
                        "content": _ERR},
            },
        },
        "get": {
            "tags": ["events"],
            "summary": "All answers (the event's organizer or an admin)",
            "security": [{"bearer": []}],
            "parameters": [_ID],
            "responses": {
                "200": {"description": "Answers", "content": _ref("RsvpList")},
                "401": {"description": "No token", "content": _ERR},
                "403": {"description": "Not this event's organizer", "content": _ERR},
                "404": {"description": "No such event", "content": _ERR},
            },
        },
    },
}

_DT = {"type": "string", "format": "date-time"}
_NDT = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict = {
    "Event": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
            "description_html": {"type": "string"},
            "starts_at": _DT,
            "ends_at": _DT,
            "lunar_date": {"type": "string"},
            "venue": {"type": "string"},
            "venue_address": {"type": "string"},
            "map_url": {"type": ["string", "null"]},
            "category": {"type": "string"},
            "audience": {"type": "string", "enum": _values(Audience)},
            "groups": {"type": "array", "items": {"type": "string"}},
            "capacity": {"type": ["integer", "null"]},
            "rsvp_deadline": _NDT,
            "allow_guests": {"type": "boolean"},
            "max_guests": {"type": "integer"},
            "questions": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "enum": _values(EventStatus)},
        },
        "required": ["id", "title", "url", "starts_at", "ends_at", "status"],
    },
    "EventList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
        "required": ["items"],
    },
    "RsvpCreate": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "phone": {"type": "string", "description": "Vietnamese number, any common format"},
            "email": {"type": "string", "format": "email"},
            "response": {"type": "string", "enum": _values(RsvpResponse)},
            "guests": {"type": "integer", "minimum": 0},
            "group_id": {"type": "integer"},
            "group": {"type": ["string", "integer"], "description": "tổ dân phố as typed (\"tổ 5\", \"TDP 05\", 5: the group numbered 5), instead of group_id"},
            "answers": {"type": "object", "additionalProperties": {"type": "string"}},
            "consent": {"type": "boolean", "const": True,
                        "description": "the person agreed to the personal data notice (/du-lieu-ca-nhan/thong-bao); "
                                       "without it: 422, nothing stored"},
        },
        "required": ["name", "response", "consent"],
        "description": "phone or email is required",
    },
    "RsvpResult": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "event_id": {"type": "integer"},
            "response": {"type": "string", "enum": _values(RsvpResponse)},
            "status": {
                "type": "string",
                "enum": _values(RsvpStatus),
                "description": "tentative is a maybe (holds no place)",
            },
            "guests": {"type": "integer"},
            "waitlist_position": {"type": ["integer", "null"]},
            "manage_url": {"type": "string", "format": "uri"},
            "created": {"type": "boolean"},
            "event": {"type": "object"},
        },
        "required": ["id", "status", "manage_url"],
    },
    "RsvpList": {
        "type": "object",
        "properties": {
            "event": {"$ref": "#/components/schemas/Event"},
            "counts": {"type": "object"},
            "items": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["items"],
    },
}
