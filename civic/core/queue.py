"""The Huey queue: SQLite file in the data directory by default, Redis when REDIS_URL is set.

The queue only carries work; every domain keeps its truth in the database, so a lost
queue message delays work (the periodic sweeps pick it up) but never drops it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from civic.extensions import huey

_app: Flask | None = None


def init_queue(app: Flask) -> None:
    """Point the shared Huey instance at this app's storage."""
    global _app
    _app = app
    immediate = app.config.get("CIVIC_QUEUE_IMMEDIATE") or app.config.get("TESTING")
    if immediate:
        huey.storage_class = MemoryStorage
        huey.storage_kwargs = {}
        huey._immediate = True
    elif app.config.get("REDIS_URL"):
        _load_redis_into_huey()
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
        huey._immediate = False
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(app.config["CIVIC_DATA_DIR"]) / "queue.sqlite3")}
        huey._immediate = False
    huey.storage = huey.create_storage()


def _load_redis_into_huey() -> None:
    """huey.storage was imported with redis hidden (civic.extensions): give it redis now."""
    import huey.storage as huey_storage

    if huey_storage.Redis is None:
        import redis  # defers redis-py (~17 MB) to the apps that use REDIS_URL
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        huey_storage.ConnectionPool, huey_storage.Redis = redis.ConnectionPool, redis.Redis
        huey_storage.ConnectionError, huey_storage.TimeoutError = RedisConnectionError, RedisTimeoutError
    if huey_storage.RedisStorage.redis_client is None:  # a class attribute, bound to Redis at import
        import redis

        huey_storage.RedisStorage.redis_client = redis.Redis


def app_task(*task_args, **task_kwargs):
    """``huey.task`` that runs inside an application context (in the worker or inline)."""

    def decorator(func):
        @functools.wraps(func)
        def run_in_app(*args, **kwargs):
            if has_app_context():
                return func(*args, **kwargs)
            if _app is None:
                raise RuntimeError("the queue was not initialised with an app")
            with _app.app_context():
                return func(*args, **kwargs)

        return huey.task(*task_args, **task_kwargs)(run_in_app)  # huey names it module.function

    return decorator


def app_periodic_task(validate_datetime, **task_kwargs):
    """``huey.periodic_task`` that runs inside an application context."""

    def decorator(func):
        @functools.wraps(func)
        def run_in_app(*args, **kwargs):
            if has_app_context():
                return func(*args, **kwargs)
            with _app.app_context():
                return func(*args, **kwargs)

        return huey.periodic_task(validate_datetime, **task_kwargs)(
            run_in_app
        )

    return decorator


def bound_app() -> Flask:
    return current_app._get_current_object() if has_app_context() else _app
