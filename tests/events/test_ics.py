"""Calendar exchange: .ics parsed back with a real parser, times checked in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from icalendar import Calendar

from civic.events import services
from civic.events.ics import google_calendar_url

START = datetime(2030, 1, 29, 1, 30, tzinfo=UTC)  # 08:30 in Hà Nội


def _events(body: bytes):
    cal = Calendar.from_ical(body)
    return cal, [c for c in cal.walk("VEVENT")]


def test_event_ics_round_trip(app, client, make_event):
    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2), title="Gặp mặt đầu xuân")
    response = client.get(f"/su-kien/{event.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal, [vevent] = _events(response.data)
    assert cal["VERSION"] == "2.0" and cal.get("PRODID")
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Asia/Ho_Chi_Minh"
    assert str(vevent["SUMMARY"]) == "Gặp mặt đầu xuân"
    start = vevent.decoded("DTSTART")
    assert start.astimezone(UTC) == START
    assert start.utcoffset() == timedelta(hours=7)
    assert vevent["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert vevent.decoded("DTEND").astimezone(UTC) == START + timedelta(hours=2)
    assert str(vevent["URL"]) == f"http://localhost/su-kien/{event.id}-{event.slug}"
    assert "Nhà văn hóa tổ 3" in str(vevent["LOCATION"])
    [alarm] = vevent.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=-2)
    assert str(alarm["ACTION"]) == "DISPLAY"
    # Calendar apps show the category to the resident: the portal's name for it, not its code.
    assert vevent["CATEGORIES"].cats == ["Họp tổ dân phố"], vevent["CATEGORIES"].cats
    # Lines are folded at 75 octets and end with CRLF (RFC 5545 3.1).
    assert all(len(line) <= 75 for line in response.data.split(b"\r\n"))


def test_feeds_public_and_per_category(app, client, make_event, organizer):
    meeting = make_event(title="Họp tổ dân phố số 3", category="meeting")
    cleanup = make_event(title="Ngày Chủ nhật xanh", category="cleanup")
    make_event(title="Bản nháp", status="draft")
    make_event(title="Chỉ có giấy mời", audience="invite_only")
    cancelled = make_event(title="Khám sức khỏe", category="health")
    services.cancel_event(cancelled, organizer)

    _cal, events = _events(client.get("/su-kien/lich.ics").data)
    titles = {str(e["SUMMARY"]): e for e in events}
    assert set(titles) == {meeting.title, cleanup.title, cancelled.title}
    assert str(titles[cancelled.title]["STATUS"]) == "CANCELLED"

    _cal, events = _events(client.get("/su-kien/lich/cleanup.ics").data)
    assert [str(e["SUMMARY"]) for e in events] == [cleanup.title]
    assert client.get("/su-kien/lich/khong-co.ics").status_code == 404


def test_google_calendar_link(app, make_event):
    event = make_event(starts_at=START, ends_at=START + timedelta(hours=2))
    url = urlparse(google_calendar_url(event))
    query = parse_qs(url.query)
    assert url.netloc == "calendar.google.com"
    assert query["dates"] == ["20300129T013000Z/20300129T033000Z"]
    assert query["text"] == [event.title]
