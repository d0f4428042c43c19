"""Organizer pages and the JSON API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from civic.core.timeutil import to_local, utcnow
from civic.events import services
from civic.events.models import Event
from civic.extensions import db
from civic.privacy.services import ConsentGiven
from tests.conftest import submit_form


def _yes(event, name, phone, guests=0, group_id=None):
    return services.answer_event(
        event, services.Answer(response="yes", name=name, phone=phone, guests=guests, group_id=group_id), consent=ConsentGiven()
    )


def _local(dt):
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def test_organizer_creates_edits_and_cancels(app, client, login, organizer, mails):
    login(organizer)
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=5)
    response = submit_form(client, "/su-kien/quan-ly/moi", {
        "title": "Ngày Chủ nhật xanh", "description": "Mang **găng tay** <script>alert(1)</script>",
        "starts_at": _local(start), "ends_at": _local(start + timedelta(hours=3)),
        "venue_name": "Sân nhà văn hóa", "category": "cleanup", "audience": "public",
        "capacity": "30", "max_guests": "0", "status": "published",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    event = db.session.scalar(sa.select(Event))
    assert event.organizer_id == organizer.id and event.capacity == 30
    assert "<strong>găng tay</strong>" in event.description_html and "<script" not in event.description_html
    assert event.starts_at == start

    _yes(event, "Lan", "0912000001")
    before = len(mails())
    response = submit_form(client, f"/su-kien/quan-ly/{event.id}/sua", {
        "title": event.title, "starts_at": _local(start + timedelta(days=1)),
        "ends_at": _local(start + timedelta(days=1, hours=3)), "venue_name": "Sân nhà văn hóa",
        "category": "cleanup", "audience": "public", "capacity": "30", "status": "published",
    })
    assert response.status_code == 303
    assert len(mails()) - before == 0  # Lan gave only a phone: the change goes by SMS, not email
    assert len(services.change_log(event)) == 1

    # End before start: a clear message, nothing saved.
    response = submit_form(client, f"/su-kien/quan-ly/{event.id}/sua", {
        "title": "Sai giờ", "starts_at": _local(start), "ends_at": _local(start - timedelta(hours=1)),
        "venue_name": "X", "category": "cleanup", "audience": "public", "status": "published",
    })
    assert response.status_code == 400
    assert "không được trước thời gian bắt đầu" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Ngày Chủ nhật xanh"

    response = submit_form(client, f"/su-kien/quan-ly/{event.id}/huy", {"reason": "Mưa bão"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "cancelled"


def test_only_own_events_are_managed(app, client, login, make_user, make_event):
    event = make_event()
    other = make_user(role="organizer")
    resident = make_user()
    login(resident)
    assert client.get(f"/su-kien/quan-ly/{event.id}").status_code == 403
    assert client.get("/su-kien/quan-ly").status_code == 403
    client.delete_cookie("session")
    login(other)
    for path in ("", "/sua", "/huy", "/tra-loi.csv", "/tra-loi.xlsx"):
        assert client.get(f"/su-kien/quan-ly/{event.id}{path}").status_code == 403, path
    admin = make_user(role="admin")
    client.delete_cookie("session")
    login(admin)
    assert client.get(f"/su-kien/quan-ly/{event.id}").status_code == 200


def test_answers_page_exports_and_chart(app, client, login, organizer, make_event, groups):
    event = make_event(capacity=3, allow_guests=True, max_guests=2)
    _yes(event, "Nguyễn Thị Ánh", "0912000001", guests=1, group_id=groups[0].id)
    _yes(event, "=HYPERLINK(\"x\")", "0912000002", group_id=groups[1].id)
    _yes(event, "Đỗ Văn Chờ", "0912000003")  # waiting
    login(organizer)
    html = client.get(f"/su-kien/quan-ly/{event.id}").get_data(as_text=True)
    assert "<svg" in html and "ev-bar" in html and "ev-line" in html
    assert "Tổ dân phố số 1" in html and "0912 000 001" in html
    assert "style=" not in html and "<script>" not in html

    response = client.get(f"/su-kien/quan-ly/{event.id}/tra-loi.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Họ và tên", "Số điện thoại"]
    assert rows[1][1] == "Nguyễn Thị Ánh" and rows[1][4] == "Tổ dân phố số 1"
    assert rows[2][1].startswith("'=")  # no formula injection
    assert rows[3][6] == "Danh sách chờ"

    response = client.get(f"/su-kien/quan-ly/{event.id}/tra-loi.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == event.title
    assert [c.value for c in sheet[4]][:2] == ["STT", "Họ và tên"]
    assert sheet["B5"].value == "Nguyễn Thị Ánh"


def test_message_everyone_registered(app, client, login, organizer, make_event, mails):
    event = make_event()
    services.answer_event(event, services.Answer(response="yes", name="A", email="a@example.vn"), consent=ConsentGiven())
    services.answer_event(event, services.Answer(response="no", name="B", email="b@example.vn"), consent=ConsentGiven())
    login(organizer)
    before = len(mails())
    response = submit_form(
        client, f"/su-kien/quan-ly/{event.id}", {"subject": "Nhớ mang {CCCD}", "body": "Mang theo căn cước {}"},
        action=f"/su-kien/quan-ly/{event.id}/nhan-tin",
    )
    assert response.status_code == 303
    [mail] = mails()[before:]
    assert "a@example.vn" in mail.to[0]
    assert mail.subject == "Nhớ mang {CCCD}" and "Mang theo căn cước {}" in mail.body


# --------------------------------------------------------------------------- API


def test_api_create_list_get_and_answer(app, client, organizer, api_token, make_user):
    token = api_token(organizer)
    auth = {"Authorization": f"Bearer {token}"}
    body = {
        "title": "Tiếp xúc cử tri", "description": "Đại biểu HĐND phường", "venue": "Hội trường UBND phường",
        "starts_at": "2030-05-10T08:00:00+07:00", "ends_at": "2030-05-10T10:00:00+07:00",
        "capacity": 2, "audience": "public", "status": "published", "category": "voters",
    }
    response = client.post("/api/v1/events", json=body, headers=auth)
    assert response.status_code == 201, response.json
    event_id = response.json["id"]
    assert response.json["url"].startswith("http://localhost/su-kien/")

    listed = client.get("/api/v1/events?from=2030-05-01&to=2030-05-31&category=voters").json
    assert [e["id"] for e in listed["items"]] == [event_id]
    assert listed["items"][0]["url"].startswith("http://")
    assert listed["items"][0]["starts_at"] == "2030-05-10T08:00:00+07:00"
    detail = client.get(f"/api/v1/events/{event_id}").json
    assert detail["lunar_date"] == "mùng 9 tháng Tư năm Canh Tuất"
    assert client.get(f"/api/v1/events/{event_id}.ics").mimetype == "text/calendar"

    statuses, links = [], []
    for i in range(3):
        r = client.post(f"/api/v1/events/{event_id}/rsvps",
                        json={"name": f"Cử tri {i}", "phone": f"091200000{i}", "response": "yes", "guests": 0})
        assert r.status_code == 201
        statuses.append(r.json["status"])
        assert r.json["manage_url"].startswith(f"http://localhost/su-kien/{event_id}/cau-tra-loi/")
        links.append(r.json["manage_url"])
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    # The same phone again without the link: refused, nothing changed, no link in the answer.
    r = client.post(f"/api/v1/events/{event_id}/rsvps", json={"name": "Người Khác", "phone": "0912000000", "response": "no"})
    assert r.status_code == 409 and r.json["error"]["reason"] == "already_answered"
    assert "manage_url" not in r.json and links[0] not in r.get_data(as_text=True)
    assert "đã trả lời" in r.json["error"]["message"]
    # Cử tri 0 cancels through the personal link.
    path = links[0].removeprefix("http://localhost")
    assert submit_form(client, path, {"action": "cancel"}).status_code == 303

    answers = client.get(f"/api/v1/events/{event_id}/rsvps", headers=auth).json
    assert len(answers["items"]) == 3
    assert answers["counts"]["confirmed"]["people"] == 2  # Cử tri 2 was promoted

    stranger = api_token(make_user(role="organizer"))
    assert client.get(f"/api/v1/events/{event_id}/rsvps", headers={"Authorization": f"Bearer {stranger}"}).status_code == 403
    assert client.get(f"/api/v1/events/{event_id}/rsvps").status_code == 401
    resident = api_token(make_user())
    assert client.post("/api/v1/events", json=body, headers={"Authorization": f"Bearer {resident}"}).status_code == 403


def test_api_bad_input(app, client, organizer, api_token, make_event):
    auth = {"Authorization": f"Bearer {api_token(organizer)}"}
    event = make_event(allow_guests=True, max_guests=2)
    url = f"/api/v1/events/{event.id}/rsvps"
    cases = [
        ({"name": "A", "phone": "0912000001", "response": "yes", "guests": 1000}, 422),
        ({"name": "A", "phone": "abc", "response": "yes"}, 422),
        ({"name": "A", "response": "yes"}, 422),
        ({"name": "A", "phone": "0912000001", "response": "yes", "guests": "2"}, 422),
        ({"name": "A", "phone": "0912000001", "response": "ok"}, 422),
        ({"name": ["A"], "phone": "0912000001", "response": "yes"}, 422),
    ]
    for payload, status in cases:
        r = client.post(url, json=payload)
        assert r.status_code == status, (payload, r.status_code, r.json)
        assert r.json["error"]["message"]
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/events/999999/rsvps", json={}).status_code == 404
    assert client.get("/api/v1/events?from=yesterday").status_code == 400
    assert client.get("/api/v1/events?category=x").status_code == 400

    bad_events = [
        {"title": "A", "starts_at": "2030-05-10T08:00:00", "ends_at": "2030-05-10T10:00:00+07:00"},
        {"title": "A", "starts_at": "2030-05-10T08:00:00+07:00", "ends_at": "2030-05-10T07:00:00+07:00"},
        {"title": "", "starts_at": "2030-05-10T08:00:00+07:00", "ends_at": "2030-05-10T10:00:00+07:00"},
        {"title": "A", "starts_at": "2030-05-10T08:00:00+07:00", "ends_at": "2030-05-10T10:00:00+07:00", "capacity": -3},
        {"title": "A", "starts_at": "2030-05-10T08:00:00+07:00", "ends_at": "2030-05-10T10:00:00+07:00", "audience": "all"},
        {"title": "A", "starts_at": "2030-05-10T08:00:00+07:00", "ends_at": "2030-05-10T10:00:00+07:00", "status": "cancelled"},
    ]
    for payload in bad_events:
        r = client.post("/api/v1/events", json=payload, headers=auth)
        assert r.status_code in (400, 422), (payload, r.status_code)
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 1


def test_openapi_lists_event_paths(app, client):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/events", "/events/{event_id}", "/events/{event_id}.ics", "/events/{event_id}/rsvps"):
        assert path in doc["paths"]
    assert "post" in doc["paths"]["/events/{event_id}/rsvps"]
    assert "RsvpResult" in doc["components"]["schemas"]


def test_message_with_nobody_registered_is_refused(app, client, login, organizer, make_event):
    event = make_event()
    login(organizer)
    response = submit_form(
        client, f"/su-kien/quan-ly/{event.id}", {"subject": "Nhắc lịch", "body": "Nội dung"},
        action=f"/su-kien/quan-ly/{event.id}/nhan-tin",
    )
    assert response.status_code == 409
    assert "Chưa có ai đăng ký tham dự" in response.get_data(as_text=True)


def test_cover_image_upload_and_bad_file(app, client, login, organizer):
    from PIL import Image

    login(organizer)
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=5)
    fields = {
        "title": "Gặp mặt đầu xuân", "starts_at": _local(start), "ends_at": _local(start + timedelta(hours=2)),
        "venue_name": "Hội trường", "category": "culture", "audience": "public", "status": "published",
    }
    bad = submit_form(client, "/su-kien/quan-ly/moi", {**fields, "cover": (io.BytesIO(b"not an image"), "anh.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 415
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (179, 38, 30)).save(buf, "PNG")
    buf.seek(0)
    ok = submit_form(client, "/su-kien/quan-ly/moi", {**fields, "cover": (buf, "anh.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
    event = db.session.scalar(sa.select(Event))
    assert event.cover_image and event.cover_image.endswith(".jpg")
    image = client.get(f"/su-kien/anh/{event.cover_image}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert client.get("/su-kien/anh/..%2Fcivic.sqlite3").status_code == 404
