"""API: elections. Routes call civic.elections.services, the same services as the pages."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.core.permissions import public
from civic.core.urls import absolute_url
from civic.elections import access, services
from civic.elections.errors import ElectionError, NotAllowed, NotVisible, UnknownGroup
from civic.elections.models import Body, Channel, MilestoneKind
from civic.extensions import limiter
from civic.privacy import services as privacy


def _group_json(group) -> dict:
    return {"id": group.id, "name": group.name, "number": group.number}


def area_json(area) -> dict:
    return {
        "id": area.id,
        "number": area.number,
        "station_name": area.station_name,
        "station_address": area.station_address,
        "map_url": area.map_url,
        "groups": [_group_json(g) for g in area.groups],
    }


def milestone_json(milestone) -> dict:
    return {"id": milestone.id, "kind": milestone.kind, "date": milestone.day.isoformat(), "title": milestone.title,
            "text": milestone.text}


def election_json(election, full: bool = True) -> dict:
    data = {
        "id": election.id,
        "name": election.name,
        "polling_day": election.polling_day.isoformat(),
        "hours": {"open": election.polls_open.strftime("%H:%M"), "close": election.polls_close.strftime("%H:%M")},
        "bodies": list(election.bodies or []),
        "what_to_bring": election.what_to_bring,
        "url": absolute_url("elections.detail", election_id=election.id),
        "description": election.description,
        "milestones": [milestone_json(m) for m in election.milestones],
        "polling_areas": [area_json(a) for a in election.areas],
    }
    return data


def _election_or_404(election_id):
    """The same loader as the pages: (election, None) or (None, its JSON 404/403)."""
    try:
        return access.viewable(election_id), None
    except NotVisible as exc:
        return None, json_error(404, str(exc))
    except NotAllowed as exc:
        return None, json_error(403, str(exc))


@bp.get("/elections")
@public
def list_elections():
    return jsonify({"items": [election_json(e) for e in services.list_elections()]})


@bp.get("/elections/<int:election_id>")
@public
def get_election(election_id):
    election, error = _election_or_404(election_id)
    if error:
        return error
    return jsonify(election_json(election))


@bp.get("/elections/<int:election_id>/where-to-vote")
@public
def where_to_vote(election_id):
    election, error = _election_or_404(election_id)
    if error:
        return error
    group = request.args.get("group", "").strip()
    if not group:
        return json_error(400, _("Give your residential group (tổ dân phố) as ?group=, by name or number."))
    try:
        result = services.where_to_vote(election, group)
    except UnknownGroup as exc:
        return json_error(404, str(exc))
    return jsonify(
        {
            "election": {"id": election.id, "name": election.name, "polling_day": election.polling_day.isoformat()},
            "group": _group_json(result.group),
            "polling_area": area_json(result.area) if result.area else None,
            "hours": {"open": election.polls_open.strftime("%H:%M"), "close": election.polls_close.strftime("%H:%M")},
            "what_to_bring": election.what_to_bring,
        }
    )


@bp.post("/subscriptions")
@public
@limiter.limit("20/minute")
def create_subscription():
    data = json_body()
    channels = data.get("channels")
    if channels is not None and not (isinstance(channels, list) and all(isinstance(c, str) for c in channels)):
        return json_error(400, _("Channels must be “email” and/or “sms”."))
    for key in ("email", "phone", "name"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            return json_error(400, _("Some of the information is not valid."))
    group = data.get("group")
    if group is not None and (not isinstance(group, (str, int)) or isinstance(group, bool)):
        return json_error(400, _("Choose your residential group (tổ dân phố)."))
    try:
        result = services.subscribe(
            email=data.get("email"),
            phone=data.get("phone"),
            group=group,
            channels=channels,
            name=data.get("name"),
            consent=privacy.consent_from(data.get("consent"), "api"),
        )
    except UnknownGroup as exc:
        return json_error(404, str(exc))
    except ElectionError as exc:
        return json_error(422, str(exc))
    sub = result.subscription
    body = {
        "id": sub.id,
        "created": result.created,
        "message": result.message,
        "channels": sub.channels,
        "group": _group_json(sub.group) if sub.group else None,
        "confirmation": {"email_sent": result.email_sent, "sms_sent": result.sms_sent},
        "confirmed": {"email": sub.email_confirmed_at is not None, "sms": sub.phone_confirmed_at is not None},
    }
    if result.sms_sent:
        body["sms_confirm_url"] = absolute_url("elections.confirm_sms", reference=services.sms_reference(sub))
    return jsonify(body), (202 if result.email_sent or result.sms_sent else 200)


_ERR = {"$ref": "#/components/schemas/Error"}
_HOURS = {
    "type": "object",
    "properties": {"open": {"type": "string", "example": "07:00"}, "close": {"type": "string", "example": "19:00"}},
}

SCHEMAS: dict = {
    "ResidentialGroup": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "number": {"type": ["integer", "null"]}},
    },
    "PollingArea": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "station_name": {"type": "string"},
            "station_address": {"type": "string"},
            "map_url": {"type": ["string", "null"]},
            "groups": {"type": "array", "items": {"$ref": "#/components/schemas/ResidentialGroup"}},
        },
    },
    "Milestone": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": [k.value for k in MilestoneKind]},
            "date": {"type": "string", "format": "date"},
            "title": {"type": "string"},
            "text": {"type": "string"},
        },
    },
    "Election": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "polling_day": {"type": "string", "format": "date"},
            "hours": _HOURS,
            "bodies": {
                "type": "array",
                "items": {"type": "string", "enum": [b.value for b in Body]},
            },
            "what_to_bring": {"type": "string"},
            "description": {"type": "string"},
            "url": {"type": "string"},
            "milestones": {"type": "array", "items": {"$ref": "#/components/schemas/Milestone"}},
            "polling_areas": {"type": "array", "items": {"$ref": "#/components/schemas/PollingArea"}},
        },
    },
    "SubscriptionRequest": {
        "type": "object",
        "properties": {
            "email": {"type": "string", "format": "email"},
            "phone": {"type": "string", "example": "0912 345 678"},
            "group": {"type": ["string", "integer"], "description": "tổ dân phố as typed: its name (tone marks optional) or number (\"tổ 5\", \"TDP 05\", 5); a bare number is the group's number before its id"},
            "channels": {"type": "array", "items": {"type": "string", "enum": [c.value for c in Channel]}},
            "name": {"type": "string"},
            "consent": {"type": "boolean", "const": True,
                        "description": "the person agreed to the personal data notice; without it: 422, nothing stored"},
        },
        "required": ["group", "consent"],
    },
    "Subscription": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "created": {"type": "boolean"},
            "message": {"type": "string"},
            "channels": {"type": "array", "items": {"type": "string", "enum": [c.value for c in Channel]}},
            "group": {"$ref": "#/components/schemas/ResidentialGroup"},
            "confirmation": {"type": "object"},
            "confirmed": {"type": "object"},
            "sms_confirm_url": {"type": "string"},
        },
    },
}

PATHS: dict = {
    "/elections": {
        "get": {
            "summary": "Elections, upcoming first",
            "tags": ["elections"],
            "responses": {
                "200": {
                    "description": "Elections with milestones and polling areas",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Election"}}},
                            }
                        }
                    },
                }
            },
        }
    },
    "/elections/{election_id}": {
        "get": {
            "summary": "One election",
            "tags": ["elections"],
            "parameters": [{"name": "election_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "The election", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Election"}}}},
                "404": {"description": "No such election", "content": {"application/json": {"schema": _ERR}}},
            },
        }
    },
    "/elections/{election_id}/where-to-vote": {
        "get": {
            "summary": "The polling area of a tổ dân phố",
            "tags": ["elections"],
            "parameters": [
                {"name": "election_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "group", "in": "query", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "Polling area, station, hours, what to bring", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "No group given", "content": {"application/json": {"schema": _ERR}}},
                "404": {"description": "Unknown election or group", "content": {"application/json": {"schema": _ERR}}},
            },
        }
    },
    "/subscriptions": {
        "post": {
            "summary": "Subscribe to election reminders (double opt-in)",
            "tags": ["elections"],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubscriptionRequest"}}},
            },
            "responses": {
                "202": {
                    "description": "Recorded; a confirmation link (email) and/or code (SMS) was sent",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Subscription"}}},
                },
                "200": {
                    "description": "Updated, already confirmed",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Subscription"}}},
                },
                "400": {"description": "Not a JSON object", "content": {"application/json": {"schema": _ERR}}},
                "404": {"description": "Unknown tổ dân phố", "content": {"application/json": {"schema": _ERR}}},
                "422": {"description": "Malformed email or phone, bad channels", "content": {"application/json": {"schema": _ERR}}},
                "429": {"description": "Too many requests", "content": {"application/json": {"schema": _ERR}}},
            },
        }
    },
}
