"""API: the weekly work schedule. Routes call civic.schedule.services, like the pages."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.api.schedule_fields import Fields, item_input
from civic.core.permissions import Role, has_role, public, token_required
from civic.core.timeutil import isoformat_local
from civic.invitations.services import LEGAL_BASES
from civic.schedule import access
from civic.schedule.models import DaySession, WeekStatus
from civic.schedule.services import outputs as out
from civic.schedule.services import weeks as svc


def item_json(item, internal: bool) -> dict:
    v = out.item_view(item)
    return {"id": item.id, "day": item.day.isoformat(), "session": item.session,
            "starts_at": isoformat_local(item.starts_at), "ends_at": isoformat_local(item.ends_at),
            "content": item.content, "place": item.place, "preparing_unit": item.preparing_unit,
            "chairs": v["chairs"], "chair_post_ids": v["chair_post_ids"], "participants": v["participants"],
            "separate_letter": item.separate_letter, "public": item.is_public, "cancelled": item.is_cancelled,
            "cancel_reason": item.cancel_reason or None, "changed_in_revision": item.changed_in,
            **({"event_id": item.event_id} if internal else {})}


def week_json(week, internal: bool) -> dict:
    return {"id": week.id, "year": week.iso_year, "week": week.iso_week, "status": week.status,
            "from": week.monday.isoformat(), "to": week.sunday.isoformat(), "revision": week.revision,
            "version": week.version, "replaces_letters": week.replaces_letters,
            "items": [item_json(i, internal) for i in week.items if internal or i.is_public]}


@bp.get("/schedule/<int:year>/<int:week>")
@public
def schedule_week_api(year, week):
    # The public API shows published weeks only, even to an editor: it answers as to anyone.
    row = access.viewable_week(None, year, week)
    if row is None or not row.is_published:
        return json_error(404, _("The schedule of this week has not been published yet."))
    return jsonify(week_json(row, False))


@bp.post("/schedule/<int:year>/<int:week>/items")
@token_required(Role.ORGANIZER, Role.EDITOR)
def schedule_add_item_api(year, week):
    body = json_body()
    if not svc.valid_week(year, week):
        return json_error(404, _("This week does not exist."))
    data = item_input(body)  # checked before the week is made: bad input writes nothing
    fields = Fields(body)
    version = fields.integer("expected_version", fields.integer("version"))
    row = svc.get_week(year, week) or svc.create_week(year, week, g.api_user)
    item = svc.add_item(row, data, g.api_user, row.version if version is None else version)
    return jsonify(item_json(item, True)), 201


@bp.post("/schedule/<int:year>/<int:week>/publish")
@token_required(Role.ORGANIZER, Role.EDITOR)
def schedule_publish_api(year, week):
    body = json_body()
    row = access.managed_week_at(g.api_user, year, week)
    fields = Fields(body)
    version = fields.integer("expected_version", fields.integer("version"))
    invited = svc.publish(row, g.api_user, version, fields.boolean("replaces_letters"))
    return jsonify({**week_json(row, any(has_role(g.api_user, r) for r in (Role.ORGANIZER, Role.EDITOR))), "invited": invited})


_bearer = [{"bearer": []}]
_err = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_week_params = [{"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "week", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1,
                                                                            "maximum": 53}}]
_week_resp = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScheduleWeek"}}}}

PATHS: dict = {
    "/schedule/{year}/{week}": {"get": {
        "summary": "A published week of the leaders' work schedule (public items)", "tags": ["schedule"],
        "parameters": _week_params, "responses": {"200": {"description": "The week", **_week_resp}, "404": _err}}},
    "/schedule/{year}/{week}/items": {"post": {
        "summary": "Add an item (a published week gets a revision); the week is created if needed",
        "tags": ["schedule"], "security": _bearer, "parameters": _week_params,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/ScheduleItemInput"}}}},
        "responses": {"201": {"description": "The item", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/ScheduleItem"}}}}, "400": _err, "401": _err, "403": _err, "404": _err,
                      "409": _err, "422": _err}}},
    "/schedule/{year}/{week}/publish": {"post": {
        "summary": "Publish the week and invite each item's participants (one message per person)",
        "tags": ["schedule"], "security": _bearer, "parameters": _week_params,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object",
            "properties": {"expected_version": {"type": "integer", "description": "The week's version you read"},
                           "version": {"type": "integer", "description": "The former name of expected_version"},
                           "replaces_letters": {"type": "boolean"}}}}}},
        "responses": {"200": {"description": "The published week", **_week_resp}, "400": _err, "401": _err,
                      "403": _err, "404": _err, "409": _err, "422": _err}}},
}

SCHEMAS: dict = {
    "ScheduleItem": {"type": "object", "properties": {
        "id": {"type": "integer"}, "day": {"type": "string", "format": "date"},
        "session": {"type": "string", "enum": [str(s) for s in DaySession]},
        "starts_at": {"type": "string", "format": "date-time"}, "ends_at": {"type": ["string", "null"]},
        "content": {"type": "string"}, "place": {"type": "string"}, "preparing_unit": {"type": "string"},
        "chairs": {"type": "string"}, "chair_post_ids": {"type": "array", "items": {"type": "integer"}},
        "participants": {"type": "string"}, "separate_letter": {"type": "boolean"}, "public": {"type": "boolean"},
        "cancelled": {"type": "boolean"}, "cancel_reason": {"type": ["string", "null"]},
        "changed_in_revision": {"type": ["integer", "null"]}}},
    "ScheduleItemInput": {"type": "object", "required": ["day", "start", "content"], "properties": {
        "expected_version": {"type": "integer", "description": "The week's version you read (409 if someone saved since)"},
        "version": {"type": "integer", "description": "The former name of expected_version"},
        "day": {"type": "string", "format": "date"}, "start": {"type": "string", "example": "08:00"},
        "end": {"type": "string"}, "content": {"type": "string"}, "place": {"type": "string"},
        "preparing_unit": {"type": "string"}, "participants_note": {"type": "string"},
        "participants_legal_basis": {"type": "string", "enum": [str(v) for v in LEGAL_BASES],
                                     "description": "why names of outside participants are held"},
        "separate_letter": {"type": "boolean"}, "public": {"type": "boolean"},
        "chair_post_ids": {"type": "array", "items": {"type": "integer"}},
        "participants": {"type": "array", "items": {"type": "object", "description":
                         'One of {"post": id}, {"group": id}, {"contact": id}, {"unit": name}, {"text": words}'}}}},
    "ScheduleWeek": {"type": "object", "properties": {
        "id": {"type": "integer"}, "year": {"type": "integer"}, "week": {"type": "integer"},
        "status": {"type": "string", "enum": [str(s) for s in WeekStatus]}, "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"}, "revision": {"type": "integer"}, "version": {"type": "integer"},
        "replaces_letters": {"type": "boolean"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/ScheduleItem"}}}},
}
