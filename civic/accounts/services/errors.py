"""The accounts domain's error: a translated message and the HTTP status to answer with."""

from __future__ import annotations


class AccountError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message; ``status`` the HTTP code."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status
