"""The privacy domain's error: a translated message and the HTTP status to answer with."""

from __future__ import annotations


class PrivacyError(ValueError):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status
