"""API, the citizen reception schedule managed (organizer token): its rules, the ward's extra
days off and the per-session changes, as on the organizers' reception page. Each route calls the
same service, with the same checks, as that page."""

from __future__ import annotations

from flask import g, jsonify, request

from civic.api import bp
from civic.api.common import json_body
from civic.api.schedule_fields import Fields
from civic.core.permissions import Role, token_required
from civic.core.timeutil import local_today
from civic.schedule import access
from civic.schedule.models import HolidayPolicy, OverrideAction
from civic.schedule.services import reception as svc

MANAGERS = (Role.ORGANIZER,)  # the page's @role_required(Role.ORGANIZER), access.RECEPTION_MANAGERS


def rule_json(rule) -> dict:
    return {"id": rule.id, "post_id": rule.post_id, "post": rule.post.label, "weekdays": rule.weekday_numbers,
            "starts_at": f"{rule.starts_at:%H:%M}", "ends_at": f"{rule.ends_at:%H:%M}", "place": rule.place,
            "valid_from": rule.valid_from.isoformat(),
            "valid_until": rule.valid_until.isoformat() if rule.valid_until else None,
            "holiday_policy": rule.holiday_policy, "note": rule.note, "summary": svc.rule_summary(rule)}


def holiday_json(extra) -> dict:
    return {"id": extra.id, "day": extra.day.isoformat(), "name": extra.name}


def override_json(override) -> dict:
    return {"id": override.id, "rule_id": override.rule_id, "post": override.rule.post.label,
            "original_on": override.original_on.isoformat(), "action": override.action,
            "moved_to": override.moved_to.isoformat() if override.moved_to else None, "reason": override.reason}


def _from_arg(default):
    raw = request.args.get("from")
    if not raw:
        return default
    return Fields({"from": raw}).day("from")


def _listing(key, rows, to_json):
    return jsonify({key: [to_json(r) for r in rows]})


# --------------------------------------------------------------------------- rules


def _rule_input(body: dict, rule=None) -> svc.RuleInput:
    """The JSON as the service's RuleInput; on a change (``rule``) an absent field keeps its value.
    Missing times or dates go to the service as None: it says what is missing, as on the page."""
    f = Fields(body)
    weekdays = f.integers("weekdays", rule.weekday_numbers if rule else [])
    return svc.RuleInput(
        post_id=f.integer("post_id", rule.post_id if rule else None),
        weekdays=weekdays, starts_at=f.clock("starts_at", rule.starts_at if rule else None),
        ends_at=f.clock("ends_at", rule.ends_at if rule else None), place=f.text("place", rule.place if rule else ""),
        valid_from=f.day("valid_from", rule.valid_from if rule else None),
        valid_until=f.day("valid_until") if f.has("valid_until") else (rule.valid_until if rule else None),
        holiday_policy=f.text("holiday_policy", rule.holiday_policy if rule else HolidayPolicy.NEXT),
        note=f.text("note", rule.note if rule else ""))


@bp.get("/reception/rules")
@token_required(*MANAGERS)
def reception_rules_api():
    return _listing("rules", svc.list_rules(), rule_json)


@bp.post("/reception/rules")
@token_required(*MANAGERS)
def reception_rule_create_api():
    body = json_body()
    rule = svc.save_rule(None, _rule_input(body))
    return jsonify(rule_json(rule)), 201


@bp.patch("/reception/rules/<int:rule_id>")
@token_required(*MANAGERS)
def reception_rule_update_api(rule_id):
    body = json_body()
    rule = access.managed_rule(g.api_user, rule_id)
    rule = svc.save_rule(rule, _rule_input(body, rule))
    return jsonify(rule_json(rule))


@bp.delete("/reception/rules/<int:rule_id>")
@token_required(*MANAGERS)
def reception_rule_delete_api(rule_id):
    svc.delete_rule(access.managed_rule(g.api_user, rule_id))
    return "", 204


# --------------------------------------------------------------------------- days off


@bp.get("/reception/holidays")
@token_required(*MANAGERS)
def reception_holidays_api():
    start = _from_arg(local_today().replace(month=1, day=1))  # the page lists this year's on
    return _listing("holidays", svc.list_extra_days(start), holiday_json)


@bp.post("/reception/holidays")
@token_required(*MANAGERS)
def reception_holiday_create_api():
    fields = Fields(json_body())
    extra = svc.add_extra_day(fields.day("day", required=True), fields.text("name"))
    return jsonify(holiday_json(extra)), 201


@bp.delete("/reception/holidays/<int:holiday_id>")
@token_required(*MANAGERS)
def reception_holiday_delete_api(holiday_id):
    svc.delete_extra_day(access.managed_holiday(g.api_user, holiday_id))
    return "", 204


# --------------------------------------------------------------------------- one session moved or cancelled


@bp.get("/reception/overrides")
@token_required(*MANAGERS)
def reception_overrides_api():
    start = _from_arg(local_today())  # the page lists those from today
    return _listing("overrides", svc.list_overrides(start), override_json)


@bp.post("/reception/overrides")
@token_required(*MANAGERS)
def reception_override_create_api():
    fields = Fields(json_body())
    rule = access.managed_rule(g.api_user, fields.integer("rule_id", required=True))
    override = svc.set_override(rule, fields.day("original_on", required=True), fields.text("action"),
                                fields.day("moved_to"), fields.text("reason"))
    return jsonify(override_json(override)), 201


@bp.delete("/reception/overrides/<int:override_id>")
@token_required(*MANAGERS)
def reception_override_delete_api(override_id):
    svc.delete_override(access.managed_override(g.api_user, override_id))
    return "", 204


# --------------------------------------------------------------------------- OpenAPI

_bearer = [{"bearer": []}]
_err = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_from = {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}}


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _body(ref: str) -> dict:
    return {"required": True, **_json(ref)}


def _op(summary, params, ok, body=None, errors=(400, 401, 403, 404, 409, 422)):
    code, what, ref = ok
    op = {"summary": summary, "tags": ["schedule"], "security": _bearer, "parameters": params,
          "responses": {code: {"description": what, **(_json(ref) if ref else {})}, **{str(c): _err for c in errors}}}
    if body is not None:
        op["requestBody"] = _body(body)
    return op


def _listed(key: str, ref: str) -> dict:
    return {"type": "object", "properties": {key: {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}}}


_reads = (400, 401, 403)
PATHS: dict = {
    "/reception/rules": {
        "get": _op("The reception schedules (who receives citizens, when, where)", [],
                   ("200", "The rules", "ReceptionRuleList"), errors=_reads),
        "post": _op("Add a reception schedule for a post", [], ("201", "The rule", "ReceptionRule"), "ReceptionRuleInput"),
    },
    "/reception/rules/{rule_id}": {
        "patch": _op("Change a reception schedule (fields not sent stay)", [_id("rule_id")],
                     ("200", "The rule", "ReceptionRule"), "ReceptionRuleInput"),
        "delete": _op("Delete a reception schedule", [_id("rule_id")], ("204", "Deleted", None), errors=(401, 403, 404)),
    },
    "/reception/holidays": {
        "get": _op("The ward's extra days off (this year's by default)", [_from],
                   ("200", "The days off", "ReceptionHolidayList"), errors=_reads),
        "post": _op("Add a day off (no reception that day)", [], ("201", "The day off", "ReceptionHoliday"),
                    "ReceptionHolidayInput"),
    },
    "/reception/holidays/{holiday_id}": {
        "delete": _op("Remove a day off", [_id("holiday_id")], ("204", "Removed", None), errors=(401, 403, 404)),
    },
    "/reception/overrides": {
        "get": _op("Sessions moved or cancelled (from today by default)", [_from],
                   ("200", "The changes", "ReceptionOverrideList"), errors=_reads),
        "post": _op("Move or cancel one session (replaces an earlier change of it)", [],
                    ("201", "The change", "ReceptionOverride"), "ReceptionOverrideInput"),
    },
    "/reception/overrides/{override_id}": {
        "delete": _op("Put a session back on its usual day", [_id("override_id")], ("204", "Removed", None),
                      errors=(401, 403, 404)),
    },
}

_policy = {"type": "string", "enum": [str(p) for p in HolidayPolicy]}
_action = {"type": "string", "enum": [str(a) for a in OverrideAction]}
_weekdays = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6}, "description": "0 = Monday"}
_date = {"type": "string", "format": "date"}
_time = {"type": "string", "example": "07:30", "description": "HH:MM, ward time"}

SCHEMAS: dict = {
    "ReceptionRule": {"type": "object", "properties": {
        "id": {"type": "integer"}, "post_id": {"type": "integer"}, "post": {"type": "string"}, "weekdays": _weekdays,
        "starts_at": _time, "ends_at": _time, "place": {"type": "string"}, "valid_from": _date,
        "valid_until": {"type": ["string", "null"], "format": "date"}, "holiday_policy": _policy,
        "note": {"type": "string"}, "summary": {"type": "string"}}},
    "ReceptionRuleInput": {"type": "object", "additionalProperties": True, "properties": {
        "post_id": {"type": "integer"}, "weekdays": _weekdays, "starts_at": _time, "ends_at": _time,
        "place": {"type": "string", "maxLength": 300}, "valid_from": _date,
        "valid_until": {"type": ["string", "null"], "format": "date"}, "holiday_policy": _policy,
        "note": {"type": "string", "maxLength": 500}}},
    "ReceptionRuleList": _listed("rules", "ReceptionRule"),
    "ReceptionHoliday": {"type": "object", "properties": {
        "id": {"type": "integer"}, "day": _date, "name": {"type": "string"}}},
    "ReceptionHolidayInput": {"type": "object", "required": ["day", "name"], "additionalProperties": True,
                              "properties": {"day": _date, "name": {"type": "string", "maxLength": 200}}},
    "ReceptionHolidayList": _listed("holidays", "ReceptionHoliday"),
    "ReceptionOverride": {"type": "object", "properties": {
        "id": {"type": "integer"}, "rule_id": {"type": "integer"}, "post": {"type": "string"},
        "original_on": _date, "action": _action, "moved_to": {"type": ["string", "null"], "format": "date"},
        "reason": {"type": "string"}}},
    "ReceptionOverrideInput": {"type": "object", "required": ["rule_id", "original_on", "action"],
                               "additionalProperties": True, "properties": {
        "rule_id": {"type": "integer"}, "original_on": _date, "action": _action, "moved_to": _date,
        "reason": {"type": "string", "maxLength": 500, "description": "required to cancel; residents read it"}}},
    "ReceptionOverrideList": _listed("overrides", "ReceptionOverride"),
}
