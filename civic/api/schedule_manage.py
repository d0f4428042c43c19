"""API, the work schedule managed (organizer/editor token): what the editor pages do.

Each route calls the same service, with the same validation, as the page it mirrors. Every write
to a week carries ``expected_version`` (the week's version the caller read): a write that comes
after someone else's answers 409, and each answer gives the week's new ``version``."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body
from civic.api.schedule import item_json, week_json
from civic.api.schedule_fields import Fields, item_input, participant_pairs
from civic.core.permissions import token_required
from civic.schedule import access
from civic.schedule.models import WeekStatus
from civic.schedule.services import ScheduleError
from civic.schedule.services import weeks as svc

EDITORS = tuple(access.EDITORS)
# The page adds participants from the directory: posts, invitation groups, people.
ADDABLE = ("post", "group", "contact")


def _week_summary(week) -> dict:
    return {"id": week.id, "year": week.iso_year, "week": week.iso_week, "status": week.status,
            "from": week.monday.isoformat(), "to": week.sunday.isoformat(), "revision": week.revision,
            "version": week.version, "replaces_letters": week.replaces_letters}


def _saved(item, week, **extra) -> dict:
    return {**item_json(item, True), "version": week.version, "removed": False, **extra}


@bp.get("/schedule")
@token_required(*EDITORS)
def schedule_weeks_api():
    year, week = svc.coming_week()
    return jsonify({"weeks": [_week_summary(w) for w in svc.list_weeks()],
                    "coming": {"year": year, "week": week, "exists": svc.get_week(year, week) is not None}})


@bp.post("/schedule")
@token_required(*EDITORS)
def schedule_create_week_api():
    fields = Fields(json_body())
    coming = svc.coming_week()  # what the page's button makes
    year, week = fields.integer("year", coming[0]), fields.integer("week", coming[1])
    if not svc.valid_week(year, week):
        raise ScheduleError(_("This week does not exist."), 422)
    row = svc.create_week(year, week, g.api_user)
    return jsonify(week_json(row, True)), 201


@bp.get("/schedule/<int:year>/<int:week>/items")
@token_required(*EDITORS)
def schedule_manage_week_api(year, week):
    row = access.managed_week_at(g.api_user, year, week)
    return jsonify(week_json(row, True))


def _item(year, week, item_id):
    row = access.managed_week_at(g.api_user, year, week)
    return access.managed_item(g.api_user, row.id, item_id)


@bp.patch("/schedule/<int:year>/<int:week>/items/<int:item_id>")
@token_required(*EDITORS)
def schedule_update_item_api(year, week, item_id):
    body = json_body()
    row, found = _item(year, week, item_id)
    version = Fields(body).version()
    data = item_input(body, svc.item_data(found))
    svc.update_item(found, data, g.api_user, version)
    return jsonify(_saved(found, row))


@bp.delete("/schedule/<int:year>/<int:week>/items/<int:item_id>")
@token_required(*EDITORS)
def schedule_delete_item_api(year, week, item_id):
    row, found = _item(year, week, item_id)
    raw = request.args.get("expected_version", "")
    if not raw.isdigit() or len(raw) > 15:
        raise ScheduleError(_("%(name)s must be a whole number.", name="expected_version"), 422)
    svc.remove_draft_item(found, g.api_user, int(raw))
    return jsonify({"id": item_id, "removed": True, "version": row.version})


@bp.post("/schedule/<int:year>/<int:week>/items/<int:item_id>/cancel")
@token_required(*EDITORS)
def schedule_cancel_item_api(year, week, item_id):
    fields = Fields(json_body())
    row, found = _item(year, week, item_id)
    version, reason, draft = fields.version(), fields.text("reason"), not row.is_published
    svc.cancel_item(found, reason, g.api_user, version)
    if draft:  # the service removes a draft week's item (as on the page): the answer says so
        return jsonify({"id": item_id, "removed": True, "version": row.version})
    return jsonify(_saved(found, row))


@bp.post("/schedule/<int:year>/<int:week>/items/<int:item_id>/participants")
@token_required(*EDITORS)
def schedule_add_participants_api(year, week, item_id):
    body = json_body()
    row, found = _item(year, week, item_id)
    version = Fields(body).version()
    pairs = participant_pairs(body.get("participants", []), ADDABLE)
    added = svc.add_participants(found, pairs, g.api_user, version)
    return jsonify(_saved(found, row, added=added))


def _act(year, week, action):
    fields = Fields(json_body())
    row = access.managed_week_at(g.api_user, year, week)
    version = fields.version()
    if action == "copy":
        added = svc.copy_last_week(row, fields.integers("item_ids"), g.api_user, version)
    else:
        added = svc.generate_recurring(row, g.api_user, version)
    return jsonify({**week_json(svc.get_week(year, week), True), "added": added})


@bp.post("/schedule/<int:year>/<int:week>/copy-last-week")
@token_required(*EDITORS)
def schedule_copy_last_week_api(year, week):
    return _act(year, week, "copy")


@bp.post("/schedule/<int:year>/<int:week>/generate-recurring")
@token_required(*EDITORS)
def schedule_generate_recurring_api(year, week):
    return _act(year, week, "recurring")


# --------------------------------------------------------------------------- OpenAPI

_bearer = [{"bearer": []}]
_err = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_year = {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}}
_week = {"name": "week", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 53}}
_item_id = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_version = {"type": "integer", "description": "The week's version you read (409 if someone saved since)"}


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _body(properties: dict, required=("expected_version",)) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, "required": list(required), "additionalProperties": True}}}}


def _op(summary: str, params: list, ok: tuple, body: dict | None = None, errors=(400, 401, 403, 404, 409, 422)):
    op = {"summary": summary, "tags": ["schedule"], "security": _bearer, "parameters": params,
          "responses": {ok[0]: {"description": ok[1], **_json(ok[2])}, **{str(c): _err for c in errors}}}
    if body is not None:
        op["requestBody"] = body
    return op


_item_params = [_year, _week, _item_id]
_participants = {"type": "array", "items": {"type": "object", "description":
                 'One of {"post": id}, {"group": id}, {"contact": id}'}}

PATHS: dict = {
    "/schedule": {
        "get": _op("The weeks of the schedule (drafts too) and the coming week", [],
                   ("200", "The weeks", "ScheduleWeekList"), errors=(401, 403)),
        "post": _op("Create a week (by default the coming one, as the page's button)", [],
                    ("201", "The new week", "ScheduleWeek"),
                    _body({"year": {"type": "integer"}, "week": {"type": "integer"}}, required=()),
                    errors=(400, 401, 403, 409, 422)),
    },
    "/schedule/{year}/{week}/items": {
        "get": _op("The week as its editors see it: a draft, items not shown on the portal", [_year, _week],
                   ("200", "The week", "ScheduleWeek"), errors=(401, 403, 404)),
    },
    "/schedule/{year}/{week}/items/{item_id}": {
        "patch": _op("Change an item (fields not sent stay); on a published week it is a revision",
                     _item_params, ("200", "The item", "ScheduleItemSaved"),
                     {"required": True, "content": {"application/json": {"schema": {
                         "$ref": "#/components/schemas/ScheduleItemChange"}}}}),
        "delete": _op("Remove an item of a draft week (a published week's item is cancelled instead)",
                      [*_item_params, {"name": "expected_version", "in": "query", "required": True,
                                       "schema": {"type": "integer", "minimum": 0}}],
                      ("200", "Removed", "ScheduleItemSaved"), errors=(401, 403, 404, 409, 422)),
    },
    "/schedule/{year}/{week}/items/{item_id}/cancel": {
        "post": _op("Cancel an item with the reason readers see (a draft week's item is removed)", _item_params,
                    ("200", "The cancelled item", "ScheduleItemSaved"),
                    _body({"expected_version": _version, "reason": {"type": "string", "maxLength": 500}},
                          required=("expected_version", "reason"))),
    },
    "/schedule/{year}/{week}/items/{item_id}/participants": {
        "post": _op("Add participants to an item; on a published week just they are invited", _item_params,
                    ("200", "The item, with how many were added", "ScheduleItemSaved"),
                    _body({"expected_version": _version, "participants": _participants},
                          required=("expected_version", "participants"))),
    },
    "/schedule/{year}/{week}/copy-last-week": {
        "post": _op("Copy last week's items (not cancelled ones) into this draft week", [_year, _week],
                    ("200", "The week, with how many items were added", "ScheduleWeek"),
                    _body({"expected_version": _version, "item_ids": {
                        "type": "array", "items": {"type": "integer"}, "description": "only these of last week's"}})),
    },
    "/schedule/{year}/{week}/generate-recurring": {
        "post": _op("Add the recurring items and the citizen reception sessions to this draft week", [_year, _week],
                    ("200", "The week, with how many items were added", "ScheduleWeek"),
                    _body({"expected_version": _version})),
    },
}


def _schemas() -> dict:
    from civic.api.schedule import SCHEMAS as READ

    item, change = READ["ScheduleItem"]["properties"], dict(READ["ScheduleItemInput"]["properties"])
    change.pop("version", None)
    summary = {k: v for k, v in READ["ScheduleWeek"]["properties"].items() if k != "items"}
    return {
        "ScheduleItemSaved": {"type": "object", "properties": {
            **item, "event_id": {"type": ["integer", "null"]}, "version": {"type": "integer"},
            "removed": {"type": "boolean"}, "added": {"type": "integer"}}, "required": ["id", "version", "removed"]},
        "ScheduleItemChange": {"type": "object", "required": ["expected_version"], "additionalProperties": True,
                               "properties": {**change, "end": {"type": ["string", "null"]}}},
        "ScheduleWeekSummary": {"type": "object", "properties": {
            **summary, "status": {"type": "string", "enum": [str(s) for s in WeekStatus]}}},
        "ScheduleWeekList": {"type": "object", "properties": {
            "weeks": {"type": "array", "items": {"$ref": "#/components/schemas/ScheduleWeekSummary"}},
            "coming": {"type": "object", "properties": {"year": {"type": "integer"}, "week": {"type": "integer"},
                                                        "exists": {"type": "boolean"}}}}},
    }


SCHEMAS: dict = _schemas()
