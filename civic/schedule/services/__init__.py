"""Schedule services, split by responsibility:

- ``weeks``: building a week (items, validation, copy, recurring items), publishing, revisions;
- ``participants``: who an item's participants are, inviting them through the invitations
  domain (one message per invitee per publication), telling them of changes;
- ``outputs``: what pages, the printable A4 page, the .docx, ICS and Atom show.
"""

from __future__ import annotations

# Why the names of outside participants are held: the same bases as the directory's contacts.
from civic.invitations.services import LEGAL_BASES, legal_basis_labels
from civic.schedule.services.errors import ScheduleConflict, ScheduleError
from civic.schedule.services.labels import session_labels

__all__ = ["LEGAL_BASES", "ScheduleConflict", "ScheduleError", "legal_basis_labels", "session_labels"]
