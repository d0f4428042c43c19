"""API, invitations: the directory (contacts, groups, posts), invitation lists, sending, answers recorded, check-in.

Each route calls the same service, with the same validation, as the page it mirrors."""

from __future__ import annotations

PATHS: dict = {}
SCHEMAS: dict = {}
