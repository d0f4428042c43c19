"""The events domain's errors: ``str(exc)`` is a translated, user-facing message."""

from __future__ import annotations


class EventError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds, for 429
        self.field = field  # the form field the message belongs beside, when there is one


class AlreadyAnswered(EventError):
    """A visitor without the personal link gave a phone or email that another answer holds.

    Nothing was changed; the holder's link was sent again to the contact on file (``resent``).
    """

    def __init__(self, message: str, rsvp_id: int, resent: bool = False, own: bool = False):
        super().__init__(message, 409)
        self.rsvp_id = rsvp_id
        self.resent = resent
        self.own = own  # the answer was given from this very browser (a reload or a double click)
