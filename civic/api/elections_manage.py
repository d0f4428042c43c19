"""API, elections: elections, milestones, polling areas and reminder texts (editor token).

Each route calls the same service, with the same validation, as the page it mirrors."""

from __future__ import annotations

PATHS: dict = {}
SCHEMAS: dict = {}
