"""Changes of time or place, cancellation and reminders reach those who said yes or maybe."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from civic.events import services
from civic.events.models import Event
from civic.extensions import db
from civic.notifications.models import Campaign

START = datetime(2030, 3, 10, 1, 0, tzinfo=UTC)  # Sunday 08:00 local


def _data(event: Event, **changes) -> services.EventData:
    base = services.EventData(
        title=event.title, starts_at=event.starts_at, ends_at=event.ends_at, venue_name=event.venue_name,
        venue_address=event.venue_address, category=event.category, audience=event.audience,
        capacity=event.capacity, status=event.status,
    )
    return replace(base, **changes)


def _answer(event, email, response):
    return services.answer_event(event, services.Answer(response=response, name=email.split("@")[0], email=email))


def test_time_change_notifies_yes_and_maybe_and_page_shows_it(app, client, make_event, organizer, mails):
    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2))
    _answer(event, "yes@example.vn", "yes")
    _answer(event, "maybe@example.vn", "maybe")
    _answer(event, "no@example.vn", "no")
    before = len(mails())
    services.update_event(
        event, organizer, _data(event, starts_at=START + timedelta(hours=1), ends_at=START + timedelta(hours=3),
                                venue_name="Hội trường UBND phường")
    )
    sent = mails()[before:]
    recipients = sorted(m.to[0].split("<")[-1].rstrip(">") for m in sent)
    assert recipients == ["maybe@example.vn", "yes@example.vn"]
    assert all(m.subject == f"Thay đổi: {event.title}" for m in sent)
    assert "Hội trường UBND phường" in sent[0].body and "09:00" in sent[0].body

    html = client.get(f"/su-kien/{event.id}-{event.slug}").get_data(as_text=True)
    assert "Những thay đổi" in html
    assert "Nhà văn hóa tổ 3 → Hội trường UBND phường" in html
    assert "Chủ Nhật, 10/03/2030, 08:00 → Chủ Nhật, 10/03/2030, 09:00" in html


def test_editing_other_fields_sends_nothing(app, make_event, organizer, mails):
    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2))
    _answer(event, "yes@example.vn", "yes")
    before = len(mails())
    services.update_event(event, organizer, _data(event, title="Họp tổ dân phố (bổ sung nội dung)"))
    assert mails()[before:] == []
    assert services.change_log(event) == []


def test_cancel_notifies_and_closes(app, make_event, organizer, mails):
    event = make_event()
    _answer(event, "yes@example.vn", "yes")
    before = len(mails())
    services.cancel_event(event, organizer, "Trời mưa to")
    [mail] = mails()[before:]
    assert mail.subject == f"Thông báo hủy: {event.title}"
    assert "Trời mưa to" in mail.body
    assert event.status == "cancelled"


def test_reminder_day_before_at_eight_sent_once(app, make_event, mails):
    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2))
    _answer(event, "yes@example.vn", "yes")
    _answer(event, "no@example.vn", "no")
    due = services.reminder_due_at(event)
    assert due == datetime(2030, 3, 9, 1, 0, tzinfo=UTC)  # 08:00 on Saturday in Hà Nội
    before = len(mails())
    assert services.send_due_reminders(now=due - timedelta(minutes=1)) == 0
    assert services.send_due_reminders(now=due + timedelta(minutes=2)) == 1
    assert services.send_due_reminders(now=due + timedelta(minutes=7)) == 0
    # Even if the flag were lost, the campaign's dedupe key stops a second send.
    event.reminder_sent_at = None
    db.session.commit()
    services.send_due_reminders(now=due + timedelta(minutes=12))
    sent = mails()[before:]
    assert [m.to[0].split("<")[-1].rstrip(">") for m in sent] == ["yes@example.vn"]
    assert sent[0].subject.startswith("Nhắc lịch: ")
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id)).where(Campaign.kind == "event_reminder")) == 1


def test_reminder_configurable(app, make_event):
    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2), reminder_minutes_before=90)
    assert services.reminder_due_at(event) == START - timedelta(minutes=90)
