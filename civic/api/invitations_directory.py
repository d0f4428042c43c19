"""API, invitations: the directory of leaders (contacts one by one and in bulk, groups, posts and
hand-overs), as the directory pages (civic/invitations/views/directory.py) manage it.

Each route calls the same service, with the same validation, as the page it mirrors; reads of
people's phone numbers and e-mail addresses leave an audit row, as the directory's export does.
The page's three-step import (upload, columns, confirmation) is POST /contacts/import."""

from __future__ import annotations

from datetime import date

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.api.invitations import contact_json
from civic.core.errors import abort_with
from civic.core.permissions import Role, token_required
from civic.invitations import access
from civic.invitations import services as svc
from civic.invitations.models import GroupChange, LegalBasis

# --------------------------------------------------------------------------- reading a JSON body

_MAX_ID = 2**31 - 1  # an id column's range: larger numbers name nothing (and overflow SQLite)
_MAX_IDS = 5000


def text(body: dict, key: str, *, required: bool = False) -> str | None:
    """A text field: None when absent or null; 422 when it is not text (or required and absent)."""
    value = body.get(key)
    if value is None:
        if required:
            abort_with(422, _("%(name)s is required.", name=key))
        return None
    if not isinstance(value, str):
        abort_with(422, _("%(name)s must be text.", name=key))
    return value


def whole(body: dict, key: str, *, required: bool = False) -> int | None:
    """An id or count (JSON integer, not a boolean): None when absent or null."""
    value = body.get(key)
    if value is None:
        if required:
            abort_with(422, _("%(name)s is required.", name=key))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_ID:
        abort_with(422, _("%(name)s must be a whole number.", name=key))
    return value


def ids(body: dict, key: str) -> list[int]:
    """A list of ids ([] when absent or null)."""
    value = body.get(key)
    if value is None:
        return []
    if (not isinstance(value, list) or len(value) > _MAX_IDS
            or any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= _MAX_ID for v in value)):
        abort_with(422, _("%(name)s must be a list of whole numbers.", name=key))
    return value


def day(body: dict, key: str) -> date | None:
    """An ISO 8601 date (YYYY-MM-DD), or None."""
    value = text(body, key)
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        abort_with(422, _("%(name)s must be a date (YYYY-MM-DD).", name=key))


def flag(body: dict, key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        abort_with(422, _("%(name)s must be true or false.", name=key))
    return value


@bp.errorhandler(svc.InvitationError)
def service_error(exc: svc.InvitationError):
    """The domain's refusal as JSON: 409 for a clash with what is stored, else 422. Registered for
    the API's routes, so those that let a service's refusal through need no try/except."""
    return json_error(409 if isinstance(exc, svc.Conflict) else 422, str(exc))


# --------------------------------------------------------------------------- JSON out


def contact_detail_json(c) -> dict:
    return {**contact_json(c), "group_ids": sorted(g.id for g in c.groups), "notes": c.notes or "",
            "legal_basis": c.legal_basis, "source": c.source or None}


def group_json(group) -> dict:
    return {"id": group.id, "name": group.name, "description": group.description or "",
            "post_based": group.is_post_based,
            "members": [{"contact_id": c.id, "full_name": c.full_name, "position": c.position, "why": why}
                        for c, why in svc.group_members(group)]}


def post_json(post) -> dict:
    holder = next((h for h in post.holdings if h.ended_on is None), None)
    return {"id": post.id, "title": post.title, "label": post.label,
            "residential_group": post.residential_group.name if post.residential_group else None,
            "holder": None if holder is None else {
                "contact_id": holder.contact_id, "full_name": holder.contact.full_name,
                "since": holder.started_on.isoformat(), "note": holder.note or None}}


# --------------------------------------------------------------------------- contacts


def _contact_fields(body: dict, contact=None) -> dict:
    """The contact form's fields from JSON; on a PATCH an absent field keeps its value."""
    def keep(key, current):
        value = text(body, key)
        return current if value is None and key not in body else (value or "")

    group_ids = ids(body, "group_ids") if "group_ids" in body else None
    cur = contact
    return {
        "full_name": keep("full_name", cur.full_name if cur else ""),
        "position": keep("position", cur.position if cur else ""),
        "unit": keep("unit", cur.unit if cur else ""),
        "residential_group": keep("residential_group", cur.residential_group.name if cur and cur.residential_group else ""),
        "phone": keep("phone", cur.phone if cur else "") or None,
        "email": keep("email", cur.email if cur else "") or None,
        "notes": keep("notes", cur.notes if cur else ""),
        "group_ids": group_ids,
        "legal_basis": keep("legal_basis", cur.legal_basis if cur else "") or None,
    }


@bp.get("/contacts/<int:contact_id>")
@token_required(Role.ORGANIZER)
def contact_detail_api(contact_id):
    contact = access.contact(contact_id)
    svc.record_access(g.api_user, "contacts_export", fmt="json", rows=1)
    return jsonify(contact_detail_json(contact))


@bp.post("/contacts")
@token_required(Role.ORGANIZER)
def contact_create_api():
    body = json_body()
    text(body, "full_name", required=True)
    contact = svc.save_contact(None, **_contact_fields(body))
    return jsonify(contact_detail_json(contact)), 201


@bp.patch("/contacts/<int:contact_id>")
@token_required(Role.ORGANIZER)
def contact_update_api(contact_id):
    contact = access.contact(contact_id)
    body = json_body()
    contact = svc.save_contact(contact, **_contact_fields(body, contact))
    return jsonify(contact_detail_json(contact))


@bp.delete("/contacts/<int:contact_id>")
@token_required(Role.ORGANIZER)
def contact_delete_api(contact_id):
    svc.delete_contact(access.contact(contact_id))
    return "", 204


@bp.post("/contacts/bulk-group")
@token_required(Role.ORGANIZER)
def contacts_bulk_group_api():
    body = json_body()
    action = text(body, "action") or GroupChange.ADD
    if action not in set(GroupChange):
        return json_error(422, _("%(name)s must be one of: %(values)s.", name="action",
                                 values=", ".join(GroupChange)))
    contact_ids, group_id, new_group = ids(body, "contact_ids"), whole(body, "group_id"), text(body, "new_group") or ""
    if action == GroupChange.REMOVE:
        group, count = svc.remove_contacts_from_group(contact_ids, group_id)
    else:
        group, count = svc.add_contacts_to_group(contact_ids, group_id, new_group)
    return jsonify({"group": group_json(group), "changed": count})


# --------------------------------------------------------------------------- groups


@bp.get("/contact-groups")
@token_required(Role.ORGANIZER)
def contact_groups_api():
    return jsonify({"items": [group_json(group) for group in svc.list_contact_groups()]})


@bp.post("/contact-groups")
@token_required(Role.ORGANIZER)
def contact_group_create_api():
    body = json_body()
    name = text(body, "name", required=True)
    group = svc.create_contact_group(name, text(body, "post_title"), text(body, "description") or "")
    return jsonify(group_json(group)), 201


# --------------------------------------------------------------------------- posts


@bp.get("/posts")
@token_required(Role.ORGANIZER)
def posts_api():
    return jsonify({"items": [post_json(post) for post in svc.list_posts()]})


@bp.post("/posts")
@token_required(Role.ORGANIZER)
def post_create_api():
    body = json_body()
    title = text(body, "title", required=True)
    contact_id = whole(body, "contact_id", required=True)
    group_id, started_on = whole(body, "residential_group_id"), day(body, "started_on")
    post = svc.create_post(title, group_id, contact_id, started_on)
    return jsonify(post_json(post)), 201


@bp.post("/posts/<int:post_id>/hand-over")
@token_required(Role.ORGANIZER)
def post_hand_over_api(post_id):
    post = access.post(post_id)
    body = json_body()
    contact = svc.get_contact(whole(body, "contact_id", required=True))
    started_on, note = day(body, "started_on"), text(body, "note") or ""
    if contact is None:
        return json_error(422, _("This contact does not exist."))
    svc.hand_over(post, contact, started_on, note, new_holder_only=True)
    return jsonify(post_json(post))


# --------------------------------------------------------------------------- OpenAPI

_err = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def op(summary: str, *, params: tuple[str, ...] = (), body: dict | None = None, ok: str = "200",
       schema: dict | None = None, errors: tuple[int, ...] = (401, 403)) -> dict:
    """One OpenAPI operation of an organizer's route (a bearer token; path ids are integers)."""
    operation: dict = {
        "summary": summary, "tags": ["invitations"], "security": [{"bearer": []}],
        "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "integer"}} for p in params],
        "responses": {ok: {"description": "OK"} if schema is None else {
            "description": "OK", "content": {"application/json": {"schema": schema}}},
            **{str(code): _err for code in sorted({*errors, 401, 403} | ({400} if body else set()))}},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def obj(properties: dict, required: tuple[str, ...] = ()) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = list(required)
    return schema


_s, _n = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
_id_list = {"type": ["array", "null"], "items": {"type": "integer"}}
_contact_body = {
    "full_name": _s, "position": _s, "unit": _s, "residential_group": _s, "phone": _s, "email": _s, "notes": _s,
    "group_ids": _id_list, "legal_basis": {"type": ["string", "null"], "enum": [*(str(v) for v in LegalBasis), None]},
}

PATHS: dict = {
    "/contacts": {"post": op("Add a contact to the directory", body=obj(_contact_body, ("full_name",)), ok="201",
                             schema=_ref("ContactDetail"), errors=(409, 422))},
    "/contacts/{contact_id}": {
        "get": op("One contact, with phone and e-mail (the read is audited)", params=("contact_id",),
                  schema=_ref("ContactDetail"), errors=(404,)),
        "patch": op("Change a contact (absent fields keep their value)", params=("contact_id",), body=obj(_contact_body),
                    schema=_ref("ContactDetail"), errors=(404, 409, 422)),
        "delete": op("Delete a contact", params=("contact_id",), ok="204", errors=(404,)),
    },
    "/contacts/bulk-group": {"post": op(
        "Put contacts into a group (a new one when named), or take them out of one, all at once",
        body=obj({"action": {"type": ["string", "null"], "enum": [*(str(v) for v in GroupChange), None]},
                  "contact_ids": _id_list, "group_id": _n, "new_group": _s}, ("contact_ids",)),
        schema=obj({"group": _ref("ContactGroup"), "changed": {"type": "integer"}}), errors=(422,))},
    "/contact-groups": {
        "get": op("The directory's groups and their members", schema=obj({"items": {
            "type": "array", "items": _ref("ContactGroup")}})),
        "post": op("Create a group (with post_title: whoever holds that post)",
                   body=obj({"name": _s, "post_title": _s, "description": _s}, ("name",)), ok="201",
                   schema=_ref("ContactGroup"), errors=(409, 422)),
    },
    "/posts": {
        "get": op("Posts and who holds them now", schema=obj({"items": {"type": "array", "items": _ref("Post")}})),
        "post": op("Save a post (of the ward or of a residential group) and who holds it",
                   body=obj({"title": _s, "residential_group_id": _n, "contact_id": _n,
                             "started_on": {"type": ["string", "null"], "format": "date"}}, ("title", "contact_id")),
                   ok="201", schema=_ref("Post"), errors=(422,)),
    },
    "/posts/{post_id}/hand-over": {"post": op(
        "Hand a post over to another contact from a date", params=("post_id",),
        body=obj({"contact_id": _n, "started_on": {"type": ["string", "null"], "format": "date"}, "note": _s},
                 ("contact_id",)), schema=_ref("Post"), errors=(404, 422))},
}

SCHEMAS: dict = {
    "ContactDetail": {"allOf": [_ref("Contact"), obj({
        "group_ids": {"type": "array", "items": {"type": "integer"}}, "notes": {"type": "string"},
        "legal_basis": {"type": "string", "enum": [str(v) for v in LegalBasis]}, "source": _s})]},
    "ContactGroup": obj({"id": {"type": "integer"}, "name": {"type": "string"}, "description": {"type": "string"},
                         "post_based": {"type": "boolean"}, "members": {"type": "array", "items": obj({
                             "contact_id": {"type": "integer"}, "full_name": {"type": "string"},
                             "position": {"type": "string"}, "why": {"type": "string"}})}}),
    "Post": obj({"id": {"type": "integer"}, "title": {"type": "string"}, "label": {"type": "string"},
                 "residential_group": _s, "holder": {"type": ["object", "null"], "properties": {
                     "contact_id": {"type": "integer"}, "full_name": {"type": "string"},
                     "since": {"type": "string", "format": "date"}, "note": _s}}}),
}
