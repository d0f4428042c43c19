"""Absolute addresses from CIVIC_BASE_URL, for emails, feeds, share tags and the API."""

from __future__ import annotations

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["CIVIC_BASE_URL"] + url_for(endpoint, _external=False, **values)
