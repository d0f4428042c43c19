"""The domain's errors: ``str(exc)`` is a translated, user-facing message (pages flash it,
the API answers it with a 4xx, the CLI prints it)."""

from __future__ import annotations


class InvitationError(ValueError):
    """A rule was broken."""


class Conflict(InvitationError):
    """The change clashes with what is stored (a group's name, a phone number already on file): 409."""


class ConsentMissing(InvitationError):
    """Naming a substitute without the consent box ticked (422: nothing stored)."""


class ImportFileError(InvitationError):
    """The file cannot be imported at all (not a spreadsheet, damaged, no header, too long)."""


def check_length(value: str | None, max_len: int, label: str) -> str:
    """``value`` (None as ""), or InvitationError when longer than its field holds: the pages'
    forms stop this first; the API and the importer meet it here."""
    from flask_babel import gettext as _

    value = value or ""
    if len(value) > max_len:
        raise InvitationError(_("%(field)s is too long (at most %(max)s characters).", field=label, max=max_len))
    return value
