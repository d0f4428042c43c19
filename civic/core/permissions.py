"""Who may do what. Views declare a rule with one of these decorators; nothing else
checks role names. The access-matrix test reads the rule every endpoint declares.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from flask import abort, current_app, g, request
from flask_login import current_user


class Role(enum.StrEnum):
    RESIDENT = "resident"
    ORGANIZER = "organizer"
    EDITOR = "editor"
    ADMIN = "admin"


# Admins may do everything organizers and editors may.
ROLE_GRANTS: dict[Role, frozenset[Role]] = {
    Role.RESIDENT: frozenset({Role.RESIDENT}),
    Role.ORGANIZER: frozenset({Role.RESIDENT, Role.ORGANIZER}),
    Role.EDITOR: frozenset({Role.RESIDENT, Role.EDITOR}),
    Role.ADMIN: frozenset(Role),
}


def has_role(user, role: Role | str) -> bool:
    """True when ``user`` is active and their role grants ``role``."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    try:
        own = Role(user.role)
    except ValueError:
        return False
    return Role(role) in ROLE_GRANTS[own]


def can_organize(user) -> bool:
    return has_role(user, Role.ORGANIZER)


def can_edit_news(user) -> bool:
    return has_role(user, Role.EDITOR)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


@dataclass(frozen=True)
class AccessRule:
    """What an endpoint requires: ``public``, ``login`` or one of the roles; ``token`` for API."""

    kind: str  # "public" | "login" | "role" | "token"
    role: Role | None = None

    def allows(self, role: Role | None) -> bool:
        if self.kind == "public":
            return True
        if role is None:
            return False
        if self.kind in {"login", "token"} and self.role is None:
            return True
        return self.role in ROLE_GRANTS[role]


_api_user_loader = None


def api_user_loader(func):
    """Register how a request's API user is found (accounts registers the token lookup)."""
    global _api_user_loader
    _api_user_loader = func
    return func


def _mark(view, rule: AccessRule):
    view.access_rule = rule
    return view


def public(view):
    """Anyone, signed in or not."""
    return _mark(view, AccessRule("public"))


def login_required(view):
    """Any signed-in, active account; others go to the login page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapped, AccessRule("login"))


def role_required(role: Role | str):
    """A signed-in account whose role grants ``role`` (admins pass every check)."""
    role = Role(role)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not has_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, AccessRule("role", role))

    return decorator


@dataclass(frozen=True)
class AnyRoleRule(AccessRule):
    """Access for accounts whose role grants any of ``roles`` (organizer OR editor OR admin)."""

    roles: frozenset = frozenset()

    def allows(self, role: Role | None) -> bool:
        return role is not None and bool(self.roles & ROLE_GRANTS[role])


def any_role_required(*roles: Role | str):
    """Like ``role_required`` for a set of roles; declares an honest rule for the access matrix."""
    wanted = frozenset(Role(r) for r in roles)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not any(has_role(current_user, r) for r in wanted):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, AnyRoleRule("role", None, wanted))

    return decorator


def token_required(role: Role | str | None = None, *others: Role | str):
    """API: a personal token (``Authorization: Bearer …``) or a signed-in session.

    401 without credentials, 403 when the account's role does not grant ``role``.
    The account is available as ``g.api_user``.
    """
    wanted = Role(role) if role else None
    anyof = frozenset(Role(r) for r in (role, *others)) if others else None

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if _api_user_loader is None:
                raise RuntimeError("no API user loader registered")
            user = _api_user_loader(request)
            if user is None:
                abort(401)
            if wanted is not None and not any(has_role(user, r) for r in (anyof or {wanted})):
                abort(403)
            g.api_user = user
            return view(*args, **kwargs)

        rule = AnyRoleRule("token", None, anyof) if anyof else AccessRule("token", wanted)
        return _mark(wrapped, rule)

    return decorator


def rule_for(view) -> AccessRule | None:
    return getattr(view, "access_rule", None)
