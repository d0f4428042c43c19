"""Crash safety and concurrency with real processes: `civic worker` subprocesses, a real SMTP
server on loopback (aiosmtpd), SIGKILL in the middle of sending, two workers at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notifications-reliability")]

CIVIC = str(Path(sys.executable).with_name("civic"))


class Setup:
    """A file database (SQLite, or PostgreSQL) and queue (SQLite file, or Redis) shared with workers."""

    def __init__(self, tmp_path: Path, smtp_url: str, database_url: str | None = None, redis_url: str | None = None):
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'civic.sqlite3'}"
        self.redis_url = redis_url
        self.smtp_url = smtp_url
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "CIVIC_DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url, "SECRET_KEY": "test-secret-key",
            "MAIL_URL": self.smtp_url, "CIVIC_BASE_URL": "https://phuong.example.vn",
            "NOTIFY_LEASE_SECONDS": "4", "NOTIFY_BATCH_SIZE": "20", "NOTIFY_EMAIL_RATE": "0",
            "NOTIFY_RETRY_BASE_SECONDS": "0.5", "NOTIFY_RETRY_MAX_SECONDS": "2",
        })
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def app(self):
        from civic import create_app

        config = {"TESTING": False, "SECRET_KEY": "test-secret-key", "CIVIC_DATA_DIR": str(self.data_dir),
                  "SQLALCHEMY_DATABASE_URI": self.database_url, "REDIS_URL": self.redis_url,
                  "MAIL_URL": self.smtp_url, "CIVIC_BASE_URL": "https://phuong.example.vn"}
        return create_app(config)

    def seed(self, count: int, dedupe: str = "crash") -> None:
        from civic.extensions import db, huey
        from civic.notifications.services import Recipient, create_campaign

        app = self.app()
        with app.app_context():
            if self.database_url.startswith("sqlite"):
                db.create_all()
            else:
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            if self.redis_url:
                huey.flush()
            create_campaign(
                kind="election_reminder", topic="elections", subject="Nhắc lịch bầu cử: {area}",
                body_text="Kính gửi {name},\nKhu vực bỏ phiếu số {area} mở cửa từ 07:00 đến 19:00.",
                recipients=[Recipient(key=f"r{i}", name=f"Cử tri {i}", email=f"cu-tri-{i}@example.vn",
                                      context={"area": str(1 + i % 9)}) for i in range(count)],
                dedupe_key=dedupe,
            )
            db.session.remove()
            db.engine.dispose()

    def start_worker(self, threads: int = 2, **extra_env) -> subprocess.Popen:
        log = self.data_dir / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        proc = subprocess.Popen([CIVIC, "worker", "--threads", str(threads)], env={**self.env(), **extra_env},
                                stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def counts(self) -> dict[str, int]:
        engine = sa.create_engine(self.database_url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT status, count(*) FROM notification_deliveries GROUP BY status"))
                return {status: n for status, n in rows}
        finally:
            engine.dispose()

    def wait_for(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            for proc in self.processes:
                if proc.poll() not in (None, -signal.SIGKILL, -signal.SIGTERM):
                    raise AssertionError(f"worker exited with {proc.returncode}:\n{self.tail()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; ledger {self.counts()}\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs if log.exists())

    def stop_all(self):
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def setup_factory(tmp_path):
    made = []

    def make(*args, **kwargs):
        setup = Setup(tmp_path, *args, **kwargs)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        setup.stop_all()


def _assert_everyone_once(smtp_server, count: int, allowed_duplicates: int):
    missing = [i for i in range(count) if smtp_server.counts[f"cu-tri-{i}@example.vn"] == 0]
    assert not missing, f"{len(missing)} recipients got nothing, e.g. {missing[:5]}"
    duplicates = sum(n - 1 for n in smtp_server.counts.values() if n > 1)
    assert duplicates <= allowed_duplicates, f"{duplicates} duplicates (bound {allowed_duplicates})"
    return duplicates


def _crash_run(setup: Setup, smtp_server, count: int, kills: int, threads: int = 2):
    setup.seed(count)
    setup.start_worker(threads)
    for k in range(kills):
        target = (k + 1) * count // (kills + 2)
        setup.wait_for(lambda t=target: smtp_server.total() >= t, 60, f"{target} messages before kill {k + 1}")
        setup.processes[-1].send_signal(signal.SIGKILL)
        setup.processes[-1].wait(timeout=10)
        setup.start_worker(threads)
    setup.wait_for(lambda: setup.counts().get("sent", 0) == count, 90, "every delivery to be sent")
    setup.stop_all()
    # At most one message per worker thread can be in flight (sent, not yet recorded) at a kill.
    return _assert_everyone_once(smtp_server, count, allowed_duplicates=kills * threads)


def test_sigkill_mid_send_loses_nothing_sqlite(setup_factory, smtp_server):
    setup = setup_factory(smtp_server.url)
    duplicates = _crash_run(setup, smtp_server, count=2000, kills=4)
    print(f"duplicates after 4 SIGKILLs (SQLite): {duplicates}")


def test_sigkill_mid_send_loses_nothing_postgres_redis(setup_factory, smtp_server, pg_schema, redis_url):
    setup = setup_factory(smtp_server.url, database_url=pg_schema, redis_url=redis_url)
    duplicates = _crash_run(setup, smtp_server, count=1000, kills=4)
    print(f"duplicates after 4 SIGKILLs (PostgreSQL + Redis): {duplicates}")


def _two_workers(setup: Setup, smtp_server, count: int):
    setup.seed(count, dedupe="two-workers")
    setup.start_worker(2)
    setup.start_worker(2)
    setup.wait_for(lambda: setup.counts().get("sent", 0) == count, 90, "every delivery to be sent")
    setup.stop_all()
    _assert_everyone_once(smtp_server, count, allowed_duplicates=0)
    # Both workers really took part (otherwise the test proves nothing about concurrency).
    engine = sa.create_engine(setup.database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        pids = {w.split(":")[1] for (w,) in conn.execute(sa.text("SELECT DISTINCT worker_id FROM notification_deliveries"))}
    engine.dispose()
    assert len(pids) == 2, pids


def test_two_workers_never_send_the_same_delivery_sqlite(setup_factory, smtp_server):
    _two_workers(setup_factory(smtp_server.url), smtp_server, 1000)


def test_two_workers_never_send_the_same_delivery_postgres_redis(setup_factory, smtp_server, pg_schema, redis_url):
    _two_workers(setup_factory(smtp_server.url, database_url=pg_schema, redis_url=redis_url), smtp_server, 1000)


# --------------------------------------------------------------------------- issue 11: takeover in seconds


def _message_ids(smtp_server) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for message in smtp_server.parsed():
        ids.setdefault(str(message["To"]).split("<")[-1].rstrip(">").lower(), []).append(message["Message-ID"])
    return ids


def _takeover_run(setup: Setup, smtp_server) -> float:
    """A worker holding 200 claims is SIGKILLed; a fresh one delivers every claimed message
    within 20 s of the kill (the lease is 120 s: only the heartbeat can explain it)."""
    count = 200
    setup.seed(count, dedupe="takeover")
    # One thread, one batch of 200, 20 messages a second: it holds ~190 claims when it dies.
    setup.start_worker(1, NOTIFY_BATCH_SIZE="200", NOTIFY_LEASE_SECONDS="120", NOTIFY_EMAIL_RATE="20")
    setup.wait_for(lambda: smtp_server.total() >= 10, 60, "the first messages")
    held = setup.counts().get("sending", 0)
    setup.processes[-1].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    setup.processes[-1].wait(timeout=10)
    assert held >= 150, f"the worker held only {held} claims"
    setup.start_worker(2, NOTIFY_LEASE_SECONDS="120")  # the default heartbeat (12 s)
    setup.wait_for(lambda: setup.counts().get("sent", 0) == count, 20, "every claimed message within 20 s of the kill")
    took = time.monotonic() - killed_at
    setup.stop_all()
    duplicates = _assert_everyone_once(smtp_server, count, allowed_duplicates=1)
    # A repeat carries the same Message-ID, so the resident's mail client can fold it.
    for address, ids in _message_ids(smtp_server).items():
        assert len(set(ids)) == 1, (address, ids)
    print(f"takeover: all {held} claims delivered {took:.1f} s after the kill, {duplicates} repeat(s)")
    return took


def test_sigkill_with_200_claims_taken_over_in_seconds_sqlite(setup_factory, smtp_server):
    _takeover_run(setup_factory(smtp_server.url), smtp_server)


def test_sigkill_with_200_claims_taken_over_in_seconds_postgres_redis(setup_factory, smtp_server, pg_schema,
                                                                     redis_url):
    _takeover_run(setup_factory(smtp_server.url, database_url=pg_schema, redis_url=redis_url), smtp_server)


POISON_HOOK = """
import os, signal
_poison = os.environ.get("CIVIC_TEST_POISON_ADDRESS")
if _poison:
    import civic.notifications.worker as _worker
    _render = _worker.render_job  # what building every e-mail starts with, on either path
    def _render_job(job):
        if job.address == _poison:  # this message kills the worker process every time
            os.kill(os.getpid(), signal.SIGKILL)
        return _render(job)
    _worker.render_job = _render_job
"""


def test_a_message_that_kills_the_worker_every_time_ends_failed(setup_factory, smtp_server, tmp_path):
    setup = setup_factory(smtp_server.url)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(POISON_HOOK)
    count, poison = 60, "cu-tri-5@example.vn"
    setup.seed(count, dedupe="poison")
    # The hook first, then whatever PYTHONPATH chose the code under test (a worktree's).
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "CIVIC_TEST_POISON_ADDRESS": poison, "NOTIFY_MAX_ATTEMPTS": "3",
           "NOTIFY_HEARTBEAT_SECONDS": "2", "NOTIFY_LEASE_SECONDS": "120"}
    crashes = 0
    deadline = time.monotonic() + 90
    setup.start_worker(1, **env)
    while time.monotonic() < deadline:
        counts = setup.counts()
        if counts.get("failed", 0) == 1 and counts.get("sent", 0) == count - 1:
            break
        if setup.processes[-1].poll() is not None:  # killed by the poison message: restart it
            crashes += 1
            setup.start_worker(1, **env)
        time.sleep(0.2)
    else:
        raise AssertionError(f"ledger {setup.counts()} after {crashes} crashes\n{setup.tail()}")
    setup.stop_all()
    assert crashes == 3  # NOTIFY_MAX_ATTEMPTS: then it is failed, not retried for ever
    assert smtp_server.counts[poison] == 0
    _assert_everyone_once_but(smtp_server, count, poison)
    engine = sa.create_engine(setup.database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status, attempts, last_error FROM notification_deliveries "
                                   "WHERE address = :a"), {"a": poison}).one()
    engine.dispose()
    assert tuple(row) == ("failed", 3, "worker_crash")


def _assert_everyone_once_but(smtp_server, count, poison):
    missing = [i for i in range(count) if f"cu-tri-{i}@example.vn" != poison
               and smtp_server.counts[f"cu-tri-{i}@example.vn"] == 0]
    assert not missing, missing


# --------------------------------------------------------------------------- issue 11: SMS repeats


class DedupingGateway:
    """An SMS gateway on loopback that honours the request id: a repeated id is acknowledged
    and dropped, as Vietnamese brandname gateways do with their client request id."""

    def __init__(self, delay: float = 0.02):
        import collections
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests = 0
        self.repeats = 0
        self.seen: set[str] = set()
        self.delivered: collections.Counter = collections.Counter()
        lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key") or body.get("request_id")
                time.sleep(delay)  # a kill often lands while a request is in flight
                with lock:
                    gateway.requests += 1
                    if key and key in gateway.seen:
                        gateway.repeats += 1
                    else:
                        if key:
                            gateway.seen.add(key)
                        gateway.delivered[body["to"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"

    def close(self):
        self.server.shutdown()


def test_sigkill_mid_sms_send_no_phone_gets_it_twice(setup_factory, smtp_server):
    from civic.extensions import db
    from civic.notifications.services import Recipient, create_campaign

    gateway = DedupingGateway()
    try:
        setup = setup_factory(smtp_server.url)
        count = 300
        app = setup.app()
        with app.app_context():
            db.create_all()
            create_campaign(
                kind="election_reminder", topic="elections", subject="x", body_text="x", channels=("sms",),
                sms_text="Nhac bau cu: khu vuc {area} mo cua 07:00", urgent=True,
                recipients=[Recipient(key=f"p{i}", name=f"Cu tri {i}", phone=f"0912{i:06d}",
                                      context={"area": str(1 + i % 9)}) for i in range(count)],
            )
            db.session.remove()
            db.engine.dispose()
        env = {"SMS_GATEWAY_URL": gateway.url, "NOTIFY_SMS_RATE": "0", "NOTIFY_HEARTBEAT_SECONDS": "3"}
        setup.start_worker(2, **env)
        for k in range(3):
            target = (k + 1) * count // 5
            setup.wait_for(lambda t=target: gateway.requests >= t, 60, f"{target} SMS before kill {k + 1}")
            setup.processes[-1].send_signal(signal.SIGKILL)
            setup.processes[-1].wait(timeout=10)
            setup.start_worker(2, **env)
        setup.wait_for(lambda: setup.counts().get("sent", 0) == count, 60, "every SMS to be sent")
        setup.stop_all()
    finally:
        gateway.close()
    assert len(gateway.delivered) == count
    assert set(gateway.delivered.values()) == {1}, "a phone got the SMS twice"
    print(f"SMS: {gateway.repeats} repeat(s) after 3 SIGKILLs, all dropped by the gateway")
