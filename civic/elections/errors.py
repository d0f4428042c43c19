"""Elections' domain errors: ``str(exc)`` is a translated, user-facing message."""

from __future__ import annotations


class ElectionError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""


class ElectionConflict(ElectionError):
    """The change clashes with what is stored (an area number or a tổ dân phố already taken): 409."""


class UnknownGroup(ElectionError):
    """No tổ dân phố matches what the resident typed."""


class ConsentMissing(ElectionError):
    """The form's consent box was not ticked (422: nothing stored)."""


class NotVisible(ElectionError):
    """The object does not exist for this visitor (404)."""


class NotAllowed(ElectionError):
    """The visitor sees the object but may not manage it (403)."""
