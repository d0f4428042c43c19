"""The schedule's errors: a translated message and the HTTP status to answer with."""

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
