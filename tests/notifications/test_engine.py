"""The ledger and its rules, without HTTP: templates, dedupe, uniqueness, unsubscribes,
quiet hours, rate limits, SMS fitting. Mail goes to Flask-Mailman's locmem outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.notifications import services, sms, worker
from civic.notifications.models import Campaign, Delivery, Suppression
from civic.notifications.services import Recipient, TemplateError, create_campaign


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "NOTIFY_EMAIL_RATE": 0, "NOTIFY_SMS_RATE": 0}


@pytest.fixture
def outbox(app):
    mailman = app.extensions["mailman"]
    mailman.outbox = []
    return mailman.outbox


def people(n=3, **context):
    return [Recipient(key=f"r{i}", name=f"Trần Thị Hoa {i}", email=f"hoa{i}@example.vn", phone=f"091234567{i}",
                      context={"area": str(i + 1), **context}) for i in range(n)]


def campaign(**kw):
    args = dict(kind="test", topic="elections", subject="Khu vực bỏ phiếu số {area}",
                body_text="Kính gửi {name}, khu vực số {area}.", recipients=people())
    args.update(kw)
    return create_campaign(**args)


def statuses(c):
    return sorted(db.session.execute(
        sa.select(Delivery.recipient_key, Delivery.channel, Delivery.status, Delivery.reason)
        .where(Delivery.campaign_id == c.id)).all())


# Local 22:00 and 10:00 in Asia/Ho_Chi_Minh (UTC+7).
NIGHT = datetime(2030, 5, 20, 15, 0, tzinfo=UTC)
MORNING = datetime(2030, 5, 21, 3, 0, tzinfo=UTC)


def test_campaign_sends_one_message_per_recipient(app, outbox):
    c = campaign()
    assert len(outbox) == 3
    parsed = [message_from_bytes(m.message().as_bytes(), policy=policy.default) for m in outbox]
    assert {str(p["To"]) for p in parsed} == {f"Trần Thị Hoa {i} <hoa{i}@example.vn>" for i in range(3)}
    assert [s for _k, _c, s, _r in statuses(c)] == ["sent"] * 3
    assert outbox[0].subject.startswith("Khu vực bỏ phiếu số")


def test_unknown_placeholder_raises_before_anything_is_written(app, outbox):
    with pytest.raises(TemplateError) as err:
        campaign(body_text="Chào {name}, mời {ten_su_kien}")
    assert "{ten_su_kien}" in str(err.value)
    with pytest.raises(TemplateError):
        campaign(subject="Lỗi {")
    with pytest.raises(TemplateError):
        campaign(channels=("sms",), sms_text=None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert outbox == []


def test_same_dedupe_key_returns_the_existing_campaign(app, outbox):
    first = campaign(dedupe_key="election:1:reminder:3d")
    second = campaign(dedupe_key="election:1:reminder:3d", subject="Khác {area}")
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 3
    assert len(outbox) == 3


def test_ledger_rejects_a_second_delivery_for_the_same_recipient_and_channel(app, outbox):
    c = campaign(send_at=datetime.now(UTC) + timedelta(days=1))
    db.session.add(Delivery(campaign_id=c.id, recipient_key="r0", channel="email", address="x@example.vn"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(services.NotificationError):
        campaign(recipients=[Recipient(key="a", email="a@example.vn"), Recipient(key="a", email="b@example.vn")])


def test_missing_address_gets_no_row(app, outbox):
    c = campaign(recipients=[Recipient(key="x", name="An", email=None, context={"area": "1"})])
    assert statuses(c) == []
    assert outbox == []


def test_unsubscribe_applies_to_later_sends_but_not_to_account_mail(app, outbox):
    services.suppress("hoa1@example.vn", "email", "elections")
    c = campaign()
    assert ("r1", "email", "skipped", "unsubscribed") in statuses(c)
    assert len(outbox) == 2
    # Another topic still reaches them; account mail ignores unsubscribes.
    campaign(topic="events")
    campaign(topic="account", transactional=True)
    assert sum(1 for m in outbox if "<hoa1@example.vn>" in m.to[0]) == 2
    assert services.is_suppressed("hoa1@example.vn", "email", "elections")


def test_unsubscribe_token_round_trip_and_tampering(app):
    token = services.unsubscribe_token("lan@example.vn", "email", "events")
    target = services.read_unsubscribe_token(token)
    assert (target.address, target.channel, target.topic) == ("lan@example.vn", "email", "events")
    for bad in (token[:-2] + "xx", token.replace(token[5], "A" if token[5] != "A" else "B"), "abc", ""):
        with pytest.raises(services.NotificationError):
            services.read_unsubscribe_token(bad)
    assert services.unsubscribe(target) is True
    assert services.unsubscribe(target) is False  # second click changes nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 1


def test_sms_quiet_hours_defer_then_send(app, outbox):
    app.config["NOTIFY_SMS_QUIET_HOURS"] = 1
    c = campaign(channels=("sms",), sms_text="Nhắc {name}: bầu cử ở khu vực {area}", send_at=NIGHT - timedelta(hours=1))
    worker.process_batch(now=NIGHT)
    rows = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == c.id)).all()
    assert {(d.status, d.reason) for d in rows} == {("pending", "quiet_hours")}
    # 07:00 local the next morning = 00:00 UTC.
    assert {d.next_attempt_at for d in rows} == {datetime(2030, 5, 21, 0, 0, tzinfo=UTC)}
    worker.process_batch(now=MORNING)
    db.session.expire_all()
    assert {d.status for d in db.session.scalars(sa.select(Delivery))} == {"sent"}
    files = list((sms.sms_outbox_dir(app)).glob("*.txt"))
    assert len(files) == 3
    assert "Ngung nhan tin: http://localhost/tc/" in files[0].read_text(encoding="utf-8")


def test_urgent_sms_ignores_quiet_hours(app):
    app.config["NOTIFY_SMS_QUIET_HOURS"] = 1
    c = campaign(channels=("sms",), sms_text="Khẩn: {area}", urgent=True, send_at=NIGHT - timedelta(minutes=5))
    worker.process_batch(now=NIGHT)
    assert {s for _k, _c, s, _r in statuses(c)} == {"sent"}


def test_backoff_is_exponential_and_capped(app):
    app.config.update(NOTIFY_RETRY_BASE_SECONDS=30, NOTIFY_RETRY_MAX_SECONDS=600)
    assert [services.backoff_seconds(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_rate_limiter_spaces_messages():
    clock = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    limiter = worker.RateLimiter(5, clock=lambda: clock[0], sleep=sleep)
    for _ in range(6):
        limiter.wait()
    assert slept == pytest.approx([0.2] * 5)
    assert clock[0] == pytest.approx(1.0)
    assert worker.RateLimiter(0).wait() == 0.0


def test_sms_is_kept_within_two_segments():
    short = sms.fit("Chào Lan, họp tổ lúc 19:00", stop_url="https://p.vn/tc/1-abc")
    assert "Chào Lan" in short and short.endswith("Ngung nhan tin: https://p.vn/tc/1-abc")
    assert sms.segments(short) == 1
    stripped = sms.fit("Chào Lan, họp tổ dân phố", strip=True)
    assert stripped == "Chao Lan, hop to dan pho" and sms.is_gsm7(stripped)
    long_text = "Kính gửi cử tri, bầu cử đại biểu Quốc hội và HĐND các cấp. " * 8
    fitted = sms.fit(long_text, stop_url="https://p.vn/tc/1-abc")
    assert sms.segments(fitted) <= 2
    assert fitted.endswith("Ngung nhan tin: https://p.vn/tc/1-abc") and "..." in fitted
    assert sms.segments("a" * 160) == 1 and sms.segments("a" * 161) == 2
    assert sms.segments("ă" * 70) == 1 and sms.segments("ă" * 71) == 2


def test_preview_renders_for_the_first_recipient(app, outbox):
    c = campaign(send_at=datetime.now(UTC) + timedelta(days=2))
    shown = services.preview(c)
    assert shown["subject"] == "Khu vực bỏ phiếu số 1"
    assert "Kính gửi Trần Thị Hoa 0" in shown["text"]
    assert outbox == []


def test_retry_failed_puts_failed_back(app, outbox):
    c = campaign(send_at=datetime.now(UTC) + timedelta(days=2))
    db.session.execute(sa.update(Delivery).values(status="failed", last_error="SMTP 550", attempts=1,
                                                  next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    assert services.retry_failed(c) == 3
    assert {s for _k, _c, s, _r in statuses(c)} == {"sent"}
    assert len(outbox) == 3


def test_stale_lease_is_taken_over(app, outbox):
    c = campaign(send_at=datetime.now(UTC) + timedelta(days=2))
    now = datetime.now(UTC) + timedelta(days=3)
    jobs = worker.claim("dead-worker", 10, now=now)
    assert len(jobs) == 3
    assert worker.claim("other", 10, now=now) == []  # leased: nobody else takes them
    later = now + timedelta(seconds=services.setting("NOTIFY_LEASE_SECONDS", 120.0) + 1)
    worker.process_batch("other", now=later)
    assert {s for _k, _c, s, _r in statuses(c)} == {"sent"}
    assert not worker.mark_sent(jobs[0], "dead-worker")  # the dead worker's late answer is ignored


def test_sweep_finds_work_whose_queue_message_was_lost(app, outbox):
    from civic.notifications import tasks

    # Rows written without any queue message (as if Redis lost it, or the web process died
    # between commit and enqueue): only the periodic sweep can find them.
    c = Campaign(kind="lost", topic="events", subject="Bị thất lạc {name}", body_text="Chào {name}", channels="email")
    db.session.add(c)
    db.session.flush()
    db.session.add(Delivery(campaign_id=c.id, recipient_key="x", channel="email", name="Hùng",
                            address="hung@example.vn", next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    assert outbox == [] and services.due_count() == 1
    tasks.sweep()
    assert statuses(c) == [("x", "email", "sent", None)]
    assert outbox[0].subject == "Bị thất lạc Hùng"
    assert services.due_count() == 0
