"""Accounts in words: roles."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.core.permissions import Role


def role_label(role: str) -> str:
    labels = {
        Role.RESIDENT.value: _("Resident"),
        Role.ORGANIZER.value: _("Event organizer"),
        Role.EDITOR.value: _("Editor"),
        Role.ADMIN.value: _("Administrator"),
    }
    return labels.get(role, role)


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role_label(role.value)) for role in Role]
