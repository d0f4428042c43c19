"""Buffered counters: page views and visits never write to the database one by one.

Increments are kept in process memory, or in Redis when REDIS_URL is set (shared by every
worker process), and written in one transaction by the periodic task or when the buffer
passes a threshold. A domain owns its keys: it registers a writer for their prefix
("visits", "article:12" → "article"), which runs inside the flush transaction.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

from flask import current_app, request

from civic.core.db import writing
from civic.extensions import db

log = logging.getLogger(__name__)

VISIT_WINDOW = 30 * 60  # page views of one visitor within 30 minutes are one visit
ONLINE_WINDOW = 5 * 60  # "online now": seen in the last 5 minutes
FLUSH_THRESHOLD = 500  # buffered increments that trigger a flush without waiting for the task
VISITS = "visits"


class MemoryCounterStore:
    """Per-process buffer; good for one process (tests, the demo, a single gunicorn worker)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: Counter = Counter()
        self._seen: dict[str, float] = {}

    def hit(self, visitor: str, now: float) -> None:
        with self._lock:
            last = self._seen.get(visitor)
            if last is None or now - last > VISIT_WINDOW:
                self._pending[VISITS] += 1
            self._seen[visitor] = now

    def hit_many(self, visitors: dict[str, float]) -> None:
        with self._lock:
            for visitor, now in visitors.items():
                last = self._seen.get(visitor)
                if last is None or now - last > VISIT_WINDOW:
                    self._pending[VISITS] += 1
                self._seen[visitor] = now

    def add(self, key: str, amount: int = 1) -> int:
        with self._lock:
            self._pending[key] += amount
            return sum(self._pending.values())

    def pending(self, key: str) -> int:
        return self._pending.get(key, 0)

    def online(self, now: float) -> int:
        cutoff = now - ONLINE_WINDOW
        with self._lock:
            return sum(1 for seen in self._seen.values() if seen >= cutoff)

    def take(self, now: float) -> dict[str, int]:
        with self._lock:
            taken, self._pending = dict(self._pending), Counter()
            cutoff = now - VISIT_WINDOW
            self._seen = {k: v for k, v in self._seen.items() if v >= cutoff}
        return taken

    def restore(self, taken: dict[str, int]) -> None:
        with self._lock:
            self._pending.update(taken)


class RedisCounterStore:
    """Buffer shared by every process through Redis."""

    def __init__(self, url: str, prefix: str = "civic:counters:"):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix
        self.pending_key = prefix + "pending"
        self.online_key = prefix + "online"

    def hit(self, visitor: str, now: float) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self.prefix + "v:" + visitor, 1, nx=True, ex=VISIT_WINDOW)
        pipe.zadd(self.online_key, {visitor: now})
        new_visit, _ = pipe.execute()
        if new_visit:
            self.redis.hincrby(self.pending_key, VISITS, 1)
        else:
            self.redis.expire(self.prefix + "v:" + visitor, VISIT_WINDOW)

    def hit_many(self, visitors: dict[str, float]) -> None:
        """The same as hit() for each visitor, in two round trips."""
        pipe = self.redis.pipeline(transaction=False)
        for visitor, now in visitors.items():
            pipe.set(self.prefix + "v:" + visitor, 1, nx=True, ex=VISIT_WINDOW)
            pipe.zadd(self.online_key, {visitor: now})
        results = pipe.execute()
        new_visits = sum(1 for new in results[::2] if new)
        pipe = self.redis.pipeline(transaction=False)
        for (visitor, _now), new in zip(visitors.items(), results[::2], strict=True):
            if not new:
                pipe.expire(self.prefix + "v:" + visitor, VISIT_WINDOW)
        if new_visits:
            pipe.hincrby(self.pending_key, VISITS, new_visits)
        pipe.execute()

    def add(self, key: str, amount: int = 1) -> int:
        pipe = self.redis.pipeline()
        pipe.hincrby(self.pending_key, key, amount)
        pipe.hincrby(self.pending_key, "_n", amount)
        return int(pipe.execute()[1])

    def pending(self, key: str) -> int:
        return int(self.redis.hget(self.pending_key, key) or 0)

    def online(self, now: float) -> int:
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(self.online_key, "-inf", now - ONLINE_WINDOW)
        pipe.zcard(self.online_key)
        return int(pipe.execute()[1])

    def take(self, now: float) -> dict[str, int]:
        import redis

        # RENAME is atomic: increments after it land in a fresh hash.
        batch = self.prefix + "flushing:" + uuid.uuid4().hex
        try:
            self.redis.rename(self.pending_key, batch)
        except redis.exceptions.ResponseError:  # no such key: nothing pending
            return {}
        raw = self.redis.hgetall(batch)
        self.redis.delete(batch)
        return {k.decode(): int(v) for k, v in raw.items() if k != b"_n"}

    def restore(self, taken: dict[str, int]) -> None:
        pipe = self.redis.pipeline()
        for key, amount in taken.items():
            pipe.hincrby(self.pending_key, key, amount)
        pipe.execute()


def counter_store():
    """The app's buffer, created on first use."""
    app = current_app
    store = app.extensions.get("civic_counters")
    if store is None:
        url = app.config.get("REDIS_URL")
        store = RedisCounterStore(url) if url else MemoryCounterStore()
        app.extensions["civic_counters"] = store
    return store


def visitor_id(secret: str, ip: str | None, user_agent: str | None) -> str:
    """A pseudonymous visitor id: the address is never stored."""
    raw = f"{secret}|{ip or ''}|{user_agent or ''}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def visitor_key(ip: str | None, user_agent: str | None) -> str:
    return visitor_id(str(current_app.config["SECRET_KEY"]), ip, user_agent)


def record_page_view(now: float | None = None) -> None:
    """Count the current request's visitor (one visit per visitor per 30 minutes)."""
    key = visitor_key(request.headers.get("X-Forwarded-For", request.remote_addr), request.user_agent.string)
    counter_store().hit(key, now if now is not None else time.time())


def record_page_views(visitors: dict[str, float]) -> None:
    """Count a batch of page views at once: {visitor id: when last seen}."""
    if visitors:
        counter_store().hit_many(visitors)


FLUSH_INTERVAL = 60  # seconds: a web process hands Redis' shared buffer to the database at most this often
# A memory buffer is the process's own: another worker shows the database's figure plus its own
# buffer, so each keeps little (two workers' figures differed by a minute of views, and a reader
# saw the count go down on reload).
MEMORY_FLUSH_INTERVAL = 5


def record_hit(key: str, amount: int = 1) -> None:
    """Buffer an increment (e.g. "article:12"); flush when the buffer is large or old."""
    if counter_store().add(key, amount) >= FLUSH_THRESHOLD:
        flush_counters()
    else:
        maybe_flush()


def maybe_flush() -> None:
    """The worker's periodic task cannot see a web process's memory: flush it from here, once a minute."""
    app = current_app
    last = app.extensions.setdefault("civic_counters_flushed", time.monotonic())
    interval = MEMORY_FLUSH_INTERVAL if isinstance(counter_store(), MemoryCounterStore) else FLUSH_INTERVAL
    if time.monotonic() - last >= interval:
        app.extensions["civic_counters_flushed"] = time.monotonic()
        flush_counters()


def pending(key: str) -> int:
    return counter_store().pending(key)


_writers: dict[str, Callable[[dict[str, int]], None]] = {}


def register_writer(prefix: str, write: Callable[[dict[str, int]], None]) -> None:
    """``write({key: amount})`` adds the buffered amounts of keys named ``prefix`` or ``prefix:…``."""
    _writers[prefix] = write


def flush_counters(now: float | None = None) -> dict[str, int]:
    """Write the buffered increments in one transaction; returns what was written."""
    store = counter_store()
    taken = store.take(now if now is not None else time.time())
    if not taken:
        return {}
    by_prefix: dict[str, dict[str, int]] = {}
    for key, amount in taken.items():
        by_prefix.setdefault(key.split(":", 1)[0], {})[key] = amount
    with writing():  # also flushed from page views (GET requests that otherwise only read)
        try:
            for prefix, amounts in sorted(by_prefix.items()):
                write = _writers.get(prefix)
                if write is None:
                    log.warning("no writer for counters %s; dropped %s", prefix, amounts)
                    continue
                write(amounts)
            db.session.commit()
        except Exception:
            db.session.rollback()
            store.restore(taken)
            raise
    return taken


