"""Helpers shared by the accounts tests."""

from __future__ import annotations

import re

LINK_RE = re.compile(r"http://localhost(/[^\s<>\"]+)")


def outbox(app):
    return getattr(app.extensions["mailman"], "outbox", [])


def links_in(message) -> list[str]:
    return LINK_RE.findall(message.body)


def text(response) -> str:
    return response.get_data(as_text=True)
