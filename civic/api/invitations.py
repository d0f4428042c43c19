"""API: invitations. Routes call civic.invitations.services, the same services as the pages."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.core.permissions import Role, public, token_required
from civic.core.timeutil import isoformat_local
from civic.extensions import db, limiter
from civic.invitations import access
from civic.invitations import services as svc
from civic.invitations.importer import import_contacts
from civic.invitations.models import (
    AnswerChannel,
    CheckinMethod,
    Invitation,
    InvitationRole,
    InvitationStatus,
)
from civic.privacy import services as privacy


def contact_json(c) -> dict:
    return {
        "id": c.id, "full_name": c.full_name, "family_name": c.family_name, "middle_name": c.middle_name,
        "given_name": c.given_name, "position": c.position, "unit": c.unit,
        "residential_group": c.residential_group.name if c.residential_group else None,
        "phone": c.phone, "email": c.email, "groups": sorted(g.name for g in c.groups),
    }


def invitation_json(inv) -> dict:
    return {
        "id": inv.id, "contact_id": inv.contact_id, "full_name": inv.full_name, "position": inv.position,
        "unit": inv.unit, "residential_group": inv.residential_group_name or None, "role": inv.role,
        "source": inv.source, "status": inv.status, "reason": inv.reason or None,
        "substitute_name": inv.substitute_name or None, "substitute_position": inv.substitute_position or None,
        "answered_at": isoformat_local(inv.answered_at), "answered_via": inv.answered_via or None,
        "sent_at": isoformat_local(inv.sent_at), "checked_in_at": isoformat_local(inv.checked_in_at),
        "walk_in": inv.is_walk_in,
    }


@bp.post("/contacts/import")
@token_required(Role.ORGANIZER)
def import_contacts_api():
    upload = request.files.get("file")
    if upload is None:
        return json_error(400, _("Choose a file to import."))
    raw_dry = (request.form.get("dry_run") or "false").strip().lower()
    if raw_dry not in ("true", "false", "1", "0"):
        return json_error(400, _("dry_run must be true or false."))
    data = upload.read()
    if not data:
        return json_error(400, _("Choose a file to import."))
    try:
        report = import_contacts(data, upload.filename or "", dry_run=raw_dry in ("true", "1"))
    except svc.InvitationError as exc:
        return json_error(422, str(exc))
    return jsonify(report.summary())


@bp.get("/contacts")
@token_required(Role.ORGANIZER)
def list_contacts_api():
    q = (request.args.get("q") or "").strip()[:100]
    people = svc.list_contacts(q=q or None)
    # Phones and e-mail addresses leave the ward's hands: audited like the directory's export.
    svc.record_access(g.api_user, "contacts_export", fmt="json", rows=len(people))
    return jsonify({"items": [contact_json(c) for c in people]})


@bp.get("/events/<int:event_id>/invitations")
@token_required(Role.ORGANIZER)
def list_invitations_api(event_id):
    event = access.managed_event(g.api_user, event_id)
    return jsonify({"event_id": event.id, "items": [invitation_json(i) for i in svc.list_invitations(event)]})


@bp.post("/invitations/<token>/response")
@public
@limiter.limit("30 per minute")
def respond_api(token):
    inv = svc.invitation_by_token(token)
    if inv is None:
        return json_error(404, _("This invitation link is not valid."))
    body = json_body()
    for key in ("response", "reason", "substitute_name", "substitute_position"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return json_error(400, _("%(name)s must be text.", name=key))
    try:
        svc.answer(inv, body.get("response") or "", reason=body.get("reason") or "",
                   substitute_name=body.get("substitute_name") or "",
                   substitute_position=body.get("substitute_position") or "", via=AnswerChannel.LINK,
                   consent=privacy.consent_from(body.get("consent"), "api"))
    except svc.InvitationError as exc:
        return json_error(422, str(exc))
    return jsonify({"status": inv.status, "answered_at": isoformat_local(inv.answered_at),
                    "substitute_name": inv.substitute_name or None})


@bp.post("/events/<int:event_id>/checkins")
@token_required(Role.ORGANIZER)
def checkin_api(event_id):
    event = access.managed_event(g.api_user, event_id)
    body = json_body()
    token, contact_id, invitation_id = body.get("invitation_token"), body.get("contact_id"), body.get("invitation_id")
    inv = None
    if isinstance(invitation_id, int) and not isinstance(invitation_id, bool):
        inv = svc.get_invitation(event, invitation_id)  # found by name at the door (the page's check-in button)
    elif isinstance(token, str) and token:
        inv = svc.invitation_by_token(token) or svc.invitation_by_checkin_code(token)
        if inv is not None and inv.event_id != event.id:
            inv = None
    elif isinstance(contact_id, int) and not isinstance(contact_id, bool):
        key = svc.row_id(contact_id)
        inv = db.session.query(Invitation).filter_by(event_id=event.id, contact_id=key).one_or_none() if key else None
    else:
        return json_error(400, _("Send invitation_id, invitation_token or contact_id."))
    if inv is None:
        return json_error(404, _("This person is not on the invitation list of this event."))
    inv, first = svc.check_in(inv, g.api_user, CheckinMethod.API)
    return jsonify({"invitation": invitation_json(inv), "first_check_in": first}), 201 if first else 200


def _values(codes) -> list[str]:
    """An OpenAPI ``enum`` list from the domain's StrEnum (or a tuple of its members)."""
    return [str(code) for code in codes]


_err = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_bearer = [{"bearer": []}]

PATHS: dict = {
    "/contacts/import": {
        "post": {
            "summary": "Import contacts from an .xlsx, .xls, .xlsb, .ods or CSV file (all rows or none)",
            "tags": ["invitations"], "security": _bearer,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "dry_run": {"type": "string", "enum": ["true", "false"]}}}}}},
            "responses": {"200": {"description": "Import report", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ImportReport"}}}},
                "400": _err, "401": _err, "403": _err, "413": _err, "422": _err},
        }
    },
    "/contacts": {
        "get": {
            "summary": "The directory of leaders, in Vietnamese name order",
            "tags": ["invitations"], "security": _bearer,
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Contacts", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"items": {"type": "array", "items": {
                    "$ref": "#/components/schemas/Contact"}}}}}}}, "401": _err, "403": _err},
        }
    },
    "/events/{event_id}/invitations": {
        "get": {
            "summary": "Invitees of an event you organise, with their answers",
            "tags": ["invitations"], "security": _bearer,
            "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "Invitees", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"event_id": {"type": "integer"}, "items": {"type": "array", "items": {
                    "$ref": "#/components/schemas/Invitation"}}}}}}}, "401": _err, "403": _err, "404": _err},
        }
    },
    "/invitations/{token}/response": {
        "post": {
            "summary": "Answer an invitation with its personal token (no account needed)",
            "tags": ["invitations"],
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["response"],
                "properties": {"response": {"type": "string", "enum": _values(svc.RESPONSES)},
                               "reason": {"type": "string"}, "substitute_name": {"type": "string"},
                               "substitute_position": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Answer recorded", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"status": {"type": "string", "enum": _values(svc.RESPONSES)}, "answered_at": {"type": "string"},
                                                 "substitute_name": {"type": ["string", "null"]}}}}}},
                "400": _err, "404": _err, "422": _err, "429": _err},
        }
    },
    "/events/{event_id}/checkins": {
        "post": {
            "summary": "Check an invitee in (idempotent: a second check-in keeps the first time)",
            "tags": ["invitations"], "security": _bearer,
            "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"invitation_id": {"type": "integer"},
                                                 "invitation_token": {"type": "string"},
                                                 "contact_id": {"type": "integer"}}}}}},
            "responses": {
                "201": {"description": "Checked in now", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/CheckIn"}}}},
                "200": {"description": "Already checked in", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/CheckIn"}}}},
                "400": _err, "401": _err, "403": _err, "404": _err},
        }
    },
}

SCHEMAS: dict = {
    "ImportReport": {
        "type": "object",
        "properties": {
            "created": {"type": "integer"}, "updated": {"type": "integer"}, "unchanged": {"type": "integer"},
            "rejected": {"type": "array", "items": {"type": "object", "properties": {
                "row": {"type": "integer", "description": "the spreadsheet's own row number"},
                "reason": {"type": "string"}}}},
            "header_row": {"type": "integer"}, "mapping": {"type": "object"}, "written": {"type": "boolean"},
        },
        "required": ["created", "updated", "unchanged", "rejected"],
    },
    "Contact": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "full_name": {"type": "string"}, "family_name": {"type": "string"},
            "middle_name": {"type": "string"}, "given_name": {"type": "string"}, "position": {"type": "string"},
            "unit": {"type": "string"}, "residential_group": {"type": ["string", "null"]},
            "phone": {"type": ["string", "null"], "description": "E.164"}, "email": {"type": ["string", "null"]},
            "groups": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Invitation": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "contact_id": {"type": ["integer", "null"]}, "full_name": {"type": "string"},
            "position": {"type": "string"}, "unit": {"type": "string"},
            "residential_group": {"type": ["string", "null"]},
            "role": {"type": "string", "enum": _values(InvitationRole)},
            "source": {"type": "string"},
            "status": {"type": "string", "enum": _values(InvitationStatus)},
            "reason": {"type": ["string", "null"]}, "substitute_name": {"type": ["string", "null"]},
            "substitute_position": {"type": ["string", "null"]}, "answered_at": {"type": ["string", "null"]},
            "answered_via": {"type": ["string", "null"], "enum": [*_values(AnswerChannel), None]}, "sent_at": {"type": ["string", "null"]},
            "checked_in_at": {"type": ["string", "null"]}, "walk_in": {"type": "boolean"},
        },
    },
    "CheckIn": {
        "type": "object",
        "properties": {"invitation": {"$ref": "#/components/schemas/Invitation"}, "first_check_in": {"type": "boolean"}},
    },
}
