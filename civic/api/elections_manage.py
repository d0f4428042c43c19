"""API, elections: elections, milestones, polling areas and the reminder text (editor token).

Each route calls the same service, with the same validation, as the page it mirrors; this
module only reads JSON into the values the pages' forms give the services."""

from __future__ import annotations

from datetime import date, time

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.api.elections import area_json, election_json, milestone_json
from civic.core.errors import abort_with
from civic.core.permissions import Role, token_required
from civic.core.urls import absolute_url
from civic.elections import access, services
from civic.elections.errors import ElectionConflict, ElectionError, NotAllowed, NotVisible
from civic.elections.models import Body, MilestoneKind
from civic.elections.services import common as limits

# --------------------------------------------------------------------------- reading JSON


def _text(value, name):
    if value is None:
        return ""
    if not isinstance(value, str):
        abort_with(400, _("The field %(field)s must be a text.", field=name))
    return value


def _optional_text(value, name):
    return None if value is None else _text(value, name)


def _day(value, name):
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_day(name)
    except ValueError:
        return _bad_day(name)


def _bad_day(name):
    abort_with(400, _("The field %(field)s must be a date (YYYY-MM-DD).", field=name))


def _clock(value, name):
    try:
        parsed = time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None:
        abort_with(400, _("The field %(field)s must be a time (HH:MM).", field=name))
    return parsed


def _whole(value, name):
    if not isinstance(value, int) or isinstance(value, bool):
        abort_with(400, _("The field %(field)s must be a whole number.", field=name))
    return value


def _flag(value, name):
    if not isinstance(value, bool):
        abort_with(400, _("The field %(field)s must be true or false.", field=name))
    return value


def _texts(value, name):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        abort_with(400, _("The field %(field)s must be a list of texts.", field=name))
    return value


def _wholes(value, name):
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        abort_with(400, _("The field %(field)s must be a list of whole numbers.", field=name))
    return value


# JSON field -> (the service's key, its reader)
ELECTION_FIELDS = {
    "name": ("name", _text), "polling_day": ("polling_day", _day), "polls_open": ("polls_open", _clock),
    "polls_close": ("polls_close", _clock), "bodies": ("bodies", _texts),
    "what_to_bring": ("what_to_bring", _text), "description": ("description", _text),
}
NEW_ELECTION_FIELDS = {**ELECTION_FIELDS, "use_template": ("use_template", _flag)}
MILESTONE_FIELDS = {"kind": ("kind", _text), "date": ("day", _day), "title": ("title", _text), "text": ("text", _text)}
AREA_FIELDS = {
    "number": ("number", _whole), "station_name": ("station_name", _text),
    "station_address": ("station_address", _text), "map_url": ("map_url", _optional_text),
    "group_ids": ("group_ids", _wholes),
}
REMINDER_FIELDS = {"subject": ("reminder_subject", _text), "body": ("reminder_body", _text),
                   "sms": ("reminder_sms", _text)}


def _read(fields: dict, base: dict | None = None) -> dict:
    """The body's fields over ``base`` (a PATCH keeps what it does not name), as service input."""
    data = json_body()
    unknown = sorted(set(data) - set(fields))
    if unknown:
        abort_with(400, _("Unknown fields: %(fields)s.", fields=", ".join(unknown)[:200]))
    values = dict(base or {})
    for name, (key, reader) in fields.items():
        if name in data:
            values[key] = reader(data[name], name)
    return values


def _refused(exc: ElectionError):
    return json_error(409 if isinstance(exc, ElectionConflict) else 422, str(exc))


def _load(loader, *args):
    """The pages' access loaders: NotVisible is a 404, NotAllowed a 403."""
    try:
        return loader(g.api_user, *args)
    except NotVisible as exc:
        abort_with(404, str(exc))
    except NotAllowed as exc:
        abort_with(403, str(exc))


# --------------------------------------------------------------------------- elections


@bp.post("/elections")
@token_required(Role.EDITOR)
def create_election():
    data = _read(NEW_ELECTION_FIELDS)
    use_template = data.pop("use_template", False)
    try:
        election = services.create_election(data, g.api_user, use_template=use_template)
    except ElectionError as exc:
        return _refused(exc)
    response = jsonify(election_json(services.get_election(election.id)))
    response.headers["Location"] = absolute_url("elections.detail", election_id=election.id)
    return response, 201


@bp.patch("/elections/<int:election_id>")
@token_required(Role.EDITOR)
def update_election(election_id):
    election = _load(access.managed, election_id)
    try:
        services.update_election(election, _read(ELECTION_FIELDS, services.election_fields(election)))
    except ElectionError as exc:
        return _refused(exc)
    return jsonify(election_json(election))


@bp.delete("/elections/<int:election_id>")
@token_required(Role.EDITOR)
def delete_election(election_id):
    services.delete_election(_load(access.managed, election_id))
    return "", 204


@bp.post("/elections/<int:election_id>/apply-2021-calendar")
@token_required(Role.EDITOR)
def apply_2021_calendar(election_id):
    election = services.apply_2021_template(_load(access.managed, election_id))
    return jsonify(election_json(election))


# --------------------------------------------------------------------------- milestones and areas


@bp.post("/elections/<int:election_id>/milestones")
@token_required(Role.EDITOR)
def create_milestone(election_id):
    election = _load(access.managed, election_id)
    try:
        milestone = services.save_milestone(election, _read(MILESTONE_FIELDS))
    except ElectionError as exc:
        return _refused(exc)
    return jsonify(milestone_json(milestone)), 201


@bp.patch("/elections/<int:election_id>/milestones/<int:milestone_id>")
@token_required(Role.EDITOR)
def update_milestone(election_id, milestone_id):
    election, milestone = _load(access.managed_milestone, election_id, milestone_id)
    try:
        services.save_milestone(election, _read(MILESTONE_FIELDS, services.milestone_fields(milestone)), milestone)
    except ElectionError as exc:
        return _refused(exc)
    return jsonify(milestone_json(milestone))


@bp.delete("/elections/<int:election_id>/milestones/<int:milestone_id>")
@token_required(Role.EDITOR)
def delete_milestone(election_id, milestone_id):
    services.delete_milestone(*_load(access.managed_milestone, election_id, milestone_id))
    return "", 204


@bp.post("/elections/<int:election_id>/areas")
@token_required(Role.EDITOR)
def create_area(election_id):
    election = _load(access.managed, election_id)
    try:
        area = services.save_polling_area(election, _read(AREA_FIELDS))
    except ElectionError as exc:
        return _refused(exc)
    return jsonify(area_json(area)), 201


@bp.patch("/elections/<int:election_id>/areas/<int:area_id>")
@token_required(Role.EDITOR)
def update_area(election_id, area_id):
    election, area = _load(access.managed_area, election_id, area_id)
    try:
        services.save_polling_area(election, _read(AREA_FIELDS, services.area_fields(area)), area)
    except ElectionError as exc:
        return _refused(exc)
    return jsonify(area_json(area))


@bp.delete("/elections/<int:election_id>/areas/<int:area_id>")
@token_required(Role.EDITOR)
def delete_area(election_id, area_id):
    services.delete_area(*_load(access.managed_area, election_id, area_id))
    return "", 204


# --------------------------------------------------------------------------- the reminder


def _reminder_json(election) -> dict:
    """The texts, and the reminder as the first covered tổ dân phố would read it (or why it cannot)."""
    preview, preview_error = None, None
    try:
        preview = services.preview_reminder(election)
    except ElectionError as exc:
        preview_error = str(exc)
    return {
        "subject": election.reminder_subject, "body": election.reminder_body, "sms": election.reminder_sms,
        "placeholders": list(services.REMINDER_PLACEHOLDERS),
        "preview": preview and {key: preview.get(key) for key in ("subject", "body_text", "sms_text")},
        "preview_error": preview_error,
    }


@bp.get("/elections/<int:election_id>/reminder-text")
@token_required(Role.EDITOR)
def get_reminder_text(election_id):
    return jsonify(_reminder_json(_load(access.managed, election_id)))


@bp.put("/elections/<int:election_id>/reminder-text")
@token_required(Role.EDITOR)
def put_reminder_text(election_id):
    election = _load(access.managed, election_id)
    texts = {key: None for key, _reader in REMINDER_FIELDS.values()}  # PUT: a text left out is refused
    try:
        services.update_reminder_texts(election, _read(REMINDER_FIELDS, texts))
    except ElectionError as exc:
        return _refused(exc)
    return jsonify(_reminder_json(election))


@bp.post("/elections/<int:election_id>/reminder-text/test")
@token_required(Role.EDITOR)
def test_reminder(election_id):
    election = _load(access.managed, election_id)
    try:
        campaign = services.send_test_reminder(election, g.api_user)
    except ElectionError as exc:
        return _refused(exc)
    return jsonify({"sent_to": g.api_user.email, "campaign_id": campaign.id}), 202



# --------------------------------------------------------------------------- OpenAPI

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_SEC = [{"bearer": []}]
_ELECTION_ID = {"name": "election_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_MILESTONE_ID = {"name": "milestone_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_AREA_ID = {"name": "area_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_AUTH = {"401": {"description": "No or invalid token", **_ERR}, "403": {"description": "Not an editor", **_ERR}}


def _ok(code: str, description: str, schema: str | None = None) -> dict:
    if schema is None:
        return {code: {"description": description}}
    return {code: {"description": description,
                   "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}}


def _op(summary: str, params: list, ok: dict, *, body: str | None = None, errors=("404",)) -> dict:
    """One editor operation: bearer token, its path ids, its errors (400 and 422 come with a body)."""
    described = {"400": "Malformed body or a field of the wrong type", "404": "No such election (or item)",
                 "409": "Clashes with another polling area", "422": "Invalid values (message in Vietnamese)"}
    operation = {"summary": summary, "tags": ["elections"], "security": _SEC, "parameters": params,
                 "responses": {**ok, **_AUTH}}
    codes = list(errors) + (["400", "422"] if body else [])
    for code in codes:
        operation["responses"][code] = {"description": described[code], **_ERR}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return operation


_TEXT, _DATE = {"type": "string"}, {"type": "string", "format": "date", "example": "2021-05-23"}
_TIME = {"type": "string", "example": "07:00", "description": "ward time, HH:MM"}
_ELECTION_PROPS = {
    "name": {"type": "string", "maxLength": limits.NAME_MAX},
    "polling_day": {**_DATE, "description": f"between {limits.FIRST_DAY} and {limits.LAST_DAY}"},
    "polls_open": {**_TIME, "description": "default 07:00"},
    "polls_close": {**_TIME, "description": "default 19:00; after polls_open"},
    "bodies": {"type": "array", "items": {"type": "string", "enum": [str(b) for b in Body]}},
    "what_to_bring": {"type": "string", "maxLength": limits.WHAT_TO_BRING_MAX},
    "description": {"type": "string", "maxLength": limits.DESCRIPTION_MAX},
}
_MILESTONE_PROPS = {
    "kind": {"type": "string", "enum": [str(k) for k in MilestoneKind], "description": "default other"},
    "date": {**_DATE, "description": "on or before polling day; a polling_day milestone on it"},
    "title": {"type": "string", "maxLength": limits.MILESTONE_TITLE_MAX, "description": "default: the kind's name"},
    "text": {"type": "string", "maxLength": limits.MILESTONE_TEXT_MAX},
}
_AREA_PROPS = {
    "number": {"type": "integer", "minimum": 1, "maximum": 10_000},
    "station_name": {"type": "string", "maxLength": limits.STATION_NAME_MAX},
    "station_address": {"type": "string", "maxLength": limits.STATION_ADDRESS_MAX},
    "map_url": {"type": ["string", "null"], "maxLength": limits.MAP_URL_MAX, "description": "https://…"},
    "group_ids": {"type": "array", "items": {"type": "integer"},
                  "description": "tổ dân phố ids; at least one, each in one area of the election only"},
}
_REMINDER_PROPS = {
    "subject": {"type": "string", "maxLength": limits.REMINDER_SUBJECT_MAX},
    "body": {"type": "string", "maxLength": limits.REMINDER_BODY_MAX},
    "sms": {"type": "string", "maxLength": limits.REMINDER_SMS_MAX},
}


def _input(props: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


SCHEMAS: dict = {
    "ElectionInput": _input({**_ELECTION_PROPS, "use_template": {
        "type": "boolean", "description": "fill the milestones from the 2021 election calendar"}},
        ["name", "polling_day"]),
    "ElectionChange": _input(_ELECTION_PROPS),
    "MilestoneInput": _input(_MILESTONE_PROPS, ["date"]),
    "MilestoneChange": _input(_MILESTONE_PROPS),
    "PollingAreaInput": _input(_AREA_PROPS, ["number", "station_name", "station_address", "group_ids"]),
    "PollingAreaChange": _input(_AREA_PROPS),
    "ReminderTextInput": _input(_REMINDER_PROPS, ["subject", "body", "sms"]),
    "ReminderText": {
        "type": "object",
        "properties": {
            **{key: _TEXT for key in _REMINDER_PROPS},
            "placeholders": {"type": "array", "items": _TEXT},
            "preview": {"type": ["object", "null"], "properties": {
                "subject": _TEXT, "body_text": _TEXT, "sms_text": {"type": ["string", "null"]}}},
            "preview_error": {"type": ["string", "null"]},
        },
        "required": ["subject", "body", "sms", "placeholders"],
    },
    "ReminderTest": {"type": "object", "properties": {"sent_to": _TEXT, "campaign_id": {"type": "integer"}}},
}

_E, _M, _A = [_ELECTION_ID], [_ELECTION_ID, _MILESTONE_ID], [_ELECTION_ID, _AREA_ID]
PATHS: dict = {
    "/elections": {"post": _op("Create an election (editors)", [], _ok("201", "Created", "Election"),
                               body="ElectionInput", errors=())},
    "/elections/{election_id}": {
        "patch": _op("Change an election (editors); a polling day before a milestone is refused", _E,
                     _ok("200", "The election", "Election"), body="ElectionChange"),
        "delete": _op("Delete an election with its milestones and areas (editors)", _E, _ok("204", "Deleted")),
    },
    "/elections/{election_id}/apply-2021-calendar": {"post": _op(
        "Replace the milestones with the 2021 election calendar counted from polling day (editors)", _E,
        _ok("200", "The election", "Election"))},
    "/elections/{election_id}/milestones": {"post": _op(
        "Add a milestone (editors)", _E, _ok("201", "Created", "Milestone"), body="MilestoneInput")},
    "/elections/{election_id}/milestones/{milestone_id}": {
        "patch": _op("Change a milestone (editors)", _M, _ok("200", "The milestone", "Milestone"),
                     body="MilestoneChange"),
        "delete": _op("Delete a milestone (editors)", _M, _ok("204", "Deleted")),
    },
    "/elections/{election_id}/areas": {"post": _op(
        "Add a polling area (editors)", _E, _ok("201", "Created", "PollingArea"), body="PollingAreaInput",
        errors=("404", "409"))},
    "/elections/{election_id}/areas/{area_id}": {
        "patch": _op("Change a polling area (editors)", _A, _ok("200", "The polling area", "PollingArea"),
                     body="PollingAreaChange", errors=("404", "409")),
        "delete": _op("Delete a polling area (editors)", _A, _ok("204", "Deleted")),
    },
    "/elections/{election_id}/reminder-text": {
        "get": _op("The reminder's subject, text and SMS, with a preview (editors)", _E,
                   _ok("200", "The reminder text", "ReminderText")),
        "put": _op("Replace the reminder's subject, text and SMS (editors); placeholders are checked", _E,
                   _ok("200", "The reminder text", "ReminderText"), body="ReminderTextInput"),
    },
    "/elections/{election_id}/reminder-text/test": {"post": _op(
        "Send the reminder to the token's own email address (editors)", _E,
        _ok("202", "Sent to the editor", "ReminderTest"), errors=("404", "422"))},
}
