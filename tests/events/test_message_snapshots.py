"""Every e-mail and SMS the events domain sends, rendered in vi and en and compared with the
stored text (tests/events/snapshots): a changed text is a reviewed diff.

The messages are built by the real functions of civic.events.services.messages; only the
engine's create_campaign is replaced by a recorder, and each recorded campaign is filled for
its recipient the way the engine fills it (check_templates).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.events.models import ChangeKind, Event, EventChange, Rsvp, RsvpResponse, RsvpStatus
from civic.events.services import messages
from civic.notifications.services import check_templates
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
LOCALES = ("vi", "en")
# The personal link's signed token depends on the test's secret key, not on the text.
PERSONAL_LINK = re.compile(r"(/cau-tra-loi/)\S+")


def _event() -> Event:
    starts = datetime(2031, 3, 14, 1, 0, tzinfo=UTC)  # Friday 08:00 in Hà Nội
    return Event(
        id=7, title="Họp tổ dân phố số 3", slug="hop-to-dan-pho-so-3", starts_at=starts,
        ends_at=datetime(2031, 3, 14, 3, 0, tzinfo=UTC), venue_name="Nhà văn hóa tổ 3",
        venue_address="12 ngõ 5 phố Hàng Bông", category="meeting", status="published", description_html="",
        updated_at=starts, questions=[], cancel_reason="Trùng lịch họp của Quận",
    )


def _rsvp(event: Event, status: str = RsvpStatus.CONFIRMED, **fields) -> Rsvp:
    rsvp = Rsvp(id=12, event_id=event.id, name="Nguyễn Thị Lan", email=fields.pop("email", "lan@example.vn"),
                phone=fields.pop("phone", None), response=RsvpResponse.YES, status=status,
                guests=fields.pop("guests", 1))
    rsvp.event = event
    rsvp._history_id = 3
    return rsvp


@pytest.fixture
def sent(app, monkeypatch):
    """The campaigns the messages module asked for, instead of sending them."""
    campaigns = []

    def record(**kwargs):
        campaigns.append(kwargs)
        return len(campaigns)

    monkeypatch.setattr(messages, "create_campaign", record)
    return campaigns


def _render(campaign: dict) -> str:
    recipient = campaign["recipients"][0]
    channels = tuple(campaign["channels"]) + (() if "sms" in campaign["channels"] else ("sms",))
    parts = check_templates(campaign["subject"], campaign["body_text"], campaign.get("body_html"),
                            campaign.get("sms_text"), channels, recipient)
    attachments = ", ".join(a.filename for a in campaign.get("attachments") or ()) or "-"
    text = (f"kind: {campaign['kind']}\nchannels: {', '.join(campaign['channels'])}\n"
            f"attachments: {attachments}\nsubject: {parts['subject']}\n\n{parts['body_text']}\n\n"
            f"--- sms\n{parts['sms_text']}\n")
    return PERSONAL_LINK.sub(r"\1<token>", text)


def _confirmation(event):
    messages.notify_confirmation(_rsvp(event))


def _updated(event):
    messages.notify_confirmation(_rsvp(event, guests=0), updated=True)


def _waitlisted(event):
    messages.notify_confirmation(_rsvp(event, RsvpStatus.WAITLISTED))


def _maybe(event):
    messages.notify_confirmation(_rsvp(event, RsvpStatus.TENTATIVE, guests=0))


def _declined(event):
    messages.notify_confirmation(_rsvp(event, RsvpStatus.DECLINED, guests=0), updated=True)


def _promoted(event):
    messages.notify_promoted(_rsvp(event))


def _link(event):
    messages.resend_link(_rsvp(event, phone="+84912345678", email=None), limited=False)


def _reminder(event, monkeypatch):
    monkeypatch.setattr(messages, "attendees", lambda _event: [_rsvp(event)])
    messages._remind(event)


def _changed(event, monkeypatch):
    monkeypatch.setattr(messages, "attendees", lambda _event: [_rsvp(event)])
    change = EventChange(id=5, event_id=event.id, kind=ChangeKind.TIME_PLACE, detail={
        "starts_at": ["Thứ Năm, 13/03/2031, 08:00", "Thứ Sáu, 14/03/2031, 08:00"],
        "venue_name": ["Hội trường UBND phường", "Nhà văn hóa tổ 3"],
    })
    messages.notify_change(event, change)


def _cancelled(event, monkeypatch):
    monkeypatch.setattr(messages, "attendees", lambda _event: [_rsvp(event)])
    messages.notify_change(event, EventChange(id=6, event_id=event.id, kind=ChangeKind.CANCELLED, detail={}))


def _organizer_message(event, monkeypatch):
    monkeypatch.setattr(messages, "registered", lambda _event: [_rsvp(event, phone="+84912345678", email=None)])
    messages.message_attendees(event, None, "Mang theo {CCCD}", "Xin mời bà con mang theo căn cước.\nCảm ơn.")


KINDS = {
    "event_confirmation": _confirmation,
    "event_confirmation_updated": _updated,
    "event_confirmation_waitlisted": _waitlisted,
    "event_confirmation_maybe": _maybe,
    "event_confirmation_declined": _declined,
    "event_promoted": _promoted,
    "event_link": _link,
    "event_reminder": _reminder,
    "event_changed": _changed,
    "event_cancelled": _cancelled,
    "event_message": _organizer_message,
}
NEEDS_MONKEYPATCH = {_reminder, _changed, _cancelled, _organizer_message}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(KINDS))
def test_message_text(app, sent, monkeypatch, name, locale):
    make = KINDS[name]
    with app.test_request_context("/"), force_locale(locale):
        event = _event()
        make(event, monkeypatch) if make in NEEDS_MONKEYPATCH else make(event)
        [campaign] = sent
        text = _render(campaign)
    assert_snapshot(SNAPSHOTS / f"{name}.{locale}.txt", text)


def test_every_kind_the_domain_sends_has_a_snapshot():
    """A new kind of message in the module needs its case above."""
    source = Path(messages.__file__).read_text(encoding="utf-8")
    kinds = {part.split('"')[0] for part in source.split('kind="')[1:]}
    assert kinds <= {name.split("_confirmation")[0] + "_confirmation" if "_confirmation" in name else name
                     for name in KINDS}, kinds
