"""Worker heartbeats: a process that holds claims proves every few seconds that it is alive.

The beat lives in the database (``notification_workers``), or in Redis when REDIS_URL is set.
A delivery's ``worker_id`` is ``<process>:<thread>``; when the process's beat is older than
NOTIFY_HEARTBEAT_SECONDS (12 s), another worker takes its claims over without waiting for the
lease. A holder with no beat on record (an older worker) is left to the lease.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from civic.core.db import transaction
from civic.core.timeutil import as_utc, utcnow
from civic.extensions import db
from civic.notifications.models import SENDING, Delivery, WorkerHeartbeat
from civic.notifications.settings import setting

log = logging.getLogger(__name__)

REDIS_PREFIX = "civic:notify:heartbeat:"
REDIS_TTL = 24 * 3600
KEEP_ROWS = timedelta(days=1)

_identity: tuple[int, str] | None = None
_identity_lock = threading.Lock()
_last_beat = 0.0
_thread: threading.Thread | None = None


def process_identity() -> str:
    """host:pid:token for this process; a fresh token after fork, so a reused pid is not "alive"."""
    global _identity
    pid = os.getpid()
    with _identity_lock:
        if _identity is None or _identity[0] != pid:
            _identity = (pid, f"{socket.gethostname()[:40]}:{pid}:{secrets.token_hex(3)}")
        return _identity[1]


def holder_process(worker_id: str) -> str:
    return worker_id.rsplit(":", 1)[0]


def timeout_seconds() -> float:
    return setting("NOTIFY_HEARTBEAT_SECONDS", 12.0)


def interval_seconds() -> float:
    return max(0.2, timeout_seconds() / 5)


# --------------------------------------------------------------------------- stores


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("civic_heartbeat_redis", {})
    client = clients.get(url)
    if client is None:
        import redis  # deferred: only processes with REDIS_URL load the client (test_lazy_imports)

        client = clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return client


def _upsert(process: str, now: datetime) -> None:
    table = WorkerHeartbeat.__table__
    dialect = db.session.get_bind().dialect.name
    # The dialect's own INSERT … ON CONFLICT, loaded for the database in use only.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"no heartbeat upsert for {dialect}")
    statement = insert(table).values(id=process, beat_at=now, started_at=now)
    db.session.execute(statement.on_conflict_do_update(index_elements=[table.c.id], set_={"beat_at": now}))


def beat(now: datetime | None = None, commit: bool = True) -> None:
    """Record that this process is alive (in the caller's transaction when ``commit`` is False)."""
    global _last_beat
    now = now or utcnow()
    process = process_identity()
    client = _redis()
    if client is not None:
        client.set(REDIS_PREFIX + process, repr(now.timestamp()), ex=REDIS_TTL)
    elif commit:
        with transaction():
            _upsert(process, now)
    else:
        _upsert(process, now)
    _last_beat = time.monotonic()


def beat_if_due() -> None:
    """Before a claim: the beat must be on record before any claim of this process is visible.
    (Always the real time: a claim's simulated ``now`` in tests says nothing about liveness.)"""
    if time.monotonic() - _last_beat >= interval_seconds() / 2 or _last_beat == 0.0:
        beat(commit=False)


def keepalive() -> None:
    """Between messages: beat when no beating thread runs in this process (a send run inline,
    CIVIC_QUEUE_IMMEDIATE, `--once` before the thread is up), so a slow batch is not taken over."""
    if _thread is not None and _thread.is_alive():
        return
    if time.monotonic() - _last_beat >= interval_seconds():
        beat()


def last_beats(processes) -> dict[str, datetime]:
    """The last beat of each process that has one on record."""
    processes = sorted(set(processes))
    if not processes:
        return {}
    client = _redis()
    if client is not None:
        values = client.mget([REDIS_PREFIX + p for p in processes])
        return {p: datetime.fromtimestamp(float(v), UTC) for p, v in zip(processes, values, strict=True) if v}

    rows = db.session.execute(
        sa.select(WorkerHeartbeat.id, WorkerHeartbeat.beat_at).where(WorkerHeartbeat.id.in_(processes))
    )
    return {pid: as_utc(at) for pid, at in rows}


def holders() -> list[str]:
    return [h for h in db.session.scalars(
        sa.select(Delivery.worker_id).where(Delivery.status == SENDING, Delivery.worker_id.is_not(None)).distinct()
    )]


def dead_holders(now: datetime | None = None) -> list[str]:
    """worker_ids of sending rows whose process stopped beating (never this process)."""
    now = now or utcnow()
    mine = process_identity()
    found = [h for h in holders() if holder_process(h) != mine]
    if not found:
        return []
    beats = last_beats(holder_process(h) for h in found)
    stale = now - timedelta(seconds=timeout_seconds())
    return [h for h in found if holder_process(h) in beats and beats[holder_process(h)] < stale]


def next_takeover(now: datetime | None = None) -> datetime | None:
    """When the soonest claim of a silent process may be taken over (for a follow-up wake-up)."""
    mine = process_identity()
    found = [h for h in holders() if holder_process(h) != mine]
    beats = last_beats(holder_process(h) for h in found)
    if not beats:
        return None
    return min(beats.values()) + timedelta(seconds=timeout_seconds())


def prune(now: datetime | None = None) -> None:
    """Old database beats go (Redis keys expire on their own)."""
    if _redis() is not None:
        return
    with transaction():
        db.session.execute(sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < (now or utcnow()) - KEEP_ROWS))


# --------------------------------------------------------------------------- the beating thread


def start(app: Flask) -> threading.Thread:
    """Beat every few seconds for as long as this process lives (the `civic worker` command)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return _thread

    def run():
        pruned = 0.0
        while True:
            try:
                with app.app_context():
                    beat()
                    if time.monotonic() - pruned > 3600:
                        prune()
                        pruned = time.monotonic()
                    pause = interval_seconds()
                    db.session.remove()
            except Exception:  # noqa: BLE001 - a missed beat only makes a takeover possible; keep beating
                log.exception("heartbeat failed")
                pause = 1.0
            time.sleep(pause)

    with app.app_context():
        beat()
        db.session.remove()
    _thread = threading.Thread(target=run, name="civic-heartbeat", daemon=True)
    _thread.start()
    return _thread
