"""Schedule services, split by responsibility:

- ``weeks``: building a week (items, validation, copy, recurring items), publishing, revisions;
- ``participants``: who an item's participants are, inviting them through the invitations
  domain (one message per invitee per publication), telling them of changes;
- ``outputs``: what pages, the printable A4 page, the .docx, ICS and Atom show.
"""

from __future__ import annotations

from flask_babel import gettext as _


class ScheduleError(ValueError):
    """A user-facing error (its str() is translated); ``code`` is the HTTP status to answer."""

    def __init__(self, message: str, code: int = 400):
        super().__init__(message)
        self.code = code


class ScheduleConflict(ScheduleError):
    """Someone else saved the week first: the form is shown again with the user's entries."""

    def __init__(self):
        super().__init__(_("Someone else changed this week's schedule while you were editing. "
                           "Your entries are kept below: check the current schedule and save again."), 409)


def session_labels() -> dict[str, str]:
    return {"sang": _("Morning"), "chieu": _("Afternoon"), "toi": _("Evening")}


# Why the names of outside participants are held: the same bases as the directory's contacts.
from civic.invitations.services import LEGAL_BASES, legal_basis_labels  # noqa: E402, F401
