"""`civic backup` while residents answer RSVPs, `civic restore` elsewhere: every answer
acknowledged before the backup began is there, and the restored portal serves and sends."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from civic.privacy.services import ConsentGiven

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("backup")]

CIVIC = str(Path(sys.executable).with_name("civic"))
TITLE = "Tổng vệ sinh đường làng cuối tuần"


def _env(data_dir: Path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NOTIFY_", "SMS_", "MAIL_URL", "REDIS_URL", "CIVIC_", "DATABASE_URL"))}
    env.update({"CIVIC_DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "SECRET_KEY": "backup-test-key",
                "CIVIC_BASE_URL": "https://phuong.example.vn"})
    return env


def _civic(env: dict, *args, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([CIVIC, *args], env=env, capture_output=True, text=True, timeout=180)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _app(data_dir: Path, database_url: str, **extra):
    from civic import create_app
    from civic.config import normalise_database_url

    return create_app({"SECRET_KEY": "backup-test-key", "CIVIC_DATA_DIR": str(data_dir), "REDIS_URL": None,
                       "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), "MAIL_URL": None,
                       "CIVIC_BASE_URL": "https://phuong.example.vn", "RATELIMIT_ENABLED": False, **extra})


def _backup_under_load_then_restore(tmp_path: Path, source_url: str, target_url: str):
    from civic.core.timeutil import utcnow
    from civic.events import services as events
    from civic.events.models import Rsvp
    from civic.extensions import db

    source, target, backup_dir = tmp_path / "source", tmp_path / "target", tmp_path / "backup"
    source_env, target_env = _env(source, source_url), _env(target, target_url)
    _civic(source_env, "db", "upgrade")
    app = _app(source, source_url)
    with app.app_context():
        start = utcnow() + timedelta(days=5)
        event = events.create_event(None, events.EventData(
            title=TITLE, starts_at=start, ends_at=start + timedelta(hours=2), venue_name="Sân nhà văn hóa tổ 4",
            status="published"))
        event_id = event.id
        db.session.remove()
    photo = source / "media" / "2026" / "don-ve-sinh.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo")

    acked: list[tuple[float, str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    lock = threading.Lock()
    counter = iter(range(1_000_000))

    def answer():
        with app.app_context():
            try:
                while not stop.is_set():
                    n = next(counter)
                    phone = f"0913{n:06d}"
                    events.answer_event(db.session.get(events.Event, event_id), events.Answer(
                        response="yes", name=f"Người dân {n}", phone=phone, email=f"dan{n}@example.vn"), consent=ConsentGiven())
                    with lock:
                        acked.append((time.monotonic(), phone))  # the answer is committed: acknowledged
                    db.session.remove()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer) for _ in range(3)]
    for thread in threads:
        thread.start()
    while len(acked) < 30 and not errors:
        time.sleep(0.05)
    began = time.monotonic()
    result = _civic(source_env, "backup", str(backup_dir))
    ended = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(60)
    with app.app_context():
        db.engine.dispose()
    assert not errors, errors
    before = {phone for at, phone in acked if at < began}
    during = [phone for at, phone in acked if began <= at <= ended]
    assert len(before) >= 30 and during, "the backup ran with no answers arriving"
    print(result.stdout.strip(), f"({len(before)} answers before it, {len(during)} during it)")

    # Restore into an empty data directory / database.
    restored = _civic(target_env, "restore", str(backup_dir))
    print(restored.stdout.strip())
    assert (target / "media" / "2026" / "don-ve-sinh.jpg").read_bytes() == photo.read_bytes()
    again = _civic(target_env, "restore", str(backup_dir), check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    _civic(target_env, "restore", "--force", str(backup_dir))
    _civic(target_env, "db", "upgrade")

    new = _app(target, target_url, TESTING=True)
    with new.app_context():
        phones = set(db.session.scalars(sa.select(Rsvp.phone).where(Rsvp.event_id == event_id)))
        missing = {p for p in before if "+84" + p[1:] not in phones}
        assert not missing, f"{len(missing)} acknowledged answers are not in the backup"
        client = new.test_client()
        assert client.get("/").status_code == 200
        page = client.get(events.event_url(db.session.get(events.Event, event_id)).removeprefix(
            "https://phuong.example.vn"))
        assert page.status_code == 200 and TITLE in page.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
    # ... and sends: the restored worker delivers the confirmations still due.
    _civic(target_env, "worker", "--once")
    assert list((target / "outbox").glob("*.eml"))
    engine = sa.create_engine(new.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM notification_deliveries WHERE status IN "
                                    "('pending', 'sending')")).scalar()
    engine.dispose()
    assert left == 0


def test_backup_under_rsvp_load_restores_every_acknowledged_answer_sqlite(tmp_path):
    _backup_under_load_then_restore(tmp_path, f"sqlite:///{tmp_path / 'source' / 'civic.sqlite3'}",
                                    f"sqlite:///{tmp_path / 'target' / 'civic.sqlite3'}")


@pytest.fixture
def two_databases(pg_url):
    from civic.config import normalise_database_url

    base = sa.engine.make_url(normalise_database_url(pg_url))
    names = [f"{base.database}_bk_src", f"{base.database}_bk_dst"]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    urls = [base.set(database=name).render_as_string(hide_password=False).replace("+psycopg", "") for name in names]
    yield urls
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_under_rsvp_load_restores_every_acknowledged_answer_postgres(tmp_path, two_databases):
    _backup_under_load_then_restore(tmp_path, *two_databases)
