"""Per-process read-only copies of what public pages show, never stale.

A page's parts (the home page's latest news, upcoming events, countdown, next reception session)
are read on every render although they change a few times a day. ``copy(name, scopes, build)``
keeps ``build()``'s result (plain dataclasses and tuples, never ORM objects bound to a session)
under the shared generations of ``scopes`` (civic.core.pagecache: every committed change to a
watched row bumps them, on every worker and machine). A copy built under other generations is
never used, so the next render after a change reads the database again.

The generations live in the page cache's store when the cache is on, else in a store of their
own (Redis under REDIS_URL, else files in the data directory): pages rendered with the cache off
stay exact too. They are read once per request (one round trip for every scope).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, has_request_context

# Read together on a request's first copy: one round trip, and before the request's first query.
SCOPES = ("news", "events", "elections", "reception")
MAX_PER_NAME = 16  # keys per copy name (locales, days): old generations go with the rest
# Only a backstop, as the page cache's TTL is: a bump that could not be written (Redis down).
MAX_AGE = 60.0

log = logging.getLogger(__name__)

_copies: dict[str, dict[Hashable, Any]] = {}
_MEMO = "_civic_refcache_generations"


def init_refcache(app: Flask) -> None:
    """Keep generations when the page cache is off (it keeps its own when on)."""
    if app.extensions.get("civic_pagecache") is not None:
        return
    from flask_caching import Cache

    url = app.config.get("REDIS_URL")
    if url:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": "civic:pagegen:",
                  "CACHE_DEFAULT_TIMEOUT": 0}
    else:
        from pathlib import Path

        config = {"CACHE_TYPE": "FileSystemCache", "CACHE_THRESHOLD": 0, "CACHE_DEFAULT_TIMEOUT": 0,
                  "CACHE_DIR": str(Path(app.config["CIVIC_DATA_DIR"]) / "pagecache" / "gen")}
    store = Cache(config=config)
    store.init_app(app)
    app.extensions["civic_generations"] = store


def generation_store():
    """The shared store of scope generations (the page cache's when it is on), or None."""
    stores = current_app.extensions.get("civic_pagecache")
    if stores is not None:
        return stores.gens
    return current_app.extensions.get("civic_generations")


def read_generations(scopes: list[str]) -> list[str]:
    """The current generation of each scope (civic.core.pagecache.generations)."""
    gens = generation_store()
    values = gens.get_many(*scopes)
    for i, value in enumerate(values):
        if value is None:  # never bumped (or evicted): start one, never fall back to an old value
            gens.add(scopes[i], uuid.uuid4().hex, timeout=0)
            values[i] = gens.get(scopes[i])
    return [str(v) for v in values]


def forget_generations() -> None:
    """After a bump: this request reads the generations again (it may render after its own write)."""
    if has_request_context():
        g.pop(_MEMO, None)


class _Read:
    def __init__(self, values: dict[str, str], fresh: bool):
        self.values = values
        self.fresh = fresh  # read before this request's transaction began: copies may be kept


def _generations(scopes: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    from civic.core.db import is_sqlite
    from civic.extensions import db

    read = g.get(_MEMO)
    missing = [scope for scope in scopes if read is None or scope not in read.values]
    if read is None or missing:
        wanted = list(dict.fromkeys([*SCOPES, *missing])) if read is None else missing
        # A SQLite read sees the snapshot its transaction began with: data read in a transaction
        # older than the generations could be older than they say, so it is used, not kept.
        fresh = not db.session().in_transaction() or not is_sqlite()
        values = dict(zip(wanted, read_generations(wanted), strict=True))
        if read is None:
            read = _Read(values, fresh)
            g.setdefault(_MEMO, read)
        else:
            read.values.update(values)
            read.fresh = read.fresh and fresh
    return tuple(read.values[scope] for scope in scopes), read.fresh


def prime(*scopes: str) -> None:
    """Read the generations now, before the view's first query: on SQLite a copy is kept only
    when its data was read in a transaction that began after them."""
    if has_request_context() and generation_store() is not None:
        try:
            _generations(tuple(scopes))
        except Exception:  # noqa: BLE001 - copy() reads the database then
            log.exception("refcache: generations unavailable")


def copy(name: str, scopes: tuple[str, ...], build: Callable[[], Any], key: Hashable = (),
         valid: Callable[[Any], bool] | None = None, keep: int = MAX_PER_NAME) -> Any:
    """``build()``, or the copy this process keeps of it for the current generations of ``scopes``
    and ``key`` (what else the result depends on: the locale, the local date). ``valid(copy)``
    may refuse a kept copy (an upcoming event has ended); ``keep`` bounds the keys kept. Outside a request, or without a
    generation store, it just builds."""
    if not has_request_context() or generation_store() is None:
        return build()
    try:
        generations, fresh = _generations(tuple(scopes))
    except Exception:  # noqa: BLE001 - a store that is down: read the database, keep nothing
        log.exception("refcache: generations unavailable")
        return build()
    full_key = (generations, key)
    held = _copies.setdefault(name, {})
    now = time.monotonic()
    if full_key in held:
        built_at, value = held[full_key]
        if now - built_at < MAX_AGE and (valid is None or valid(value)):
            return value
    value = build()
    if fresh:
        if len(held) >= keep:
            held.clear()
        held[full_key] = (now, value)
    return value


def clear() -> None:
    """Drop every copy (tests that change rows behind the ORM's back)."""
    _copies.clear()
