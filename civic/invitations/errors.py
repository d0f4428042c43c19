"""The domain's errors: ``str(exc)`` is a translated, user-facing message (pages flash it,
the API answers it with a 4xx, the CLI prints it)."""

from __future__ import annotations


class InvitationError(ValueError):
    """A rule was broken."""


class ConsentMissing(InvitationError):
    """Naming a substitute without the consent box ticked (422: nothing stored)."""


class ImportFileError(InvitationError):
    """The file cannot be imported at all (not a spreadsheet, damaged, no header, too long)."""
