"""Issue 11, in process: settings checked at start, no rows for channels a person cannot
receive, poison messages contained, takeover of a silent worker's claims, SMS request ids.
(The same with real `civic worker` processes and SIGKILL is in test_reliability.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from civic.config import ConfigError, load_config
from civic.extensions import db
from civic.notifications import heartbeat, services, worker
from civic.notifications.models import Delivery, WorkerHeartbeat
from civic.notifications.services import Recipient, create_campaign

CIVIC = str(Path(sys.executable).with_name("civic"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
MORNING = datetime(2030, 5, 21, 3, 0, tzinfo=UTC)  # 10:00 local: outside SMS quiet hours


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "NOTIFY_EMAIL_RATE": 0, "NOTIFY_SMS_RATE": 0, "NOTIFY_MAX_ATTEMPTS": 3,
            "NOTIFY_RETRY_BASE_SECONDS": 30}


@pytest.fixture
def outbox(app):
    mailman = app.extensions["mailman"]
    mailman.outbox = []
    return mailman.outbox


def rows(c):
    db.session.expire_all()
    return db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == c.id).order_by(Delivery.id)).all()


def voters(n, **kw):
    return [Recipient(key=f"v{i}", name=f"Phạm Văn {i}", email=f"pham{i}@example.vn", **kw) for i in range(n)]


def reminder(recipients, **kw):
    args = dict(kind="election_reminder", topic="elections", subject="Ngày bầu cử", body_text="Kính gửi {name}",
                recipients=recipients, send_at=MORNING)
    args.update(kw)
    return create_campaign(**args)


# --------------------------------------------------------------------------- settings


BAD_SETTINGS = [
    ("NOTIFY_EMAIL_RATE", "abc"), ("NOTIFY_SMS_RATE", "-1"), ("NOTIFY_BATCH_SIZE", "0"),
    ("NOTIFY_BATCH_SIZE", "năm mươi"), ("NOTIFY_LEASE_SECONDS", "2 phút"), ("NOTIFY_HEARTBEAT_SECONDS", "0"),
    ("NOTIFY_MAX_ATTEMPTS", "1.5"), ("NOTIFY_RETRY_BASE_SECONDS", "x"), ("NOTIFY_RETRY_MAX_SECONDS", "nan"),
    ("NOTIFY_SMS_STRIP_MARKS", "có"), ("NOTIFY_UNSUBSCRIBE_MAILTO", "huy dang ky"),
    ("SMS_GATEWAY_TIMEOUT", "0"), ("SMS_GATEWAY_URL", "ftp://sms.example.vn"),
    ("MAIL_URL", "http://mail.example.vn"), ("MAIL_URL", "smtp://portal:bi-mat@mail.example.vn:cong"),
    ("MAIL_URL", "smtp://mail.example.vn?timeout=lau"),
]


@pytest.mark.parametrize("name, value", BAD_SETTINGS)
def test_a_malformed_notification_setting_stops_startup_with_its_name(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name) as err:
        load_config({"CIVIC_DATA_DIR": str(tmp_path)})
    assert "\n" not in str(err.value)
    assert "bi-mat" not in str(err.value)  # a password in MAIL_URL is not printed


def test_notification_settings_are_parsed_once_at_start(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    for name, value in {"NOTIFY_EMAIL_RATE": "50", "NOTIFY_BATCH_SIZE": "20", "NOTIFY_SMS_STRIP_MARKS": "1",
                        "MAIL_URL": "smtps://u:p@mail.example.vn:465", "SMS_GATEWAY_URL": "https://sms.example.vn/send",
                        "NOTIFY_UNSUBSCRIBE_MAILTO": "huy@phuong.example.vn"}.items():
        monkeypatch.setenv(name, value)
    cfg = load_config({"CIVIC_DATA_DIR": str(tmp_path)})
    assert cfg["NOTIFY_EMAIL_RATE"] == 50.0 and cfg["NOTIFY_BATCH_SIZE"] == 20 and cfg["NOTIFY_SMS_STRIP_MARKS"] == 1
    assert cfg["MAIL_URL"] == "smtps://u:p@mail.example.vn:465"
    # Values handed to create_app() go through the same checks.
    with pytest.raises(ConfigError, match="NOTIFY_BATCH_SIZE"):
        load_config({"CIVIC_DATA_DIR": str(tmp_path), "NOTIFY_BATCH_SIZE": "abc"})


def _env(tmp_path, **extra):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "SMS_", "MAIL_URL"))}
    env.update({"CIVIC_DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 32, **extra})
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


@pytest.mark.parametrize("command", [[CIVIC, "db", "upgrade"], [CIVIC, "worker", "--once"],
                                     [GUNICORN, "--check-config", "civic:create_app()"]])
def test_commands_refuse_a_malformed_setting_before_any_work(tmp_path, command):
    result = subprocess.run(command, env=_env(tmp_path, NOTIFY_EMAIL_RATE="abc"), capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "NOTIFY_EMAIL_RATE='abc' is not valid" in output
    if command[0] == CIVIC:
        assert output.strip().splitlines() == [output.strip()], output  # one line, no traceback
    # Nothing was migrated, so no worker can claim a delivery it would crash on.
    assert not (tmp_path / "data" / "civic.sqlite3").exists() or command[0] == GUNICORN


# --------------------------------------------------------------------------- channels a person cannot receive


def test_no_sms_row_for_a_subscriber_without_a_phone(app, outbox, client, make_user, login):
    organizer = make_user("organizer")
    people = [Recipient(key="a", name="Có điện thoại", email="a@example.vn", phone="0912345678"),
              Recipient(key="b", name="Chỉ email", email="b@example.vn"),
              Recipient(key="c", name="Chỉ email 2", email="c@example.vn", phone="  ")]
    c = reminder(people, channels=("email", "sms"), sms_text="Nhắc {name}", urgent=True, created_by=organizer)
    worker.process_batch(now=MORNING)
    assert sorted((d.recipient_key, d.channel, d.status) for d in rows(c)) == [
        ("a", "email", "sent"), ("a", "sms", "sent"), ("b", "email", "sent"), ("c", "email", "sent")]
    progress = services.progress(c)
    assert (progress["total"], progress["done"], progress["percent"], progress["finished"]) == (4, 4, 100, True)
    assert services.failures(c) == []
    login(organizer)
    page = client.get(f"/quan-ly/thong-bao/{c.id}").get_data(as_text=True)
    assert "Không có địa chỉ" not in page and "No address" not in page


def test_old_no_address_rows_are_not_counted_as_problems(app, outbox):
    c = reminder(voters(2))
    db.session.add(Delivery(campaign_id=c.id, recipient_key="v0", channel="sms", status="skipped",
                            reason="no_address", address=None))
    db.session.commit()
    assert services.progress(c)["total"] == 2 and services.failures(c) == []


# --------------------------------------------------------------------------- poison messages


@pytest.fixture
def poison(monkeypatch):
    """Rendering the message for pham1@ raises an unexpected error (a bug, bad data)."""
    original = worker.render_job

    def render(job):
        if job.address in ("pham1@example.vn", "+84912345671"):
            raise RuntimeError("dữ liệu hỏng")
        return original(job)

    monkeypatch.setattr(worker, "render_job", render)


def test_a_poison_message_is_backed_off_then_failed_without_holding_back_the_rest(
        app, outbox, poison, client, make_user, login):
    organizer = make_user("organizer")
    c = reminder(voters(5), created_by=organizer)
    assert worker.process_batch(now=MORNING) == 5
    by_key = {d.recipient_key: d for d in rows(c)}
    assert [by_key[f"v{i}"].status for i in (0, 2, 3, 4)] == ["sent"] * 4
    bad = by_key["v1"]
    assert (bad.status, bad.reason, bad.attempts) == ("pending", "retry", 1)
    assert "RuntimeError: dữ liệu hỏng" in bad.last_error
    when = MORNING
    for attempt in (2, 3):
        when = when + timedelta(hours=2)  # past any back-off
        worker.process_batch(now=when)
        bad = rows(c)[1]
        assert bad.attempts == attempt
    assert bad.status == "failed"  # NOTIFY_MAX_ATTEMPTS = 3
    assert worker.process_batch(now=when + timedelta(days=1)) == 0  # no loop
    assert len(outbox) == 4
    login(organizer)
    page = client.get(f"/quan-ly/thong-bao/{c.id}").get_data(as_text=True)
    assert "RuntimeError: dữ liệu hỏng" in page


def test_a_poison_sms_is_contained_too(app, poison, tmp_path):
    people = [Recipient(key=f"p{i}", name=f"Lan {i}", phone=f"091234567{i}") for i in range(3)]
    c = reminder(people, channels=("sms",), sms_text="Nhắc {name}", urgent=True)
    worker.process_batch(now=MORNING)
    assert [d.status for d in rows(c)] == ["sent", "pending", "sent"]
    assert "RuntimeError" in rows(c)[1].last_error


def test_an_unexpected_error_inside_smtp_sending_is_counted(app, outbox, monkeypatch):
    from flask_mailman.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def send_messages(self, messages):
        if "pham0@example.vn" in messages[0].to[0]:
            raise KeyError("hỏng")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    c = reminder(voters(3))
    worker.process_batch(now=MORNING)
    assert [d.status for d in rows(c)] == ["pending", "sent", "sent"]
    assert rows(c)[0].attempts == 1 and "KeyError" in rows(c)[0].last_error


# --------------------------------------------------------------------------- takeover by heartbeat


def _silent_process(name: str, beat_at: datetime | None) -> str:
    process = f"may-khac:{name}:abc123"
    if beat_at is not None:
        db.session.add(WorkerHeartbeat(id=process, beat_at=beat_at, started_at=beat_at))
        db.session.commit()
    return process


def test_claims_of_a_worker_that_stopped_beating_are_taken_over_before_the_lease(app, outbox):
    c = reminder(voters(4))
    process = _silent_process("4242", beat_at=MORNING)
    held = worker.claim(f"{process}:7", 10, now=MORNING)
    assert len(held) == 4
    # Still beating (5 s ago): nobody takes its claims.
    assert worker.claim("khac", 10, now=MORNING + timedelta(seconds=5)) == []
    # Silent for more than NOTIFY_HEARTBEAT_SECONDS (12 s), lease (120 s) far from over.
    later = MORNING + timedelta(seconds=16)
    assert services.due_count(later) > 0
    assert services.next_wakeup(MORNING) <= later
    assert worker.take_over_dead(later) == 4
    db.session.commit()
    # The first in send order was in flight at the crash: charged, with the error, and retried
    # at once but behind the rest; the others' interrupted claim is not counted.
    first, *rest = rows(c)
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "worker_crash")
    assert [(d.status, d.attempts, d.last_error) for d in rest] == [("pending", 0, None)] * 3
    order = [d.id for d in rest] + [first.id]
    jobs = worker.claim("khac", 10, now=later)
    assert [j.id for j in jobs] == order
    assert not worker.mark_sent(held[1], f"{process}:7")  # the dead worker's late answer is ignored


def test_a_worker_with_no_heartbeat_on_record_is_left_to_the_lease(app, outbox):
    reminder(voters(2))
    process = _silent_process("4343", beat_at=None)
    assert len(worker.claim(f"{process}:1", 10, now=MORNING)) == 2
    assert worker.claim("khac", 10, now=MORNING + timedelta(seconds=60)) == []
    assert len(worker.claim("khac", 10, now=MORNING + timedelta(seconds=121))) == 2


def test_a_message_that_kills_every_worker_ends_failed(app, outbox, client, make_user, login):
    organizer = make_user("organizer")
    c = reminder(voters(1), created_by=organizer)
    when = MORNING
    for crash in range(1, 4):
        process = _silent_process(f"9{crash}", beat_at=when)
        assert len(worker.claim(f"{process}:1", 5, now=when)) == 1  # then the process dies
        worker.take_over_dead(when + timedelta(minutes=1))
        db.session.commit()
        when = when + timedelta(hours=2)  # past the back-off
        assert rows(c)[0].attempts == crash
    assert rows(c)[0].status == "failed"  # NOTIFY_MAX_ATTEMPTS = 3
    assert worker.process_batch(now=when + timedelta(days=1)) == 0
    login(organizer)
    page = client.get(f"/quan-ly/thong-bao/{c.id}").get_data(as_text=True)
    assert "Tiến trình gửi đã dừng khi đang gửi tin này" in page


def test_the_worker_beats_while_it_runs(app):
    heartbeat.beat()
    (row,) = db.session.scalars(sa.select(WorkerHeartbeat)).all()
    assert row.id == heartbeat.process_identity()
    assert worker.worker_identity().startswith(row.id + ":")


# --------------------------------------------------------------------------- SMS request id


class _Recorder(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.headers.get("Idempotency-Key"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_each_sms_carries_the_deliverys_stable_request_id(app):
    _Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{server.server_port}/sms"
        c = reminder([Recipient(key="p", name="Lan", phone="0912345678")], channels=("sms",),
                     sms_text="Nhắc {name}", urgent=True)
        jobs = worker.claim("w", 10, now=MORNING)
        worker.send_sms_batch(jobs, "w")
        # The same delivery sent again (as after a crash) carries the same id.
        worker.send_sms_batch(jobs, "w")
    finally:
        server.shutdown()
    (delivery,) = rows(c)
    expected = f"civic-{c.id}-{delivery.id}"
    assert [(key, body["request_id"]) for key, body in _Recorder.received] == [(expected, expected)] * 2


def test_a_slow_batch_sent_inline_keeps_beating(app, outbox, monkeypatch):
    """Without the worker's beating thread (a send run inline), the sending loop beats itself,
    so a batch slower than NOTIFY_HEARTBEAT_SECONDS is not taken over while it is being sent."""
    import time

    app.config["NOTIFY_HEARTBEAT_SECONDS"] = 0.5
    reminder(voters(3))
    original = worker.build_email
    monkeypatch.setattr(worker, "build_email", lambda job, connection: (time.sleep(0.3), original(job, connection))[1])
    from civic.core.timeutil import as_utc, utcnow

    started = utcnow()
    worker.process_batch(now=MORNING)  # three messages, 0.3 s each
    db.session.expire_all()
    last = as_utc(db.session.get(WorkerHeartbeat, heartbeat.process_identity()).beat_at)
    assert last >= started + timedelta(seconds=0.25)  # beaten during the batch, not only at its claim
