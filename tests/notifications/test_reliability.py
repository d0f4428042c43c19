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

    def start_worker(self, threads: int = 2) -> subprocess.Popen:
        log = self.data_dir / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        proc = subprocess.Popen([CIVIC, "worker", "--threads", str(threads)], env=self.env(),
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
