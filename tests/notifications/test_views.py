"""Campaign pages, outbox, unsubscribe links: what organizers, admins and residents see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.notifications import services
from civic.notifications.models import Campaign, Delivery, Suppression
from civic.notifications.services import Recipient, create_campaign
from tests.conftest import submit_form


@pytest.fixture
def app_config():
    # No MAIL_URL and no locmem: the default .eml file transport feeds the outbox page.
    return {"NOTIFY_EMAIL_RATE": 0}


def make_campaign(owner=None, n=2, **kw):
    args = dict(kind="event_reminder", topic="events", subject="Họp tổ dân phố số {n}", body_text="Chào {name}",
                recipients=[Recipient(key=f"r{i}", name=f"Lê Văn {i}", email=f"le{i}@example.vn",
                                      context={"n": i}) for i in range(n)], created_by=owner)
    args.update(kw)
    return create_campaign(**args)


def test_residents_and_strangers_cannot_see_campaign_pages(app, client, make_user, login):
    c = make_campaign()
    assert client.get("/quan-ly/thong-bao").status_code in (302, 401)
    login(make_user("resident"))
    for url in ("/quan-ly/thong-bao", f"/quan-ly/thong-bao/{c.id}", f"/quan-ly/thong-bao/{c.id}/tien-do.json",
                "/quan-ly/thong-bao/moi", "/quan-tri/hop-thu-di"):
        assert client.get(url).status_code == 403, url


def test_organizer_sees_own_campaigns_only(app, client, make_user, login):
    me, other = make_user("organizer"), make_user("organizer")
    mine = make_campaign(owner=me)
    theirs = make_campaign(owner=other, subject="Việc của người khác")
    login(me)
    page = client.get("/quan-ly/thong-bao").get_data(as_text=True)
    assert "Họp tổ dân phố số" in page and "Việc của người khác" not in page
    assert client.get(f"/quan-ly/thong-bao/{theirs.id}").status_code == 404
    detail = client.get(f"/quan-ly/thong-bao/{mine.id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "<progress" in html and 'value="2"' in html
    assert "Họp tổ dân phố số 0" in html  # preview for the first recipient
    data = client.get(f"/quan-ly/thong-bao/{mine.id}/tien-do.json").get_json()
    assert data["counts"]["sent"] == 2 and data["finished"] is True and data["percent"] == 100
    assert client.get(f"/quan-ly/thong-bao/{mine.id}/tien-do.json").headers["Content-Type"].startswith("application/json")


def test_admin_sees_everything_and_the_outbox(app, client, make_user, login):
    organizer = make_user("organizer")
    c = make_campaign(owner=organizer)
    login(make_user("admin"))
    assert client.get(f"/quan-ly/thong-bao/{c.id}").status_code == 200
    outbox = client.get("/quan-tri/hop-thu-di")
    html = outbox.get_data(as_text=True)
    assert outbox.status_code == 200 and "Họp tổ dân phố số 0" in html and "le0@example.vn" in html
    files = sorted(Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"))
    assert len(files) == 2
    item = client.get(f"/quan-tri/hop-thu-di/{files[0].name}")
    assert item.status_code == 200 and "Chào Lê Văn" in item.get_data(as_text=True)
    assert client.get("/quan-tri/hop-thu-di/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/quan-tri/hop-thu-di/khong-co.eml").status_code == 404


def test_retry_failed_button_and_failure_reasons(app, client, make_user, login):
    me = make_user("organizer")
    c = make_campaign(owner=me, send_at=datetime.now(UTC) + timedelta(days=1))
    db.session.execute(sa.update(Delivery).where(Delivery.campaign_id == c.id)
                       .values(status="failed", attempts=1, last_error="SMTP 550: Mailbox unavailable",
                               next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    login(me)
    url = f"/quan-ly/thong-bao/{c.id}"
    html = client.get(url).get_data(as_text=True)
    assert "SMTP 550: Mailbox unavailable" in html
    response = submit_form(client, url, {}, action=url + "/gui-lai")
    assert response.status_code == 303
    db.session.expire_all()
    assert {d.status for d in db.session.scalars(sa.select(Delivery))} == {"sent"}
    assert client.post(url + "/gui-lai").status_code == 400  # no CSRF token: refused


def test_send_test_to_myself(app, client, make_user, login):
    me = make_user("organizer", email="to-chuc@example.vn")
    c = make_campaign(owner=me, send_at=datetime.now(UTC) + timedelta(days=1))
    login(me)
    url = f"/quan-ly/thong-bao/{c.id}"
    assert submit_form(client, url, {}, action=url + "/gui-thu").status_code == 303
    test = db.session.scalar(sa.select(Campaign).where(Campaign.kind == "test:event_reminder"))
    rows = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == test.id)).all()
    assert [(d.address, d.status, d.name) for d in rows] == [("to-chuc@example.vn", "sent", "Lê Văn 0")]
    # The real campaign is untouched (still scheduled for tomorrow).
    assert {d.status for d in db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == c.id))} == {"pending"}


def test_compose_preview_unknown_placeholder_and_send(app, client, make_user, login):
    from civic.accounts.services import get_or_create_group

    group = get_or_create_group("Tổ dân phố số 5")
    db.session.commit()
    resident = make_user("resident", group=group)
    me = make_user("organizer")
    login(me)
    data = {"audience": f"group:{group.id}", "channels": ["email"], "subject": "Thông báo cho {group}",
            "body_text": "Kính gửi {name}, mời họp.", "action": "preview"}
    preview = submit_form(client, "/quan-ly/thong-bao/moi", data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Thông báo cho Tổ dân phố số 5" in html and resident.full_name in html
    bad = submit_form(client, "/quan-ly/thong-bao/moi", {**data, "body_text": "Chào {ho_ten}", "action": "send"})
    assert bad.status_code == 422
    assert "{ho_ten}" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0
    sent = submit_form(client, "/quan-ly/thong-bao/moi", {**data, "action": "send"})
    assert sent.status_code == 303
    c = db.session.scalar(sa.select(Campaign))
    assert c.created_by_id == me.id and c.recipient_count == 1
    missing_sms = submit_form(client, "/quan-ly/thong-bao/moi", {**data, "channels": ["sms"], "action": "send"})
    assert missing_sms.status_code == 422


def test_one_click_unsubscribe_without_login_or_csrf(app, client):
    token = services.unsubscribe_token("lan@example.vn", "email", "events")
    page = client.get(f"/huy-dang-ky/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<form method="post"' in html and "la•••@example.vn" in html
    assert "lan@example.vn" not in html
    response = client.post(f"/huy-dang-ky/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Suppression.topic)) == "events"
    # Again: still fine, nothing duplicated.
    assert client.post(f"/huy-dang-ky/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 1


def test_unsubscribe_from_every_topic(app, client):
    token = services.unsubscribe_token("lan@example.vn", "email", "events")
    client.post(f"/huy-dang-ky/{token}", data={"all_topics": "y"})
    assert services.is_suppressed("lan@example.vn", "email", "elections")


@pytest.mark.parametrize("token", ["abc", "WyJsYW5AZXhhbXBsZS52biIsImVtYWlsIiwiZXZlbnRzIl0.tampered"])
def test_tampered_unsubscribe_link_is_a_clear_400(app, client, token):
    for method in (client.get, client.post):
        response = method(f"/huy-dang-ky/{token}")
        assert response.status_code == 400
        assert "Liên kết hủy đăng ký không hợp lệ" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0


def test_someone_elses_token_cannot_be_forged_from_mine(app, client):
    mine = services.unsubscribe_token("me@example.vn", "email", "events")
    payload, sig = mine.split(".", 1)
    forged = services.unsubscribe_token("other@example.vn", "email", "events").split(".", 1)[0] + "." + sig
    assert client.post(f"/huy-dang-ky/{forged}").status_code == 400


def test_sms_stop_link(app, client):
    c = make_campaign(channels=("sms",), sms_text="Họp {n}",
                      recipients=[Recipient(key="p", phone="0912345678", context={"n": 1})],
                      send_at=datetime.now(UTC) + timedelta(days=1))
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.campaign_id == c.id))
    code = services.sms_stop_code(delivery.id)
    assert client.post(f"/tc/{code}").status_code == 200
    assert services.is_suppressed("+84912345678", "sms", "events")
    assert client.post(f"/tc/{delivery.id}-0000000000").status_code == 400
    assert client.post("/tc/99999-abc").status_code == 400
