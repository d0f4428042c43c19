"""Email over a real SMTP server on loopback (aiosmtpd): headers, encodings, retries, outages."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.notifications import services, sms, worker
from civic.notifications.models import Delivery
from civic.notifications.services import Attachment, Recipient, create_campaign


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_URL": smtp_server.url, "CIVIC_BASE_URL": "https://phuong.example.vn", "NOTIFY_EMAIL_RATE": 0,
            "NOTIFY_RETRY_BASE_SECONDS": 60, "NOTIFY_MAX_ATTEMPTS": 4}


SUBJECT = "Nhắc lịch: Bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp nhiệm kỳ 2021–2026"


def send(recipients, **kw):
    args = dict(kind="election_reminder", topic="elections", subject=SUBJECT,
                body_text="Kính gửi {name},\nMời ông/bà đi bầu cử tại {station}.\nhttps://phuong.example.vn/bau-cu",
                recipients=recipients)
    args.update(kw)
    return create_campaign(**args)


def rows(c):
    db.session.expire_all()
    return db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == c.id).order_by(Delivery.id)).all()


def test_vietnamese_headers_multipart_and_unsubscribe_headers(app, smtp_server, client):
    name = "Nguyễn Thị Ánh Tuyết"
    send([Recipient(key="u1", name=name, email="tuyet@example.vn", context={"station": "Nhà văn hóa tổ 3"})],
         attachments=[Attachment("lich-bau-cu.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
    assert smtp_server.counts["tuyet@example.vn"] == 1
    (message,) = smtp_server.parsed()
    assert str(message["Subject"]) == SUBJECT
    assert message["To"].addresses[0].display_name == name
    assert message["To"].addresses[0].addr_spec == "tuyet@example.vn"
    assert "Cổng thông tin phường" in str(message["From"])
    assert message["Message-ID"].startswith("<delivery-") and message["Message-ID"].endswith("@phuong.local>")
    assert abs(parsedate_to_datetime(message["Date"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<https://phuong.example.vn/huy-dang-ky/") and unsubscribe.endswith(">")
    # Raw bytes: every non-ASCII header is encoded (RFC 2047), the body is UTF-8.
    raw = smtp_server.messages[0][1]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain.get_content_charset() == "utf-8" and "Kính gửi Nguyễn Thị Ánh Tuyết" in plain.get_content()
    assert "Nhà văn hóa tổ 3" in html.get_content() and '<a href="https://phuong.example.vn/bau-cu">' in html.get_content()
    assert [a.get_filename() for a in message.iter_attachments()] == ["lich-bau-cu.ics"]

    # One-click: the mail client POSTs to the header's URL, no login, no CSRF token.
    path = unsubscribe[1:-1].removeprefix("https://phuong.example.vn")
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert services.is_suppressed("tuyet@example.vn", "email", "elections")
    c2 = send([Recipient(key="u1", name=name, email="tuyet@example.vn", context={"station": "x"})])
    assert [(d.status, d.reason) for d in rows(c2)] == [("skipped", "unsubscribed")]
    assert smtp_server.counts["tuyet@example.vn"] == 1


def test_transactional_mail_has_no_unsubscribe_header(app, smtp_server):
    send([Recipient(key="a", email="a@example.vn", context={"station": "x"})], topic="account", transactional=True,
         subject="Xác nhận địa chỉ email")
    (message,) = smtp_server.parsed()
    assert message["List-Unsubscribe"] is None


def test_permanent_rejection_fails_without_retry(app, smtp_server):
    smtp_server.reject.add("sai@example.vn")
    c = send([Recipient(key="bad", email="sai@example.vn", context={"station": "x"}),
              Recipient(key="ok", email="dung@example.vn", context={"station": "x"})])
    bad, ok = rows(c)
    assert (bad.status, bad.attempts) == ("failed", 1)
    assert "550" in bad.last_error
    assert ok.status == "sent"
    # Nothing due any more: a later pass does not touch the failed one.
    worker.process_batch(now=datetime.now(UTC) + timedelta(days=1))
    assert rows(c)[0].attempts == 1


def test_temporary_failure_retries_with_backoff_then_sends(app, smtp_server):
    smtp_server.tempfail.add("tam@example.vn")
    c = send([Recipient(key="t", email="tam@example.vn", context={"station": "x"})])
    (d,) = rows(c)
    assert (d.status, d.reason, d.attempts) == ("pending", "retry", 1)
    assert "451" in d.last_error
    first_wait = d.next_attempt_at - d.updated_at
    assert timedelta(seconds=59) < first_wait < timedelta(seconds=61)
    worker.process_batch(now=d.next_attempt_at + timedelta(seconds=1))
    (d,) = rows(c)
    assert d.attempts == 2 and timedelta(seconds=119) < d.next_attempt_at - d.updated_at < timedelta(seconds=121)
    smtp_server.tempfail.clear()
    worker.process_batch(now=d.next_attempt_at + timedelta(seconds=1))
    (d,) = rows(c)
    assert d.status == "sent" and smtp_server.counts["tam@example.vn"] == 1


def test_temporary_failures_give_up_after_max_attempts(app, smtp_server):
    smtp_server.tempfail.add("tam@example.vn")
    c = send([Recipient(key="t", email="tam@example.vn", context={"station": "x"})])
    later = datetime.now(UTC)
    for _ in range(5):
        later += timedelta(days=1)
        worker.process_batch(now=later)
    (d,) = rows(c)
    assert (d.status, d.attempts) == ("failed", 4)
    assert services.retry_failed(c) == 1  # the organizer's "retry failed" button


def test_smtp_down_then_up_nothing_lost(app, smtp_server):
    smtp_server.stop()
    c = send([Recipient(key=f"r{i}", email=f"r{i}@example.vn", context={"station": "x"}) for i in range(25)])
    assert {(d.status, d.reason) for d in rows(c)} == {("pending", "retry")}
    assert all("Connection refused" in d.last_error or "Errno" in d.last_error for d in rows(c))
    later = datetime.now(UTC) + timedelta(minutes=5)
    worker.process_batch(now=later)  # still down: waits again
    assert {d.status for d in rows(c)} == {"pending"}
    smtp_server.start()
    while worker.process_batch(now=later + timedelta(hours=1)):
        pass
    assert {d.status for d in rows(c)} == {"sent"}
    assert sorted(smtp_server.counts.values()) == [1] * 25


class _Gateway(BaseHTTPRequestHandler):
    status = 200
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        import json

        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(body)
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Gateway, f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()


def test_http_sms_gateway_success_temporary_and_permanent(app, gateway):
    handler, url = gateway
    app.config["SMS_GATEWAY_URL"] = url
    night = datetime(2030, 5, 20, 3, 0, tzinfo=UTC)  # 10:00 local, outside quiet hours
    c = send([Recipient(key="p", name="Lan", phone="0912 345 678", context={"station": "Nhà văn hóa"})],
             channels=("sms",), sms_text="Chào {name}, bầu cử tại {station}", send_at=night)
    worker.process_batch(now=night)
    assert rows(c)[0].status == "sent"
    assert handler.received[0]["to"] == "+84912345678"
    assert handler.received[0]["text"].startswith("Chào Lan, bầu cử tại Nhà văn hóa Ngung nhan tin: https://")
    handler.status = 503
    c2 = send([Recipient(key="p", phone="0912345678", context={"station": "x"})], channels=("sms",),
              sms_text="Nhắc {station}", send_at=night)
    worker.process_batch(now=night)
    assert (rows(c2)[0].status, rows(c2)[0].reason) == ("pending", "retry")
    handler.status = 400
    c3 = send([Recipient(key="p", phone="0912345678", context={"station": "x"})], channels=("sms",),
              sms_text="Nhắc {station}", send_at=night)
    worker.process_batch(now=night)
    assert rows(c3)[0].status == "failed" and "400" in rows(c3)[0].last_error
    with pytest.raises(ValueError):
        sms.HttpGateway("file:///etc/passwd")


def test_slow_smtp_holds_no_database_lock(app, smtp_server, db_backend):
    """While a message is stuck in SMTP, another connection can still write (pages stay usable)."""
    import asyncio

    if db_backend != "sqlite":
        pytest.skip("the write lock that would block pages is SQLite's")
    handler = smtp_server._controller.handler
    entered, release = threading.Event(), threading.Event()
    original = handler.handle_DATA

    async def slow_data(server, session, envelope):
        entered.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 20)
        return await original(server, session, envelope)

    handler.handle_DATA = slow_data
    later = datetime.now(UTC) + timedelta(days=1)
    c = send([Recipient(key="s", email="cham@example.vn", context={"station": "x"})], send_at=later)

    def work():
        with app.app_context():
            worker.process_batch(now=later)

    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert entered.wait(20), "the worker never reached SMTP DATA"
        other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], connect_args={"timeout": 1})
        with other.begin() as conn:  # BEGIN IMMEDIATE: fails after 1 s if the worker held the lock
            conn.execute(sa.text("UPDATE notification_campaigns SET urgent = urgent"))
        other.dispose()
    finally:
        release.set()
        thread.join(30)
    assert rows(c)[0].status == "sent"
