"""Changes of time or place, cancellation and reminders reach those who said yes or maybe."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.events import services
from civic.events.models import Event
from civic.extensions import db
from civic.notifications.models import Campaign
from civic.privacy.services import ConsentGiven

START = datetime(2030, 3, 10, 1, 0, tzinfo=UTC)  # Sunday 08:00 local


def _data(event: Event, **changes) -> services.EventData:
    base = services.EventData(
        title=event.title, starts_at=event.starts_at, ends_at=event.ends_at, venue_name=event.venue_name,
        venue_address=event.venue_address, category=event.category, audience=event.audience,
        capacity=event.capacity, status=event.status,
    )
    return replace(base, **changes)


def _answer(event, email, response):
    return services.answer_event(event, services.Answer(response=response, name=email.split("@")[0], email=email), consent=ConsentGiven())


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


# --------------------------------------------------------------------------- invitees (issue 10)


@pytest.fixture
def app_config():
    # No send-rate pauses: 30 notices go out inline.
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False, "NOTIFY_EMAIL_RATE": 0, "NOTIFY_SMS_RATE": 0}


@pytest.fixture
def conference(app, make_event, organizer):
    """An invite-only conference with 30 invitees (15 by email, 15 with a phone only), invited."""
    from civic.invitations import services as inv_svc

    event = make_event(starts_at=START, ends_at=START + timedelta(hours=3), title="Hội nghị triển khai nhiệm vụ",
                       audience="invite_only", venue_name="Hội trường UBND phường", venue_address="Số 12 phố Hòa Bình")
    ids = []
    for n in range(30):
        email = f"daibieu{n}@example.vn" if n % 2 == 0 else None
        phone = None if email else f"09121{n:05d}"
        ids.append(inv_svc.save_contact(None, full_name=f"Nguyễn Văn Khách {n}", position="Tổ trưởng",
                                        unit=f"Tổ dân phố số {n % 12 + 1}", phone=phone, email=email).id)
    inv_svc.add_invitees(event, contact_ids=ids)
    result = inv_svc.send_invitations(event, organizer)
    assert (result.email, result.sms) == (15, 15)
    return event


def _sms_files(app):
    from civic.notifications.sms import sms_outbox_dir

    folder = sms_outbox_dir(app)
    return sorted(folder.glob("*.txt")) if folder.exists() else []


def _in_window(event, minute: datetime, seconds=(5, 40)):
    """Both edits of this test were saved within one clock minute (set explicitly: no timing)."""
    from civic.events.models import EventChange

    rows = db.session.scalars(sa.select(EventChange).where(EventChange.event_id == event.id)
                              .order_by(EventChange.id)).all()
    for row, second in zip(rows[-len(seconds):], seconds, strict=True):
        row.created_at = minute + timedelta(seconds=second)
    db.session.commit()


def test_moving_an_invite_only_conference_tells_each_invitee_once(app, conference, organizer, mails):
    from civic.invitations import services as inv_svc
    from civic.invitations.models import Invitation
    from civic.notifications.models import Delivery

    mails_before, sms_before = len(mails()), len(_sms_files(app))
    minute = datetime(2030, 3, 1, 2, 15, tzinfo=UTC)
    # Two edits in the same minute: a new time, then (a correction) a new place too.
    services.update_event(conference, organizer, _data(conference, starts_at=START + timedelta(hours=1),
                                                      ends_at=START + timedelta(hours=4)))
    services.update_event(conference, organizer, _data(conference, venue_name="Nhà văn hóa tổ 5"))
    _in_window(conference, minute)
    # While the minute is not over nothing is sent; once it is, one notice per person.
    assert inv_svc.announce_due_changes(now=minute + timedelta(seconds=50)) == 0
    assert len(mails()) == mails_before and len(_sms_files(app)) == sms_before
    assert inv_svc.announce_due_changes(now=minute + timedelta(minutes=2)) == 30

    sent = mails()[mails_before:]
    assert len(sent) == 15
    assert sorted(m.to[0].split("<")[-1].rstrip(">") for m in sent) == sorted(
        f"daibieu{n}@example.vn" for n in range(0, 30, 2))
    invs = {i.email: i for i in db.session.scalars(sa.select(Invitation).where(Invitation.event_id == conference.id))}
    mail = next(m for m in sent if "daibieu4@example.vn" in m.to[0])
    assert mail.subject == f"Thay đổi: {conference.title}"
    # old → new of both edits, the final state, and the invitee's own link.
    assert "Chủ Nhật, 10/03/2030, 08:00 → Chủ Nhật, 10/03/2030, 09:00" in mail.body
    assert "Hội trường UBND phường → Nhà văn hóa tổ 5" in mail.body
    assert f"/giay-moi/{invs['daibieu4@example.vn'].token}" in mail.body

    sms = _sms_files(app)[sms_before:]
    assert len(sms) == 15
    to = sorted(f.read_text(encoding="utf-8").splitlines()[0] for f in sms)
    assert len(set(to)) == 15
    # The SMS is shortened to fit, but never its link: each carries its invitee's whole link.
    tokens = {i.token for i in invs.values()} | {
        i.token for i in db.session.scalars(sa.select(Invitation).where(Invitation.event_id == conference.id))}
    for f in sms:
        found = re.findall(r"/giay-moi/(\S+)", f.read_text(encoding="utf-8"))
        assert found and found[0] in tokens, f.read_text(encoding="utf-8")
    # The organizer who moved the meeting finds these notices among their own campaigns.
    creators = set(db.session.scalars(sa.select(Campaign.created_by_id).where(Campaign.kind == "invitation_change")))
    assert creators == {organizer.id}
    sms_deliveries = db.session.scalars(sa.select(Delivery).where(
        Delivery.channel == "sms", Delivery.recipient_key.like("invitation:%"),
        Delivery.campaign_id.in_(sa.select(Campaign.id).where(Campaign.kind == "invitation_change")))).all()
    assert len(sms_deliveries) == 15 and {d.status for d in sms_deliveries} == {"sent"}

    # The worker's sweep (or its scheduled task) running again sends nothing more.
    assert inv_svc.announce_due_changes(now=minute + timedelta(minutes=3)) == 0
    # A re-save with no change logs nothing and sends nothing, ever.
    services.update_event(conference, organizer, _data(conference))
    assert inv_svc.announce_due_changes(now=utcnow() + timedelta(minutes=2)) == 0
    assert len(mails()) == mails_before + 15 and len(_sms_files(app)) == sms_before + 15
    # A later edit is a new notice: from the state people were told to the new one.
    services.update_event(conference, organizer, _data(conference, venue_name="Hội trường UBND phường"))
    later = minute + timedelta(minutes=10)
    _in_window(conference, later, seconds=(1,))
    assert inv_svc.announce_due_changes(now=later + timedelta(minutes=2)) == 30
    last = [m for m in mails()[mails_before + 15:] if "daibieu4@example.vn" in m.to[0]]
    assert len(last) == 1 and "Nhà văn hóa tổ 5 → Hội trường UBND phường" in last[0].body
    assert "08:00 →" not in last[0].body


def test_decliners_and_walk_ins_are_not_told_substitutes_are(app, conference, organizer, mails):
    from civic.invitations import services as inv_svc

    invs = inv_svc.list_invitations(conference)
    by_mail = [i for i in invs if i.email]
    inv_svc.answer(by_mail[0], "decline", reason="Đi công tác", via="phone", consent=ConsentGiven())
    inv_svc.answer(by_mail[1], "substitute", substitute_name="Trần Thị Thay", substitute_phone="0987 654 321",
                   via="phone", consent=ConsentGiven())
    inv_svc.add_walk_in(conference, "Bùi Văn Vãng Lai")
    before = len(mails())
    minute = datetime(2030, 3, 1, 3, 0, tzinfo=UTC)
    services.update_event(conference, organizer, _data(conference, venue_name="Nhà văn hóa tổ 5"))
    _in_window(conference, minute, seconds=(30,))
    sms_before = len(_sms_files(app))
    # 29 invitees (not the one who declined, not the walk-in) and the substitute on their own phone.
    assert inv_svc.announce_due_changes(now=minute + timedelta(minutes=5)) == 30
    sent = mails()[before:]
    assert not [m for m in sent if by_mail[0].email in m.to[0]]
    [sub] = [m for m in sent if by_mail[1].email in m.to[0]]
    assert "Trần Thị Thay" in sub.body
    texts = [f.read_text(encoding="utf-8") for f in _sms_files(app)[sms_before:]]
    assert len(texts) == 16 and sum("+84987654321" in t for t in texts) == 1


def test_edits_that_cancel_out_within_the_minute_send_nothing(app, conference, organizer, mails):
    from civic.invitations import services as inv_svc

    before = len(mails())
    minute = datetime(2030, 3, 1, 4, 0, tzinfo=UTC)
    services.update_event(conference, organizer, _data(conference, venue_name="Nhà văn hóa tổ 5"))
    services.update_event(conference, organizer, _data(conference, venue_name="Hội trường UBND phường"))
    _in_window(conference, minute)
    assert inv_svc.announce_due_changes(now=minute + timedelta(minutes=5)) == 0
    assert len(mails()) == before


def test_cancelling_a_conference_tells_each_invitee_once(app, conference, organizer, mails):
    from civic.invitations import services as inv_svc

    mails_before, sms_before = len(mails()), len(_sms_files(app))
    # A move in the minute before the cancellation is not announced after it.
    services.update_event(conference, organizer, _data(conference, venue_name="Nhà văn hóa tổ 5"))
    services.cancel_event(conference, organizer, "Trùng lịch họp của Quận")
    sent = mails()[mails_before:]
    assert len(sent) == 15 and all(m.subject == f"Thông báo hủy: {conference.title}" for m in sent)
    assert "Trùng lịch họp của Quận" in sent[0].body
    assert len(_sms_files(app)) == sms_before + 15
    assert inv_svc.announce_due_changes(now=utcnow() + timedelta(minutes=5)) == 0
    assert inv_svc.announce_cancellation(conference) == 30  # the same campaigns: nothing new sent
    assert len(mails()) == mails_before + 15 and len(_sms_files(app)) == sms_before + 15
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id)).where(Campaign.kind == "invitation_cancelled")) == 2


def test_rsvps_still_hear_through_the_signal_and_events_do_not_import_invitations(app, make_event, organizer, mails):
    from pathlib import Path

    import civic.events

    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2))
    _answer(event, "yes@example.vn", "yes")
    before = len(mails())
    services.update_event(event, organizer, _data(event, venue_name="Hội trường UBND phường"))
    assert [m.to[0].split("<")[-1].rstrip(">") for m in mails()[before:]] == ["yes@example.vn"]
    for path in Path(civic.events.__file__).parent.glob("*.py"):
        assert "civic.invitations" not in path.read_text(encoding="utf-8"), path.name


def test_a_change_schedules_the_invitees_notice_for_the_end_of_its_minute(app, conference, organizer, mails,
                                                                          monkeypatch):
    from civic.events.models import EventChange
    from civic.extensions import huey
    from civic.invitations.tasks import announce_change_task

    huey.storage.flush_schedule()
    services.update_event(conference, organizer, _data(conference, venue_name="Nhà văn hóa tổ 5"))
    change = db.session.scalars(sa.select(EventChange).where(EventChange.event_id == conference.id)).one()
    [task] = [t for t in huey.scheduled() if t.name.endswith("announce_change_task")]
    event_id, window = task.args
    assert event_id == conference.id
    assert datetime.fromisoformat(window) == change.created_at.replace(second=0, microsecond=0)
    # Run before the minute is over (a skewed clock), it sends nothing yet.
    before = len(mails())
    assert announce_change_task.call_local(*task.args) == 0
    # What the worker runs when the minute is over: one notice per invitee, once.
    later = change.created_at + timedelta(minutes=2)
    monkeypatch.setattr("civic.invitations.services.notices.utcnow", lambda: later)
    assert announce_change_task.call_local(*task.args) == 30
    assert announce_change_task.call_local(*task.args) == 0
    assert len(mails()) == before + 15
