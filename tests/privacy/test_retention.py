"""Retention: exactly the rows past their date are anonymised; counts stay; idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}


def _event(title, ends_at):
    from civic.events.models import Event
    from civic.extensions import db

    e = Event(title=title, slug="su-kien", starts_at=ends_at - timedelta(hours=2), ends_at=ends_at,
              status="published", capacity=10)
    db.session.add(e)
    db.session.flush()
    return e


def _rsvp(event, n, **fields):
    from civic.events.models import Rsvp
    from civic.extensions import db

    values = dict(event_id=event.id, name=f"Nguyễn Văn {n}", phone=f"+8491234{n:04d}",
                  email=f"khach{n}@example.vn", response="yes", status="confirmed", guests=1,
                  answers={"Ghi chú": "ăn chay"}, client_key="abc")
    values.update(fields)
    r = Rsvp(**values)
    db.session.add(r)
    db.session.flush()
    return r


def test_rsvps_past_their_date_are_anonymised_and_counts_stay(app, make_user):
    from civic.events import services as events
    from civic.events.models import Rsvp
    from civic.extensions import db
    from civic.portal.retention import run_retention

    cutoff = NOW - timedelta(days=90)
    old = _event("Họp cũ", cutoff - timedelta(seconds=1))  # just past the cutoff
    recent = _event("Họp gần đây", cutoff + timedelta(seconds=1))  # just within it
    resident = make_user(role="resident", full_name="Lê Thị Cư Dân")
    g1 = _rsvp(old, 1)
    g2 = _rsvp(old, 2, response="no", status="declined", guests=0)
    by_account = _rsvp(old, 3, user_id=resident.id)
    by_invitation = _rsvp(old, 4, invitation_id=77, source="invitation")
    keep = _rsvp(recent, 5)
    db.session.commit()
    before = events.counts(old), events.counts(recent)

    report = run_retention(NOW)

    assert report.rsvps == 2
    db.session.expire_all()
    for r in (db.session.get(Rsvp, g1.id), db.session.get(Rsvp, g2.id)):
        assert r.name == "Người tham dự đã xóa dữ liệu"
        assert r.phone is None and r.email is None and events.is_anonymised(r)
        assert r.answers == {} and r.client_key is None
    assert db.session.get(Rsvp, g1.id).guests == 1 and db.session.get(Rsvp, g2.id).status == "declined"
    for r, n in ((by_account, 3), (by_invitation, 4), (keep, 5)):
        r = db.session.get(Rsvp, r.id)
        assert r.name == f"Nguyễn Văn {n}" and r.phone == f"+8491234{n:04d}"
    assert (events.counts(db.session.get(type(old), old.id)), events.counts(db.session.get(type(recent), recent.id))) == before

    # Idempotent: a second run finds nothing and changes nothing.
    assert run_retention(NOW).total == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.phone.is_(None))) == 2


def test_subscriptions_after_polling_day_and_grace(app):
    from civic.elections.models import Election, Subscription
    from civic.extensions import db
    from civic.portal.retention import run_retention

    polling = date(2026, 11, 1)  # polling day + 30 days = 1/12; NOW is 2/12 local
    db.session.add(Election(name="Bầu cử bổ sung", polling_day=polling, polls_open=time(7), polls_close=time(19)))
    before_day = Subscription(email="a@example.vn", phone="+84912000001", name="Phạm A", want_email=True,
                              email_confirmed_at=NOW, created_at=datetime(2026, 10, 1, tzinfo=UTC))
    after_day = Subscription(email="b@example.vn", name="Phạm B", want_email=True,
                             created_at=datetime(2026, 11, 2, 12, tzinfo=UTC))
    db.session.add_all([before_day, after_day])
    db.session.commit()

    # One day earlier the grace period is not over: nothing changes.
    assert run_retention(NOW - timedelta(days=2)).subscriptions == 0
    assert run_retention(NOW).subscriptions == 1
    db.session.expire_all()
    a = db.session.get(Subscription, before_day.id)
    assert (a.email, a.phone, a.name, a.want_email) == (None, None, "Người tham dự đã xóa dữ liệu", False)
    assert a.unsubscribed_at is not None
    assert db.session.get(Subscription, after_day.id).email == "b@example.vn"
    assert run_retention(NOW).subscriptions == 0


def test_a_later_election_keeps_the_subscriptions(app):
    from civic.elections.models import Election, Subscription
    from civic.extensions import db
    from civic.portal.retention import run_retention

    db.session.add_all([
        Election(name="Cũ", polling_day=date(2026, 5, 1), polls_open=time(7), polls_close=time(19)),
        Election(name="Sắp tới", polling_day=date(2027, 3, 15), polls_open=time(7), polls_close=time(19)),
        Subscription(email="c@example.vn", name="Phạm C", created_at=datetime(2026, 4, 1, tzinfo=UTC)),
    ])
    db.session.commit()
    assert run_retention(NOW).subscriptions == 0


def test_outbox_purge_keeps_a_hash_and_the_counts(app):
    from civic.extensions import db
    from civic.notifications import services as notify
    from civic.notifications.models import Campaign, Delivery

    campaign = Campaign(kind="event_confirmation", topic="events", subject="Xác nhận", body_text="Chào {name}",
                        channels="email,sms")
    db.session.add(campaign)
    db.session.flush()
    cutoff = NOW - timedelta(days=30)

    def delivery(n, status, at, channel="email"):
        address = f"nguoi{n}@example.vn" if channel == "email" else f"+8491300{n:04d}"
        d = Delivery(campaign_id=campaign.id, recipient_key=f"rsvp:{n}", channel=channel, name=f"Người {n}",
                     address=address, context={"manage_url": "https://x/y"}, status=status,
                     sent_at=at if status == "sent" else None, updated_at=at)
        db.session.add(d)
        return d

    old = delivery(1, "sent", cutoff - timedelta(seconds=1))
    old_sms = delivery(2, "failed", cutoff - timedelta(days=3), channel="sms")
    fresh = delivery(3, "sent", cutoff + timedelta(seconds=1))
    pending = delivery(4, "pending", cutoff - timedelta(days=5))
    db.session.commit()
    notify.suppress("+84913000002", "sms", "events")

    from civic.portal.retention import run_retention

    assert run_retention(NOW).deliveries == 2
    db.session.expire_all()
    o = db.session.get(Delivery, old.id)
    assert o.address == notify.address_hash("nguoi1@example.vn") and o.address.startswith("#")
    assert "nguoi1" not in o.address and o.name is None and o.context == {}
    assert o.status == "sent" and o.sent_at is not None
    assert db.session.get(Delivery, old_sms.id).address == notify.address_hash("+84913000002")
    assert db.session.get(Delivery, fresh.id).address == "nguoi3@example.vn"
    assert db.session.get(Delivery, pending.id).address == "nguoi4@example.vn"
    # Suppressions are kept: the person's objection still holds.
    assert notify.is_suppressed("+84913000002", "sms", "events")
    assert run_retention(NOW).deliveries == 0


def test_a_stop_code_from_a_purged_message_still_suppresses(app):
    from civic.extensions import db
    from civic.notifications import services as notify

    notify.suppress(notify.address_hash("+84913000009"), "sms", "events")
    assert notify.suppressed_addresses(["+84913000009", "+84913000010"], "sms", "events") == {"+84913000009"}
    assert notify.is_suppressed("+84913000009", "sms", "events")
    db.session.rollback()


def test_cli_prints_what_it_did(app):
    from civic.portal.cli import retention_command

    result = app.test_cli_runner().invoke(retention_command)
    assert result.exit_code == 0, result.output
    assert "Guest answers anonymised (90 days after the event): 0" in result.output
    assert "Outbox messages purged (after 30 days): 0" in result.output


@pytest.mark.parametrize("name, value", [
    ("CIVIC_RETENTION_RSVP_DAYS", "ninety"),
    ("CIVIC_RETENTION_RSVP_DAYS", "0"),
    ("CIVIC_RETENTION_OUTBOX_DAYS", "1.5"),
    ("CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS", "-1"),
])
def test_bad_settings_stop_the_start(monkeypatch, name, value):
    from civic.config import ConfigError, load_config

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config({"TESTING": True})
    monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match=name):
        load_config({"TESTING": True, name: value})


def test_settings_defaults_and_env(monkeypatch):
    from civic.config import load_config

    cfg = load_config({"TESTING": True})
    assert (cfg["CIVIC_RETENTION_RSVP_DAYS"], cfg["CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS"],
            cfg["CIVIC_RETENTION_OUTBOX_DAYS"]) == (90, 30, 30)
    monkeypatch.setenv("CIVIC_RETENTION_RSVP_DAYS", "180")
    assert load_config({"TESTING": True})["CIVIC_RETENTION_RSVP_DAYS"] == 180
