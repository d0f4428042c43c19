"""API, events: editing, cancelling and messaging an event (organizer token).

Each route calls the same service, with the same validation, as the page it mirrors."""

from __future__ import annotations

PATHS: dict = {}
SCHEMAS: dict = {}
