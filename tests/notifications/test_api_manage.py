"""API, notifications: composing an announcement and sending yourself a test, as the pages do."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.notifications.models import Campaign, Delivery
from civic.notifications.services import Recipient, create_campaign
from tests.conftest import submit_form


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "NOTIFY_EMAIL_RATE": 0}


def vi(msgid: str, **values) -> str:
    """A message as the API says it in Vietnamese (new msgids read the same once translated)."""
    from flask_babel import force_locale, gettext

    with force_locale("vi"):
        return gettext(msgid, **values)


def _auth(api_token, user):
    return {"Authorization": f"Bearer {api_token(user)}"}


def _campaigns() -> list[Campaign]:
    return list(db.session.scalars(sa.select(Campaign).order_by(Campaign.id)))


@pytest.fixture
def group(app):
    from civic.accounts.services import get_or_create_group

    made = get_or_create_group("Tổ dân phố số 5")
    db.session.commit()
    return made


def test_organizer_sends_an_announcement(app, client, make_user, api_token, group):
    me = make_user("organizer")
    lan = make_user(full_name="Nguyễn Thị Lan", email="lan@example.vn", group=group)
    make_user(full_name="Người Tổ Khác", email="khac@example.vn")
    body = {"audience": f"group:{group.id}", "channels": ["email"], "subject": "Thông báo cho {group}",
            "body_text": "Kính gửi {name}, mời họp tổ.", "urgent": False}
    response = client.post("/api/v1/campaigns", json=body, headers=_auth(api_token, me))
    assert response.status_code == 201, response.json
    [campaign] = _campaigns()
    assert response.json["id"] == campaign.id and response.json["kind"] == "announcement"
    assert (campaign.created_by_id, campaign.recipient_count, campaign.topic) == (me.id, 1, "announcements")
    [delivery] = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == campaign.id))
    assert delivery.address == lan.email and delivery.status == "sent"
    [mail] = app.extensions["mailman"].outbox
    assert mail.subject == "Thông báo cho Tổ dân phố số 5" and "Kính gửi Nguyễn Thị Lan" in mail.body

    later = client.post("/api/v1/campaigns", headers=_auth(api_token, me), json={
        "audience": "all", "subject": "Lịch họp", "body_text": "Chào {name}", "send_at": "2031-01-05T08:00:00+07:00"})
    assert later.status_code == 201 and later.json["recipients"] == 3  # every verified account
    assert later.json["send_at"] == "2031-01-05T08:00:00+07:00" and later.json["channels"] == ["email"]


def test_compose_needs_an_organizer_token(client, make_user, api_token):
    body = {"audience": "all", "subject": "A", "body_text": "B"}
    assert client.post("/api/v1/campaigns", json=body).status_code == 401
    for role in ("resident", "editor"):
        response = client.post("/api/v1/campaigns", json=body, headers=_auth(api_token, make_user(role)))
        assert response.status_code == 403 and response.json["error"]["message"], role
    assert _campaigns() == []


def test_bad_announcements_are_refused_and_write_nothing(app, client, make_user, api_token, group):
    me = make_user("organizer")
    make_user(group=group)
    auth = _auth(api_token, me)
    good = {"audience": "all", "channels": ["email"], "subject": "Họp", "body_text": "Chào {name}"}
    cases = [
        ({**good, "subject": ""}, "Vui lòng nhập tiêu đề và nội dung."),
        ({k: v for k, v in good.items() if k != "body_text"}, "Vui lòng nhập tiêu đề và nội dung."),
        ({**good, "subject": "x" * 201}, "Nội dung quá dài."),
        ({**good, "sms_text": "x" * 401, "channels": ["sms"]}, vi("The SMS text may be at most %(n)s characters.", n=400)),
        ({**good, "channels": "email"}, "channels phải là một danh sách chuỗi văn bản."),
        ({**good, "channels": ["fax"]}, "Vui lòng chọn email và/hoặc SMS."),
        ({**good, "channels": []}, "Vui lòng chọn email và/hoặc SMS."),
        ({**good, "audience": "group:987654"}, "Vui lòng chọn người nhận tin."),
        ({**good, "audience": "group:99999999999999999999"}, "Vui lòng chọn người nhận tin."),
        ({**good, "audience": 5}, "audience phải là văn bản."),
        ({**good, "body_text": "Chào {ho_ten}"}, None),
        ({**good, "send_at": "2031-01-05T08:00:00"}, "send_at cần có múi giờ, ví dụ +07:00."),
        ({**good, "send_at": "mai"}, "send_at phải là ngày giờ theo ISO 8601."),
        ({**good, "urgent": "yes"}, vi("%(name)s must be true or false.", name="urgent")),
    ]
    for payload, message in cases:
        response = client.post("/api/v1/campaigns", json=payload, headers=auth)
        assert response.status_code == 422, (payload, response.status_code)
        assert response.json["error"]["message"] == (message or response.json["error"]["message"]), payload
        if message is None:
            assert "{ho_ten}" in response.json["error"]["message"]
    assert client.post("/api/v1/campaigns", data="{", content_type="application/json", headers=auth).status_code == 400
    assert _campaigns() == []


def test_api_and_compose_page_refuse_the_same_draft_with_the_same_message(client, make_user, api_token, login):
    me = make_user("organizer")
    make_user()
    draft = {"audience": "all", "channels": ["sms"], "subject": "Họp", "body_text": "Chào {name}"}
    api = client.post("/api/v1/campaigns", json=draft, headers=_auth(api_token, me))
    assert api.status_code == 422
    message = api.json["error"]["message"]
    assert message == "Cần nhập nội dung SMS để gửi qua SMS."
    login(me)
    page = submit_form(client, "/quan-ly/thong-bao/moi", {**draft, "action": "send"})
    assert page.status_code == 422
    assert message in html.unescape(page.get_data(as_text=True))
    assert _campaigns() == []


def test_send_yourself_a_test(app, client, make_user, api_token):
    me = make_user("organizer", email="to-chuc@example.vn")
    other = make_user("organizer")
    campaign = create_campaign(kind="event_reminder", topic="events", subject="Nhắc {n}", body_text="Chào {name}",
                               created_by=me, recipients=[Recipient(key="r1", name="Lê Văn A", email="a@example.vn",
                                                                    context={"n": 1})])
    response = client.post(f"/api/v1/campaigns/{campaign.id}/test", headers=_auth(api_token, me))
    assert response.status_code == 201, response.json
    test = db.session.get(Campaign, response.json["id"])
    assert test.kind == "test:event_reminder" and test.id != campaign.id
    rows = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == test.id)).all()
    assert [(d.address, d.name) for d in rows] == [("to-chuc@example.vn", "Lê Văn A")]
    assert app.extensions["mailman"].outbox[-1].subject == "[TEST] Nhắc 1"

    count = len(_campaigns())
    assert client.post(f"/api/v1/campaigns/{campaign.id}/test", headers=_auth(api_token, other)).status_code == 404
    assert client.post("/api/v1/campaigns/987654/test", headers=_auth(api_token, me)).status_code == 404
    assert client.post(f"/api/v1/campaigns/{campaign.id}/test").status_code == 401
    resident = _auth(api_token, make_user("resident"))
    assert client.post(f"/api/v1/campaigns/{campaign.id}/test", headers=resident).status_code == 403
    empty = create_campaign(kind="announcement", topic="announcements", subject="Trống", body_text="x",
                            created_by=me, recipients=[])
    refused = client.post(f"/api/v1/campaigns/{empty.id}/test", headers=_auth(api_token, me))
    assert refused.status_code == 422
    assert refused.json["error"]["message"] == "Đợt gửi này chưa có người nhận để xem trước."
    assert len(_campaigns()) == count + 1  # only the empty campaign made here


def test_openapi_documents_compose_and_test(client):
    doc = client.get("/api/v1/openapi.json").json
    assert "post" in doc["paths"]["/campaigns"] and "post" in doc["paths"]["/campaigns/{campaign_id}/test"]
    schema = doc["components"]["schemas"]["CampaignCompose"]
    assert schema["properties"]["channels"]["items"]["enum"] == ["email", "sms"]
