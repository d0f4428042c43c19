"""Every e-mail and SMS the invitations domain sends, rendered in vi and en and compared with the
stored text (tests/invitations/snapshots): a changed text is a reviewed diff.

The messages are built by the real services (sending, notices) for a conference saved at a fixed
time; only the engine's create_campaign is replaced by a recorder, and each recorded campaign is
filled for each of its recipients the way the engine fills it (check_templates).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.events.models import EventChange
from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.services import messages, notices, sending
from civic.notifications.services import check_templates
from civic.privacy.services import ConsentGiven
from tests.invitations.conftest import inv_of
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
LOCALES = ("vi", "en")
STARTS = datetime(2031, 3, 14, 1, 0, tzinfo=UTC)  # Friday 08:00 in Hà Nội
# The personal link's random token is not part of the text.
PERSONAL_LINK = re.compile(r"(/giay-moi/)[A-Za-z0-9_\-]{32,}")


@pytest.fixture
def sent(monkeypatch):
    """The campaigns the services asked for, instead of sending them."""
    campaigns = []

    def record(**kwargs):
        campaigns.append(kwargs)
        return len(campaigns)

    monkeypatch.setattr(sending, "create_campaign", record)
    monkeypatch.setattr(notices, "create_campaign", record)
    return campaigns


@pytest.fixture
def meeting(conference):
    """The conference at a fixed time, everyone invited; Trần Thị An sends a substitute who has a phone."""
    conference.starts_at, conference.ends_at = STARTS, STARTS + timedelta(hours=3)
    conference.title = "Hội nghị triển khai nhiệm vụ năm 2031"
    conference.cancel_reason = "Trùng lịch họp của Quận"
    for inv in svc.list_invitations(conference):
        inv.sent_at = STARTS - timedelta(days=7)
    db.session.commit()
    svc.answer(inv_of(conference, "Trần Thị An"), "substitute", substitute_name="Vũ Văn Nam",
               substitute_phone="0987 654 321", via="phone", consent=ConsentGiven())
    return conference


def _invitation(event, name, kind):
    sending.send(event, [inv_of(event, name)], kind)


def _changed(event):
    window = datetime(2031, 3, 1, 2, 15, tzinfo=UTC)
    db.session.add(EventChange(event_id=event.id, kind="time_place", created_at=window + timedelta(seconds=5), detail={
        "starts_at": ["Thứ Năm, 13/03/2031, 08:00", "Thứ Sáu, 14/03/2031, 08:00"],
        "venue_name": ["Hội trường UBND phường", "Nhà văn hóa tổ 3"]}))
    event.venue_name = "Nhà văn hóa tổ 3"
    db.session.commit()
    notices.announce_change_window(event, window, now=window + timedelta(minutes=2))


# name: (how it is sent, which campaign's channel, whose copy)
KINDS = {
    "invitation_email": (lambda e: _invitation(e, "Nguyễn Văn An", "invitation"), "email", "Nguyễn Văn An"),
    "invitation_sms": (lambda e: _invitation(e, "Lê Văn Bình", "invitation"), "sms", "Lê Văn Bình"),
    "invitation_resend_email": (lambda e: _invitation(e, "Nguyễn Văn An", "resend"), "email", "Nguyễn Văn An"),
    "invitation_reminder_email": (lambda e: _invitation(e, "Nguyễn Văn An", "reminder"), "email", "Nguyễn Văn An"),
    "invitation_reminder_sms": (lambda e: _invitation(e, "Lê Văn Bình", "reminder"), "sms", "Lê Văn Bình"),
    "invitation_change_email": (_changed, "email", "Nguyễn Văn An"),
    "invitation_change_substitute_email": (_changed, "email", "Trần Thị An"),
    "invitation_change_sms": (_changed, "sms", "Lê Văn Bình"),
    "invitation_change_substitute_sms": (_changed, "sms", "Vũ Văn Nam"),
    "invitation_cancelled_email": (notices.announce_cancellation, "email", "Nguyễn Văn An"),
    "invitation_cancelled_sms": (notices.announce_cancellation, "sms", "Lê Văn Bình"),
    "invitation_cancelled_substitute_sms": (notices.announce_cancellation, "sms", "Vũ Văn Nam"),
}


def _render(campaign: dict, name: str) -> str:
    """What the engine sends this recipient on the campaign's channel."""
    [recipient] = [r for r in campaign["recipients"] if r.name == name]
    parts = check_templates(campaign["subject"], campaign["body_text"], campaign.get("body_html"),
                            campaign.get("sms_text"), tuple(campaign["channels"]), recipient)
    head = f"kind: {campaign['kind']}\nchannels: {', '.join(campaign['channels'])}\nurgent: {campaign['urgent']}\n"
    if "sms" in campaign["channels"]:
        text = head + f"\n{parts['sms_text']}\n"
    else:
        text = head + f"subject: {parts['subject']}\n\n{parts['body_text']}\n"
    return PERSONAL_LINK.sub(r"\1<token>", text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(KINDS))
def test_message_text(app, meeting, sent, name, locale):
    make, channel, whose = KINDS[name]
    with app.test_request_context("/"), force_locale(locale):
        make(meeting)
        [campaign] = [c for c in sent if channel in c["channels"] and any(r.name == whose for r in c["recipients"])]
        text = _render(campaign, whose)
    assert_snapshot(SNAPSHOTS / f"{name}.{locale}.txt", text)


def test_every_kind_the_domain_sends_has_a_snapshot():
    """A new kind of message in the messages module needs its case above (in both languages)."""
    source = Path(messages.__file__).read_text(encoding="utf-8")
    kinds = {part.split('"')[0] for part in source.split('kind="')[1:]} | {
        f"invitation_{k}" for k in ("invitation", "reminder", "resend")}
    for locale in LOCALES:
        stored = {path.read_text(encoding="utf-8").split("\n", 1)[0].removeprefix("kind: ")
                  for path in SNAPSHOTS.glob(f"*.{locale}.txt")}
        assert kinds <= stored, (locale, kinds - stored)
