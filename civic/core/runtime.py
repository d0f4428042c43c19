"""Process settings for the long-running processes (gunicorn workers, the queue worker)."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Once the app is made: its modules, routes, mappers and compiled templates live as long as
    the process, so the cyclic collector stops tracing them. Without this every full collection
    walks them all, and a page that builds many objects (the answers page of 1,000 RSVPs, the
    sign-in sheet of 500) triggers several: its p95 was 3-4× its median (bench/organizer_pages.py)."""
    gc.collect()
    gc.freeze()
