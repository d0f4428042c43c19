"""API, events: an organizer edits, cancels and messages an event as the pages do, through the
same services and the same validation (one JSON parser for create and edit)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import to_local
from civic.events import services
from civic.events.models import Event, EventChange
from civic.extensions import db
from civic.notifications.models import Campaign
from civic.privacy.services import ConsentGiven
from tests.conftest import submit_form

START = datetime(2030, 3, 10, 1, 0, tzinfo=UTC)  # Sunday 08:00 local


def vi(msgid: str, **values) -> str:
    """A message as the API says it in Vietnamese (new msgids read the same once translated)."""
    from flask_babel import force_locale, gettext

    with force_locale("vi"):
        return gettext(msgid, **values)


def _auth(api_token, user):
    return {"Authorization": f"Bearer {api_token(user)}"}


def _answer(event, email, response="yes"):
    return services.answer_event(
        event, services.Answer(response=response, name=email.split("@")[0], email=email), consent=ConsentGiven())


def _fresh(event_id) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def _local(dt):
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def event(make_event):
    return make_event(starts_at=START, ends_at=START + timedelta(hours=2), capacity=30, reminder_minutes_before=120)


# --------------------------------------------------------------------------- edit


def test_patch_changes_only_the_fields_given_and_tells_those_who_answered(
        client, organizer, api_token, event, mails, groups):
    _answer(event, "yes@example.vn")
    before = len(mails())
    response = client.patch(f"/api/v1/events/{event.id}", headers=_auth(api_token, organizer), json={
        "starts_at": "2030-03-10T09:00:00+07:00", "ends_at": "2030-03-10T11:00:00+07:00", "venue": "Hội trường UBND"})
    assert response.status_code == 200, response.json
    assert response.json["starts_at"] == "2030-03-10T09:00:00+07:00" and response.json["venue"] == "Hội trường UBND"
    stored = _fresh(event.id)
    assert stored.starts_at == START + timedelta(hours=1) and stored.venue_name == "Hội trường UBND"
    # What was not given keeps its value (the reminder is not in the API, and is kept too).
    assert (stored.title, stored.capacity, stored.status, stored.reminder_minutes_before) == (
        "Họp tổ dân phố số 3", 30, "published", 120)
    [change] = services.change_log(stored)
    assert change.kind == "time_place" and change.actor_id == organizer.id
    [mail] = mails()[before:]
    assert "yes@example.vn" in mail.to[0] and mail.subject == f"Thay đổi: {stored.title}"

    groups_only = client.patch(f"/api/v1/events/{event.id}", headers=_auth(api_token, organizer),
                               json={"audience": "groups", "group_ids": [groups[1].id], "capacity": None,
                                     "allow_guests": True, "max_guests": 2, "questions": ["Đi mấy người?"]})
    assert groups_only.status_code == 200, groups_only.json
    stored = _fresh(event.id)
    assert [g.id for g in stored.groups] == [groups[1].id] and stored.capacity is None
    assert (stored.max_guests, stored.questions) == (2, ["Đi mấy người?"])
    assert len(services.change_log(stored)) == 1  # no time or place changed: nothing logged, nobody told


def test_patch_access(client, make_user, organizer, api_token, event, make_event):
    url = f"/api/v1/events/{event.id}"
    assert client.patch(url, json={"title": "X"}).status_code == 401
    resident = client.patch(url, json={"title": "X"}, headers=_auth(api_token, make_user()))
    assert resident.status_code == 403
    stranger = _auth(api_token, make_user(role="organizer"))
    refused = client.patch(url, json={"title": "X"}, headers=stranger)
    assert refused.status_code == 403 and refused.json["error"]["message"] == vi(
        "Only the event's organizer may change it.")
    draft = make_event(status="draft")
    assert client.patch(f"/api/v1/events/{draft.id}", json={"title": "X"}, headers=stranger).status_code == 404
    assert client.patch("/api/v1/events/987654", json={"title": "X"}, headers=_auth(api_token, organizer)).status_code == 404
    admin = client.patch(url, json={"title": "Họp tổ (quản trị sửa)"}, headers=_auth(api_token, make_user(role="admin")))
    assert admin.status_code == 200
    assert _fresh(event.id).title == "Họp tổ (quản trị sửa)"


def test_patch_bad_input_changes_nothing(client, organizer, api_token, event):
    auth = _auth(api_token, organizer)
    url = f"/api/v1/events/{event.id}"
    cases = [
        ({"capacity": "30"}, "capacity phải là số nguyên."),
        ({"capacity": True}, "capacity phải là số nguyên."),
        ({"capacity": 0}, "Số chỗ phải từ 1 đến 100.000 người, hoặc để trống nếu không giới hạn."),
        ({"title": None}, None),
        ({"title": ["A"]}, "title phải là văn bản."),
        ({"starts_at": "tomorrow"}, "starts_at phải là ngày giờ theo ISO 8601."),
        ({"starts_at": "2030-03-10T08:00:00"}, "starts_at cần có múi giờ, ví dụ +07:00."),
        ({"ends_at": "2030-03-10T07:00:00+07:00"}, None),
        ({"ends_at": None}, None),
        ({"allow_guests": "yes"}, vi("%(name)s must be true or false.", name="allow_guests")),
        ({"group_ids": [1, "2"]}, "group_ids phải là một danh sách số."),
        ({"audience": "groups", "group_ids": [987654]}, None),
        ({"audience": "groups", "group_ids": [2**70]}, None),
        ({"audience": "groups"}, None),
        ({"questions": "Đi mấy người?"}, "questions phải là một danh sách chuỗi văn bản."),
        ({"category": "party"}, None),
        ({"status": "cancelled"}, None),
        ({"map_url": "javascript:alert(1)"}, None),
        ({"description": "x" * 20_001}, "Phần mô tả quá dài."),
        ({"rsvp_deadline": "2030-03-11T08:00:00+07:00"}, None),
    ]
    for payload, message in cases:
        response = client.patch(url, json=payload, headers=auth)
        assert response.status_code == 422, (payload, response.status_code, response.json)
        assert response.json["error"]["message"] == (message or response.json["error"]["message"]), payload
    for raw in ("{", "[1]"):
        assert client.patch(url, data=raw, content_type="application/json", headers=auth).status_code == 400
    stored = _fresh(event.id)
    assert (stored.title, stored.starts_at, stored.ends_at, stored.capacity, stored.audience, stored.status) == (
        "Họp tổ dân phố số 3", START, START + timedelta(hours=2), 30, "public", "published")
    assert stored.groups == [] and services.change_log(stored) == []


def test_patch_of_a_cancelled_event_is_a_conflict(client, organizer, api_token, event):
    services.cancel_event(event, organizer, "Mưa bão")
    response = client.patch(f"/api/v1/events/{event.id}", json={"title": "Lại họp"}, headers=_auth(api_token, organizer))
    assert response.status_code == 409 and response.json["error"]["message"] == "Không thể sửa sự kiện đã hủy."
    assert _fresh(event.id).title == "Họp tổ dân phố số 3"


def test_create_and_edit_refuse_what_the_pages_refuse_with_the_same_message(client, login, organizer, api_token, event):
    auth = _auth(api_token, organizer)
    late = {"rsvp_deadline": "2030-03-11T08:00:00+07:00"}  # after the event starts
    api_edit = client.patch(f"/api/v1/events/{event.id}", json=late, headers=auth)
    api_create = client.post("/api/v1/events", headers=auth, json={
        "title": "Họp mới", "venue": "Nhà văn hóa", "starts_at": "2030-03-10T08:00:00+07:00",
        "ends_at": "2030-03-10T10:00:00+07:00", **late})
    message = "Hạn đăng ký phải trước giờ bắt đầu sự kiện."
    assert (api_edit.status_code, api_edit.json["error"]["message"]) == (422, message)
    assert (api_create.status_code, api_create.json["error"]["message"]) == (422, message)

    login(organizer)
    form = {"title": "Họp mới", "starts_at": _local(START), "ends_at": _local(START + timedelta(hours=2)),
            "rsvp_deadline": _local(START + timedelta(days=1)), "venue_name": "Nhà văn hóa", "category": "meeting",
            "audience": "public", "status": "published"}
    page_edit = submit_form(client, f"/su-kien/quan-ly/{event.id}/sua", form)
    page_create = submit_form(client, "/su-kien/quan-ly/moi", form)
    for page in (page_edit, page_create):
        assert page.status_code == 400 and message in html.unescape(page.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 1
    assert _fresh(event.id).rsvp_deadline is None


def test_create_through_the_shared_parser(client, organizer, api_token, groups):
    auth = _auth(api_token, organizer)
    response = client.post("/api/v1/events", headers=auth, json={
        "title": "Tổng vệ sinh", "venue": "Sân nhà văn hóa", "starts_at": "2030-05-10T07:00:00+07:00",
        "ends_at": "2030-05-10T09:00:00+07:00", "audience": "groups", "group_ids": [groups[0].id],
        "category": "", "allow_guests": False, "max_guests": 3, "map_url": ""})
    assert response.status_code == 201, response.json
    stored = _fresh(response.json["id"])
    assert (stored.category, stored.status, stored.max_guests, stored.map_url) == ("other", "draft", 0, None)
    assert [g.id for g in stored.groups] == [groups[0].id] and stored.organizer_id == organizer.id
    missing = client.post("/api/v1/events", headers=auth, json={"title": "Không giờ"})
    assert missing.status_code == 422 and missing.json["error"]["message"] == "Vui lòng nhập thời gian bắt đầu và kết thúc."


# --------------------------------------------------------------------------- cancel


def test_cancel_with_a_reason_tells_those_who_answered(client, organizer, api_token, event, mails):
    _answer(event, "yes@example.vn")
    before = len(mails())
    auth = _auth(api_token, organizer)
    response = client.post(f"/api/v1/events/{event.id}/cancel", json={"reason": "Mưa  bão"}, headers=auth)
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    stored = _fresh(event.id)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "Mưa bão")
    assert [c.kind for c in db.session.scalars(sa.select(EventChange))] == ["cancelled"]
    [mail] = mails()[before:]
    assert "yes@example.vn" in mail.to[0] and "Mưa bão" in mail.body
    again = client.post(f"/api/v1/events/{event.id}/cancel", json={}, headers=auth)
    assert again.status_code == 409 and again.json["error"]["message"] == "Sự kiện này đã được hủy trước đó."


def test_cancel_refusals(client, make_user, organizer, api_token, event):
    url = f"/api/v1/events/{event.id}/cancel"
    auth = _auth(api_token, organizer)
    assert client.post(url, json={}).status_code == 401
    assert client.post(url, json={}, headers=_auth(api_token, make_user())).status_code == 403
    assert client.post(url, json={}, headers=_auth(api_token, make_user(role="organizer"))).status_code == 403
    assert client.post("/api/v1/events/987654/cancel", json={}, headers=auth).status_code == 404
    wrong = client.post(url, json={"reason": 5}, headers=auth)
    assert wrong.status_code == 422 and wrong.json["error"]["message"] == "reason phải là văn bản."
    long = client.post(url, json={"reason": "x" * 501}, headers=auth)
    assert long.status_code == 422
    assert long.json["error"]["message"] == vi("The reason may be at most %(n)s characters.", n=500)
    assert client.post(url, data="{", content_type="application/json", headers=auth).status_code == 400
    assert _fresh(event.id).status == "published"
    assert db.session.scalar(sa.select(sa.func.count(EventChange.id))) == 0


# --------------------------------------------------------------------------- message


def test_message_everyone_registered(client, organizer, api_token, event, mails):
    _answer(event, "yes@example.vn")
    _answer(event, "no@example.vn", "no")
    before = len(mails())
    response = client.post(f"/api/v1/events/{event.id}/messages", headers=_auth(api_token, organizer),
                           json={"subject": "Nhớ mang {CCCD}", "body": "Mang theo căn cước {}"})
    assert response.status_code == 201, response.json
    campaign = db.session.get(Campaign, response.json["id"])
    assert (campaign.kind, campaign.created_by_id, campaign.recipient_count) == ("event_message", organizer.id, 1)
    [mail] = mails()[before:]
    assert "yes@example.vn" in mail.to[0] and mail.subject == "Nhớ mang {CCCD}"


def test_message_refusals(client, login, make_user, organizer, api_token, event, make_event):
    url = f"/api/v1/events/{event.id}/messages"
    auth = _auth(api_token, organizer)
    body = {"subject": "Nhắc lịch", "body": "Nội dung"}
    nobody = client.post(url, json=body, headers=auth)
    assert nobody.status_code == 409
    # The page refuses the same message with the same words.
    login(organizer)
    page = submit_form(client, f"/su-kien/quan-ly/{event.id}", body, action=f"/su-kien/quan-ly/{event.id}/nhan-tin")
    assert page.status_code == 409 and nobody.json["error"]["message"] in html.unescape(page.get_data(as_text=True))

    _answer(event, "yes@example.vn")
    for payload, message in [
        ({"subject": "", "body": "Nội dung"}, "Vui lòng nhập tiêu đề và nội dung."),
        ({"body": "Nội dung"}, "Vui lòng nhập tiêu đề và nội dung."),
        ({"subject": "A", "body": ["x"]}, "body phải là văn bản."),
        ({"subject": "A" * 201, "body": "x"}, "Nội dung quá dài."),
    ]:
        response = client.post(url, json=payload, headers=auth)
        assert (response.status_code, response.json["error"]["message"]) == (422, message), payload
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=_auth(api_token, make_user())).status_code == 403
    assert client.post(url, json=body, headers=_auth(api_token, make_user(role="organizer"))).status_code == 403
    assert client.post("/api/v1/events/987654/messages", json=body, headers=auth).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id)).where(Campaign.kind == "event_message")) == 0


def test_openapi_documents_the_organizer_routes(client):
    doc = client.get("/api/v1/openapi.json").json
    assert {"get", "post"} <= set(doc["paths"]["/events"])
    assert {"get", "patch"} <= set(doc["paths"]["/events/{event_id}"])
    assert "post" in doc["paths"]["/events/{event_id}/cancel"] and "post" in doc["paths"]["/events/{event_id}/messages"]
    update = doc["components"]["schemas"]["EventUpdate"]
    assert "required" not in update and update["properties"]["status"]["enum"] == ["draft", "published"]
