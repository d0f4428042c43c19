"""API, accounts: the administrator's user list, and users' roles and active state (admin token).

Each route calls the same service, with the same validation, as the page it mirrors.
API tokens are managed on the profile page only: a token must not mint tokens."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from civic.accounts import services
from civic.api import bp
from civic.api import jsonfields as jf
from civic.api.common import json_body, json_error, page_arg
from civic.core.errors import abort_with
from civic.core.permissions import Role, token_required
from civic.core.timeutil import isoformat_local

TOKENS_NOTE = ("API tokens are created and revoked on the profile page only (signed in with a password): "
               "a token cannot mint or revoke tokens.")


def user_json(user) -> dict:
    """What the admin pages show of an account (the phone number stays on the page)."""
    return {
        "id": user.id, "email": user.email, "full_name": user.full_name, "role": user.role,
        "role_label": services.role_label(user.role), "active": bool(user.active),
        "email_verified": user.is_verified,
        "residential_group": user.residential_group.name if user.residential_group else None,
        "created_at": isoformat_local(user.created_at), "last_login_at": isoformat_local(user.last_login_at),
    }


def _target(user_id: int):
    try:
        return services.get_user(user_id)
    except services.AccountError as exc:
        abort_with(exc.status, str(exc))


@bp.get("/users")
@token_required(Role.ADMIN)
def users_list():
    """The admin page's list: name or email (tone marks optional), role, a page of 25."""
    query = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    if role and role not in set(Role):
        return json_error(400, _("Unknown role: %(role)s.", role=role[:40]))
    page = services.search_users(query, role or None, page_arg())
    return jsonify({"items": [user_json(u) for u in page.items], "page": page.page, "pages": page.pages,
                    "total": page.total})


@bp.get("/users/<int:user_id>")
@token_required(Role.ADMIN)
def user_detail(user_id: int):
    return jsonify(user_json(_target(user_id)))


@bp.patch("/users/<int:user_id>")
@token_required(Role.ADMIN)
def user_update(user_id: int):
    """The admin page's "change role" and "deactivate/reactivate", one or both in one call."""
    target = _target(user_id)
    data = json_body()
    try:
        role = jf.text(data, "role", None) or None
        active = jf.boolean(data, "active", None)
        services.update_account(g.api_user, target, role=role, active=active)
    except jf.FieldError as exc:
        return json_error(422, str(exc))
    except services.AccountError as exc:
        return json_error(exc.status, str(exc))
    return jsonify(user_json(target))


# --------------------------------------------------------------------------- OpenAPI

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_USER = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}
_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NO_TOKEN = {"401": {"description": "No token", **_ERR}, "403": {"description": "Not an administrator", **_ERR}}
_ROLES = [str(r) for r in Role]

PATHS: dict = {
    "/users": {
        "get": {
            "summary": "Accounts (administrators): search by name or email, filter by role",
            "description": TOKENS_NOTE, "tags": ["accounts"], "security": [{"bearer": []}],
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
                 "description": "name or email; tone marks optional"},
                {"name": "role", "in": "query", "schema": {"type": "string", "enum": _ROLES}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ],
            "responses": {
                "200": {"description": "A page of accounts", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
                        "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}},
                    "required": ["items", "total"]}}}},
                "400": {"description": "Unknown role or bad page number", **_ERR}, **_NO_TOKEN,
            },
        },
    },
    "/users/{user_id}": {
        "get": {
            "summary": "One account (administrators)", "tags": ["accounts"], "security": [{"bearer": []}],
            "parameters": [_ID],
            "responses": {"200": {"description": "The account", **_USER}, **_NO_TOKEN,
                          "404": {"description": "No such account", **_ERR}},
        },
        "patch": {
            "summary": "Change an account's role and/or whether it is active (administrators; never your own)",
            "description": "Both changes are written together or not at all, each to the audit log as on the "
                           "admin page. " + TOKENS_NOTE,
            "tags": ["accounts"], "security": [{"bearer": []}], "parameters": [_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/UserUpdate"}}}},
            "responses": {
                "200": {"description": "The account as saved", **_USER},
                "400": {"description": "Not a JSON object", **_ERR},
                "401": {"description": "No token", **_ERR},
                "403": {"description": "Not an administrator, or your own account", **_ERR},
                "404": {"description": "No such account", **_ERR},
                "422": {"description": "Unknown role, a value of the wrong type, or nothing to change", **_ERR},
            },
        },
    },
}

SCHEMAS: dict = {
    "User": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "email": {"type": "string"}, "full_name": {"type": "string"},
            "role": {"type": "string", "enum": _ROLES}, "role_label": {"type": "string"},
            "active": {"type": "boolean"}, "email_verified": {"type": "boolean"},
            "residential_group": {"type": ["string", "null"]},
            "created_at": {"type": ["string", "null"], "format": "date-time"},
            "last_login_at": {"type": ["string", "null"], "format": "date-time"},
        },
        "required": ["id", "email", "full_name", "role", "active"],
    },
    "UserUpdate": {
        "type": "object",
        "properties": {"role": {"type": "string", "enum": _ROLES}, "active": {"type": "boolean"}},
        "description": "role and/or active",
    },
}
