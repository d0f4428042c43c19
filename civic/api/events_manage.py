"""API, events: creating, editing, cancelling and messaging an event (organizer token).

Each route calls the same service, with the same validation, as the page it mirrors: one JSON
parser (``event_data``) turns a body into ``EventData`` for create and edit, and
``services.validate`` (run by create_event / update_event) refuses what the edit form refuses,
with the same message."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api import jsonfields as jf
from civic.api.common import json_body, json_error
from civic.api.events import event_json
from civic.api.notifications import campaign_dict
from civic.core.permissions import Role, token_required
from civic.events import access, services
from civic.events.models import Audience, EventCategory, EventStatus
from civic.events.services.editing import MAX_CANCEL_REASON, MAX_DESCRIPTION
from civic.notifications import services as notifications

# JSON key -> (EventData attribute, reader). The keys are those of GET /events/{id}.
FIELDS = {
    "title": ("title", jf.text),
    "description": ("description", jf.text),
    "starts_at": ("starts_at", jf.moment),
    "ends_at": ("ends_at", jf.moment),
    "venue": ("venue_name", jf.text),
    "venue_address": ("venue_address", jf.text),
    "map_url": ("map_url", jf.text),
    "category": ("category", jf.text),
    "audience": ("audience", jf.text),
    "group_ids": ("group_ids", jf.int_list),
    "capacity": ("capacity", jf.integer),
    "rsvp_deadline": ("rsvp_deadline", jf.moment),
    "allow_guests": ("allow_guests", jf.boolean),
    "max_guests": ("max_guests", jf.integer),
    "questions": ("questions", jf.text_list),
    "status": ("status", jf.text),
}
# An empty choice is no choice: the default (create) or what the event holds (edit).
CHOICES = ("category", "audience", "status")


def event_data(data: dict, event=None) -> services.EventData:
    """A JSON body as EventData: types checked here (FieldError), values by services.validate.

    Without ``event`` (create) absent fields take EventData's defaults; with it (edit, partial)
    they keep what the event holds. ``null`` clears a field (a title or a time cleared is refused
    by the service)."""
    result = services.data_of(event) if event is not None else services.EventData(
        title="", starts_at=None, ends_at=None)
    for key, (attr, read) in FIELDS.items():
        value = read(data, key)
        if value is jf.MISSING or (key in CHOICES and not value):
            continue
        setattr(result, attr, value)
    result.map_url = result.map_url or None
    result.max_guests = result.max_guests or 0
    return result


def _event_error(exc: services.EventError):
    # The pages answer a refused value with 400; the API's contract says 422.
    return json_error(422 if exc.status == 400 else exc.status, str(exc))


def _managed(event_id: int):
    return access.managed(g.api_user, event_id, refused=_("Only the event's organizer may change it."))


@bp.post("/events")
@token_required(Role.ORGANIZER)
def event_create():
    data = json_body()
    try:
        event = services.create_event(g.api_user, event_data(data))
    except jf.FieldError as exc:
        return json_error(422, str(exc))
    except services.EventError as exc:
        return _event_error(exc)
    return jsonify({"id": event.id, "url": services.event_url(event), "event": event_json(event)}), 201


@bp.patch("/events/<int:event_id>")
@token_required(Role.ORGANIZER)
def event_update(event_id: int):
    event = _managed(event_id)
    data = json_body()
    try:
        services.update_event(event, g.api_user, event_data(data, event))
    except jf.FieldError as exc:
        return json_error(422, str(exc))
    except services.EventError as exc:
        return _event_error(exc)
    return jsonify(event_json(event))


@bp.post("/events/<int:event_id>/cancel")
@token_required(Role.ORGANIZER)
def event_cancel(event_id: int):
    event = _managed(event_id)
    data = json_body()
    try:
        services.cancel_event(event, g.api_user, jf.text(data, "reason", ""))
    except jf.FieldError as exc:
        return json_error(422, str(exc))
    except services.EventError as exc:
        return _event_error(exc)
    return jsonify(event_json(event))


@bp.post("/events/<int:event_id>/messages")
@token_required(Role.ORGANIZER)
def event_message(event_id: int):
    event = _managed(event_id)
    data = json_body()
    try:
        campaign = services.message_attendees(event, g.api_user, jf.text(data, "subject", ""),
                                              jf.text(data, "body", ""))
    except jf.FieldError as exc:
        return json_error(422, str(exc))
    except services.EventError as exc:
        return _event_error(exc)
    return jsonify(campaign_dict(campaign, notifications.progress(campaign))), 201


# --------------------------------------------------------------------------- OpenAPI

_ERR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_ID = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SECURITY = [{"bearer": []}]


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _errors(*codes: int) -> dict:
    text = {
        400: "Not a JSON object", 401: "No token", 403: "Not an organizer, or not this event's organizer",
        404: "No such event (or a draft you cannot manage)", 409: "The event is cancelled",
        422: "A value of the wrong type, or refused by the same rules as the page (the message says which)",
    }
    return {str(code): {"description": text[code], "content": _ERR} for code in codes}


def _operation(summary: str, body: str, ok: dict, *codes: int, path_id: bool = True, description: str = "") -> dict:
    op = {"tags": ["events"], "summary": summary, "security": _SECURITY,
          "requestBody": {"required": True, "content": _ref(body)}, "responses": {**ok, **_errors(*codes)}}
    if path_id:
        op["parameters"] = [_ID]
    if description:
        op["description"] = description
    return op


PATHS: dict = {
    "/events": {
        "post": _operation("Create an event (organizer token)", "EventCreate",
                           {"201": {"description": "Created", "content": _ref("EventCreated")}},
                           400, 401, 403, 422, path_id=False),
    },
    "/events/{event_id}": {
        "patch": _operation(
            "Edit an event (its organizer or an admin): only the fields given change", "EventUpdate",
            {"200": {"description": "The event as saved", "content": _ref("Event")}}, 400, 401, 403, 404, 409, 422,
            description="The same rules as the edit page. A changed time or place of a published event is "
                        "logged and those who answered are told (as from the page)."),
    },
    "/events/{event_id}/cancel": {
        "post": _operation(
            "Cancel an event for good; those who answered are told", "EventCancel",
            {"200": {"description": "The cancelled event", "content": _ref("Event")}}, 400, 401, 403, 404, 409, 422),
    },
    "/events/{event_id}/messages": {
        "post": _operation(
            "Send a message to everyone registered (said yes and has a place)", "EventMessage",
            {"201": {"description": "The campaign that sends it", "content": _ref("Campaign")}},
            400, 401, 403, 404, 409, 422),
    },
}

_EVENT_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION,
                    "description": "Markdown; sanitised"},
    "starts_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"},
    "ends_at": {"type": "string", "format": "date-time"},
    "venue": {"type": "string"},
    "venue_address": {"type": "string"},
    "map_url": {"type": ["string", "null"], "description": "https:// link"},
    "capacity": {"type": ["integer", "null"], "minimum": 1, "description": "null: no limit"},
    "audience": {"type": "string", "enum": [str(v) for v in Audience]},
    "group_ids": {"type": "array", "items": {"type": "integer"}},
    "category": {"type": "string", "enum": [str(v) for v in EventCategory]},
    "status": {"type": "string", "enum": [str(v) for v in (EventStatus.DRAFT, EventStatus.PUBLISHED)]},
    "rsvp_deadline": {"type": ["string", "null"], "format": "date-time"},
    "allow_guests": {"type": "boolean"},
    "max_guests": {"type": "integer", "minimum": 0, "maximum": services.MAX_GUESTS_LIMIT},
    "questions": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
}

SCHEMAS: dict = {
    "EventCreate": {"type": "object", "properties": _EVENT_FIELDS, "required": ["title", "starts_at", "ends_at"]},
    "EventUpdate": {"type": "object", "properties": _EVENT_FIELDS,
                    "description": "Any fields of EventCreate; those left out keep their value"},
    "EventCreated": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
            "event": {"$ref": "#/components/schemas/Event"},
        },
        "required": ["id", "url"],
    },
    "EventCancel": {
        "type": "object",
        "properties": {"reason": {"type": "string", "maxLength": MAX_CANCEL_REASON,
                                  "description": "sent to those who answered"}},
    },
    "EventMessage": {
        "type": "object",
        "properties": {"subject": {"type": "string", "maxLength": 200}, "body": {"type": "string", "maxLength": 5000}},
        "required": ["subject", "body"],
    },
}
