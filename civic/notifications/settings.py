"""The engine's tunables (NOTIFY_*): app config first, then the environment, then a default."""

from __future__ import annotations

import os

from flask import current_app


def setting(name: str, default, cast=float):
    """App config first, then the environment (the worker runs with env only), then default."""
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return cast(value)


def lease_seconds() -> float:
    return setting("NOTIFY_LEASE_SECONDS", 120.0)


def max_attempts() -> int:
    return int(setting("NOTIFY_MAX_ATTEMPTS", 12, int))


def batch_size() -> int:
    return int(setting("NOTIFY_BATCH_SIZE", 50, int))
