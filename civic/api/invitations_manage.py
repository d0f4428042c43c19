"""API, invitations: an event's invitation list (adding, roles, removing, sending, answers recorded,
hand-overs followed), its letter, check-in at the door (walk-ins, the ticked sign-in sheet) and the
attendance report. The directory (contacts, groups, posts) is in invitations_directory.

Each route calls the same service, with the same validation, as the page it mirrors
(civic/invitations/views/lists.py, door.py, sheets.py), on the event loaded through
civic.invitations.access (hidden: 404; not yours to manage: 403)."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.api.invitations import invitation_json
from civic.api.invitations_directory import day, flag, ids, obj, op, text, whole
from civic.core.permissions import Role, token_required
from civic.invitations import access
from civic.invitations import services as svc
from civic.invitations.models import InvitationRole, SendAudience, SendKind


def _event(event_id):
    return access.managed_event(g.api_user, event_id)


def _sent_json(result) -> dict:
    return {"email": result.email, "sms": result.sms, "skipped": result.skipped}


# --------------------------------------------------------------------------- the list


@bp.post("/events/<int:event_id>/invitations")
@token_required(Role.ORGANIZER)
def invitations_add_api(event_id):
    event = _event(event_id)
    body = json_body()
    groups, posts, contacts = ids(body, "group_ids"), ids(body, "post_ids"), ids(body, "contact_ids")
    role = text(body, "role") or svc.DEFAULT_ROLE
    added = svc.add_invitees(event, group_ids=groups, post_ids=posts, contact_ids=contacts, role=role)
    items = [invitation_json(i) for i in svc.list_invitations(event)]
    return jsonify({"event_id": event.id, "added": added, "items": items}), 201 if added else 200


@bp.patch("/events/<int:event_id>/invitations/<int:invitation_id>")
@token_required(Role.ORGANIZER)
def invitation_update_api(event_id, invitation_id):
    inv = access.invitation(_event(event_id), invitation_id)
    body = json_body()
    role = text(body, "role", required=True)
    svc.set_role(inv, role)
    return jsonify(invitation_json(inv))


@bp.delete("/events/<int:event_id>/invitations/<int:invitation_id>")
@token_required(Role.ORGANIZER)
def invitation_delete_api(event_id, invitation_id):
    svc.remove_invitation(access.invitation(_event(event_id), invitation_id))
    return "", 204


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/resend")
@token_required(Role.ORGANIZER)
def invitation_resend_api(event_id, invitation_id):
    event = _event(event_id)
    inv = access.invitation(event, invitation_id)
    result = svc.send(event, [inv], SendKind.RESEND, g.api_user)
    if result.skipped:
        return json_error(422, _("This person has neither an email address nor a phone number."))
    return jsonify(_sent_json(result))


@bp.post("/events/<int:event_id>/invitations/record")
@token_required(Role.ORGANIZER)
def invitation_record_api(event_id):
    """An answer received by phone or on paper, recorded with who recorded it."""
    event = _event(event_id)
    body = json_body()
    inv = access.invitation(event, whole(body, "invitation_id", required=True))
    response, via = text(body, "response", required=True), text(body, "via", required=True)
    fields = {key: text(body, key) or "" for key in ("reason", "substitute_name", "substitute_position")}
    svc.record_answer(inv, response, via=via, recorded_by=g.api_user, consent_value=flag(body, "consent"), **fields)
    return jsonify(invitation_json(inv))


@bp.post("/events/<int:event_id>/invitations/send")
@token_required(Role.ORGANIZER)
def invitations_send_api(event_id):
    event = _event(event_id)
    audience = text(json_body(), "audience") or SendAudience.NEW
    result = svc.send_to(event, audience, g.api_user)
    return jsonify(_sent_json(result))


@bp.post("/events/<int:event_id>/invitations/follow-hand-overs")
@token_required(Role.ORGANIZER)
def invitations_follow_api(event_id):
    moved = svc.follow_hand_overs(_event(event_id))
    return jsonify({"moved": [{"from": old, "to": new} for old, new in moved]})


# --------------------------------------------------------------------------- the letter

_LETTER_TEXTS = ("number", "participants", "agenda", "contact_person", "signer_title", "signer_name")


def _letter_json(event, settings) -> dict:
    return {"event_id": event.id, "saved": settings.id is not None,
            "issued_on": settings.issued_on.isoformat() if settings.issued_on else None,
            **{key: getattr(settings, key) or "" for key in _LETTER_TEXTS}}


@bp.get("/events/<int:event_id>/letter-settings")
@token_required(Role.ORGANIZER)
def letter_settings_api(event_id):
    event = _event(event_id)
    return jsonify(_letter_json(event, svc.letter_settings(event)))


@bp.put("/events/<int:event_id>/letter-settings")
@token_required(Role.ORGANIZER)
def letter_settings_save_api(event_id):
    event = _event(event_id)
    body = json_body()
    values = {key: text(body, key) for key in _LETTER_TEXTS}
    values["issued_on"] = day(body, "issued_on")
    settings = svc.save_letter_settings(event, **values)
    return jsonify(_letter_json(event, settings))


# --------------------------------------------------------------------------- at the door, and after


@bp.post("/events/<int:event_id>/walk-ins")
@token_required(Role.ORGANIZER)
def walk_in_api(event_id):
    """Someone who came without an invitation: added as a guest and checked in."""
    event = _event(event_id)
    body = json_body()
    full_name = text(body, "full_name", required=True)
    position, unit = text(body, "position") or "", text(body, "unit") or ""
    inv = svc.add_walk_in(event, full_name, position, unit, g.api_user)
    return jsonify(invitation_json(inv)), 201


@bp.post("/events/<int:event_id>/sign-in-sheet/ticks")
@token_required(Role.ORGANIZER)
def sign_in_tick_api(event_id):
    """Everyone ticked on the signed paper sheet, checked in at once (who already was keeps their time)."""
    event = _event(event_id)
    count = svc.tick_signed(event, ids(json_body(), "invitation_ids"), g.api_user)
    return jsonify({"checked_in": count})


@bp.get("/events/<int:event_id>/attendance")
@token_required(Role.ORGANIZER)
def attendance_api(event_id):
    """The attendance report's numbers (audited as the report page is)."""
    event = _event(event_id)
    report = svc.attendance_report(event)
    svc.record_access(g.api_user, "attendance_report", event, fmt="json")
    return jsonify({"event_id": event.id, "totals": report["totals"],
                    "by_group": [{"name": name, **counts} for name, counts in report["by_group"]],
                    "by_unit": [{"name": name, **counts} for name, counts in report["by_unit"]]})


# --------------------------------------------------------------------------- OpenAPI


def _values(codes) -> list:
    return [str(code) for code in codes]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_s, _n = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
_ids = {"type": ["array", "null"], "items": {"type": "integer"}}
_date = {"type": ["string", "null"], "format": "date"}
_ev, _ev_inv = ("event_id",), ("event_id", "invitation_id")
_role = {"type": ["string", "null"], "enum": [*_values(InvitationRole), None]}
_counts = {key: {"type": "integer"} for key in
           ("invited", "answered", "accepted", "declined", "substitutes", "attended", "walk_ins")}

PATHS: dict = {
    "/events/{event_id}/invitations": {"post": op(
        "Add invitees: groups, posts (their current holders) and people; who is on the list already stays",
        params=_ev, body=obj({"group_ids": _ids, "post_ids": _ids, "contact_ids": _ids, "role": _role}),
        ok="201", schema=_ref("InvitationsAdded"), errors=(404, 422))},
    "/events/{event_id}/invitations/{invitation_id}": {
        "patch": op("Change an invitee's role at the meeting", params=_ev_inv,
                    body=obj({"role": _role}, ("role",)), schema=_ref("Invitation"), errors=(404, 422)),
        "delete": op("Remove an invitee from the list", params=_ev_inv, ok="204", errors=(404,)),
    },
    "/events/{event_id}/invitations/{invitation_id}/resend": {"post": op(
        "Send one invitee their invitation again", params=_ev_inv, schema=_ref("SendResult"), errors=(404, 422))},
    "/events/{event_id}/invitations/record": {"post": op(
        "Record an answer received by phone or on paper (naming a substitute needs consent: true)",
        params=_ev, body=obj({"invitation_id": _n,
                              "response": {"type": ["string", "null"], "enum": [*_values(svc.RESPONSES), None]},
                              "via": {"type": ["string", "null"], "enum": [*_values(svc.RECORDED_CHANNELS), None]},
                              "reason": _s, "substitute_name": _s, "substitute_position": _s,
                              "consent": {"type": ["boolean", "null"]}}, ("invitation_id", "response", "via")),
        schema=_ref("Invitation"), errors=(404, 422))},
    "/events/{event_id}/invitations/send": {"post": op(
        "Send the invitations not sent yet (audience new), or remind those who have not answered or are coming",
        params=_ev, body=obj({"audience": {"type": ["string", "null"], "enum": [*_values(SendAudience), None]}}),
        schema=_ref("SendResult"), errors=(404, 422))},
    "/events/{event_id}/invitations/follow-hand-overs": {"post": op(
        "Move unanswered invitations of posts that changed hands to the new holders", params=_ev,
        schema=obj({"moved": {"type": "array", "items": obj({"from": {"type": "string"}, "to": {"type": "string"}})}}),
        errors=(404,))},
    "/events/{event_id}/letter-settings": {
        "get": op("The giấy mời's number, date, agenda and signer", params=_ev, schema=_ref("LetterSettings"),
                  errors=(404,)),
        "put": op("Save the giấy mời's settings (absent fields keep their value; the number may not be blank)",
                  params=_ev, body=obj({**{key: _s for key in _LETTER_TEXTS}, "issued_on": _date}),
                  schema=_ref("LetterSettings"), errors=(404, 422)),
    },
    "/events/{event_id}/walk-ins": {"post": op(
        "Add someone who came without an invitation (a guest, checked in now)", params=_ev,
        body=obj({"full_name": _s, "position": _s, "unit": _s}, ("full_name",)), ok="201",
        schema=_ref("Invitation"), errors=(404, 422))},
    "/events/{event_id}/sign-in-sheet/ticks": {"post": op(
        "Check in everyone ticked on the signed sheet", params=_ev, body=obj({"invitation_ids": _ids}),
        schema=obj({"checked_in": {"type": "integer"}}), errors=(404, 422))},
    "/events/{event_id}/attendance": {"get": op(
        "The attendance report: totals, by group and by unit (the read is audited)", params=_ev,
        schema=_ref("Attendance"), errors=(404,))},
}

SCHEMAS: dict = {
    "InvitationsAdded": obj({"event_id": {"type": "integer"}, "added": {"type": "integer"},
                             "items": {"type": "array", "items": _ref("Invitation")}}),
    "SendResult": obj({"email": {"type": "integer"}, "sms": {"type": "integer"},
                       "skipped": {"type": "integer", "description": "neither e-mail nor phone: print their letter"}}),
    "LetterSettings": obj({"event_id": {"type": "integer"}, "saved": {"type": "boolean"},
                           "issued_on": {"type": ["string", "null"], "format": "date"},
                           **{key: {"type": "string"} for key in _LETTER_TEXTS}}),
    "Attendance": obj({"event_id": {"type": "integer"}, "totals": obj(_counts),
                       "by_group": {"type": "array", "items": obj({"name": {"type": "string"}, **_counts})},
                       "by_unit": {"type": "array", "items": obj({"name": {"type": "string"}, **_counts})}}),
}
