"""The news domain's error and the limits its rules check."""

from __future__ import annotations

TITLE_MAX = 250
SUMMARY_MAX = 1000
BODY_MAX = 200_000
CAPTION_MAX = 300


class NewsError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status
