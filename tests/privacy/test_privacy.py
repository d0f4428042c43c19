"""Personal data (issue 14): consent at every form, the notice's versions, the person's rights."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.services import ConsentGiven

PHONE = "0912 345 678"
E164 = "+84912345678"
REFUSED = "Vui lòng đánh dấu ô đồng ý"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _guest_answer(event, phone=PHONE, name="Nguyễn Thị Lan", **kw):
    from civic.events import services

    return services.answer_event(event, services.Answer(response="yes", name=name, phone=phone, **kw),
                                 consent=ConsentGiven())


def _mine_url(client, result) -> str:
    page = client.get(result.manage_url.replace("http://localhost", "")).get_data(as_text=True)
    found = re.search(r'href="(/du-lieu-ca-nhan/xem/[^"]+)"', page)
    assert found, "the personal link's page links to the person's data"
    return found.group(1)


# ----------------------------------------------------------------------------- consent refused


def test_every_service_refuses_a_missing_consent_and_stores_nothing(app, make_event, make_user):
    from civic.accounts import services as accounts
    from civic.accounts.models import User
    from civic.elections import services as elections
    from civic.elections.models import Subscription
    from civic.events import services as events
    from civic.events.models import Rsvp
    from civic.privacy.models import Consent

    event = make_event()
    with pytest.raises(events.EventError) as err:
        events.answer_event(event, events.Answer(response="yes", name="Lan", phone=PHONE))
    assert err.value.status == 422 and REFUSED in str(err.value)
    with pytest.raises(events.EventError):
        events.answer_event(event, events.Answer(response="yes", name="Lan", phone=PHONE), source="api")
    group = accounts.get_or_create_group("Tổ dân phố số 1")
    db.session.commit()
    with pytest.raises(elections.ConsentMissing):
        elections.subscribe(email="lan@example.vn", group=group.id, channels=["email"])
    users = _count(User)
    with pytest.raises(accounts.AccountError) as err:
        accounts.register_user("lan@example.vn", "Nguyễn Thị Lan", "mat-khau-du-dai-1")
    assert err.value.status == 422
    assert _count(Rsvp) == 0 and _count(Subscription) == 0 and _count(User) == users and _count(Consent) == 0


def test_a_substitute_needs_consent_whoever_records_it(app, organizer):
    from civic.events.models import Event
    from civic.invitations import services as svc
    from civic.invitations.models import Invitation
    from civic.privacy.models import Consent

    start = utcnow() + timedelta(days=3)
    event = Event(title="Hội nghị", slug="hoi-nghi", starts_at=start, ends_at=start + timedelta(hours=2),
                  organizer_id=organizer.id, audience="invite_only", status="published")
    db.session.add(event)
    db.session.flush()
    inv = Invitation(event_id=event.id, token="t" * 43, checkin_code="c" * 43, family_name="Lê", given_name="An")
    db.session.add(inv)
    db.session.commit()
    with pytest.raises(svc.ConsentMissing):
        svc.answer(inv, "substitute", substitute_name="Vũ Văn Nam", substitute_phone=PHONE, via="phone",
                   recorded_by=organizer)
    db.session.refresh(inv)
    assert inv.status == "pending" and inv.substitute_phone is None
    svc.answer(inv, "attend", via="link")  # no one else's data: no consent asked
    svc.answer(inv, "substitute", substitute_name="Vũ Văn Nam", via="phone", recorded_by=organizer,
               consent=ConsentGiven("phone", organizer.id))
    consent = db.session.scalar(sa.select(Consent).where(Consent.subject_kind == "invitation"))
    assert consent.subject_id == inv.id and consent.channel == "phone" and consent.recorded_by_id == organizer.id
    assert consent.purpose == "invitation_substitute" and consent.notice.version == 1


def test_pages_and_api_answer_422_without_consent(app, client, make_event):
    from civic.accounts.services import get_or_create_group
    from civic.elections.models import Subscription
    from civic.events.models import Rsvp
    from civic.privacy.models import Consent
    from tests.conftest import get_csrf

    event = make_event()
    group = get_or_create_group("Tổ dân phố số 1")
    db.session.commit()
    page = f"/su-kien/{event.id}-{event.slug}"
    form = {"csrf_token": get_csrf(client, page), "response": "yes", "name": "Lan", "phone": PHONE, "consent": ""}
    response = client.post(f"/su-kien/{event.id}/tra-loi", data=form)
    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)
    api = client.post(f"/api/v1/events/{event.id}/rsvps",
                      json={"name": "Lan", "phone": PHONE, "response": "yes", "consent": None})
    assert api.status_code == 422 and REFUSED in api.get_json()["error"]["message"]
    # "consent": "yes" is not the JSON true the API asks for.
    assert client.post(f"/api/v1/events/{event.id}/rsvps",
                       json={"name": "Lan", "phone": PHONE, "response": "yes", "consent": "yes"}).status_code == 422
    sub = client.post("/bau-cu/dang-ky-nhan-tin", data={
        "csrf_token": get_csrf(client, "/bau-cu/dang-ky-nhan-tin"), "email": "lan@example.vn",
        "group": str(group.number or group.id), "channels": "email", "consent": ""})
    assert sub.status_code == 422
    assert client.post("/api/v1/subscriptions", json={"email": "lan@example.vn", "group": group.id,
                                                      "consent": False}).status_code == 422
    reg = client.post("/dang-ky", data={"csrf_token": get_csrf(client, "/dang-ky"), "email": "lan@example.vn",
                                        "full_name": "Nguyễn Thị Lan", "password": "mat-khau-du-dai-1",
                                        "confirm": "mat-khau-du-dai-1", "consent": ""})
    assert reg.status_code == 422 and REFUSED in reg.get_data(as_text=True)
    assert _count(Rsvp) == 0 and _count(Subscription) == 0 and _count(Consent) == 0

    # With the box ticked the same posts are taken, each consent recorded.
    ok = client.post(f"/api/v1/events/{event.id}/rsvps", json={"name": "Lan", "phone": PHONE, "response": "yes",
                                                               "consent": True})
    assert ok.status_code == 201
    rows = db.session.scalars(sa.select(Consent).order_by(Consent.id)).all()
    assert [(c.subject_kind, c.subject_id, c.purpose, c.channel) for c in rows] == [
        ("rsvp", ok.get_json()["id"], "rsvp", "api"), ("rsvp", ok.get_json()["id"], "messages_sms", "api")]


def test_each_consent_names_the_notice_version_in_force(app, make_event, make_user):
    from civic.privacy import services
    from civic.privacy.models import Consent

    admin = make_user(role="admin")
    event = make_event()
    first = _guest_answer(event, phone="0912000001")
    services.publish_notice(services.default_notice_text() + "\n- Thêm một dòng.", admin)
    second = _guest_answer(event, phone="0912000002")
    by_subject = {c.subject_id: c.notice.version for c in db.session.scalars(sa.select(Consent)) if c.purpose == "rsvp"}
    assert by_subject == {first.rsvp.id: 1, second.rsvp.id: 2}


# ----------------------------------------------------------------------------- the notice


def test_notice_versions_are_kept_and_readable(app, client, make_user, login):
    from civic.privacy import services

    admin = make_user(role="admin")
    login(admin)
    from tests.conftest import get_csrf

    body = "## Bên kiểm soát dữ liệu\nỦy ban nhân dân phường.\n- Trả lời sự kiện: họ tên, số điện thoại."
    for text in (body, body + "\n- Đăng ký nhắc lịch: email."):
        r = client.post("/quan-tri/du-lieu-ca-nhan/thong-bao",
                        data={"csrf_token": get_csrf(client, "/quan-tri/du-lieu-ca-nhan/thong-bao"), "body": text,
                              "action": "publish"})
        assert r.status_code == 303
    assert [n.version for n in services.notice_versions()] == [2, 1]
    current = client.get("/du-lieu-ca-nhan/thong-bao").get_data(as_text=True)
    assert "Phiên bản 2" in current and "Đăng ký nhắc lịch: email." in current
    old = client.get("/du-lieu-ca-nhan/thong-bao/1").get_data(as_text=True)
    assert "Đăng ký nhắc lịch: email." not in old and "không còn áp dụng" in old
    assert client.get("/du-lieu-ca-nhan/thong-bao/9").status_code == 404
    # Every page links to it from its footer, and the answer form beside its box.
    home = client.get("/").get_data(as_text=True)
    assert 'href="/du-lieu-ca-nhan/thong-bao"' in home.partition("<footer")[2]


# ----------------------------------------------------------------------------- rights


def test_a_guests_download_holds_their_answers_from_three_events(app, client, make_event):
    from openpyxl import load_workbook

    from civic.privacy.models import Request

    events = [make_event(title=f"Sự kiện số {n}", days=5 + n) for n in (1, 2, 3)]
    results = [_guest_answer(e) for e in events]
    _guest_answer(make_event(title="Sự kiện của người khác"), phone="0987 000 111", name="Người khác")
    mine = _mine_url(client, results[0])
    page = client.get(mine)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    text = page.get_data(as_text=True)
    assert all(f"Sự kiện số {n}" in text for n in (1, 2, 3)) and "Người khác" not in text
    data = json.loads(client.get(mine + "/du-lieu.json").get_data())
    rows = next(s for s in data["sections"] if s["key"] == "events")["rows"]
    assert sorted(r["Sự kiện"] for r in rows) == ["Sự kiện số 1", "Sự kiện số 2", "Sự kiện số 3"]
    consents = next(s for s in data["sections"] if s["key"] == "consents")["rows"]
    assert len(consents) == 6 and all(c["Phiên bản thông báo"] == 1 for c in consents)
    book = load_workbook(io.BytesIO(client.get(mine + "/du-lieu.xlsx").data))
    sheet = book[book.sheetnames[0]]
    titles = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"Sự kiện số 1", "Sự kiện số 2", "Sự kiện số 3"} <= titles
    kinds = [r.kind for r in db.session.scalars(sa.select(Request).order_by(Request.id))]
    assert kinds == ["access", "export", "export"]


def test_after_erasure_the_phone_is_nowhere_and_the_counts_stay(app, client, make_event, organizer, api_token, login):
    from civic.events import services as events
    from civic.notifications.models import Delivery
    from civic.privacy.models import Request

    event = make_event(title="Họp tổ dân phố số 3")
    other = make_event(title="Ngày Chủ nhật xanh", days=12)
    mine_result = _guest_answer(event)
    _guest_answer(other)
    _guest_answer(event, phone="0987 000 111", name="Trần Văn Bình")
    before = events.counts(event)
    assert db.session.scalar(sa.select(sa.func.count(Delivery.id)).where(Delivery.address == E164)) >= 1
    mine = _mine_url(client, mine_result)
    from tests.conftest import get_csrf

    r = client.post(mine + "/xoa", data={"csrf_token": get_csrf(client, mine), "confirm": "y"})
    assert r.status_code == 303
    done = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Dữ liệu của bạn đã được xóa" in done
    assert events.counts(event) == before
    req = db.session.scalar(sa.select(Request).where(Request.kind == "erase"))
    assert req.status == "done" and req.contact is None and req.closed_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Delivery.id)).where(Delivery.address == E164)) == 0

    needles = ("0912 345 678", "0912345678", "+84912345678", "84912345678", "Nguyễn Thị Lan")
    token = api_token(organizer)
    login(organizer)
    seen = {
        "answers page": client.get(f"/su-kien/quan-ly/{event.id}").get_data(as_text=True),
        "csv": client.get(f"/su-kien/quan-ly/{event.id}/tra-loi.csv").get_data(as_text=True),
        "api": client.get(f"/api/v1/events/{event.id}/rsvps", headers={"Authorization": f"Bearer {token}"})
        .get_data(as_text=True),
        "manage page": client.get(mine_result.manage_url.replace("http://localhost", "")).get_data(as_text=True),
    }
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/su-kien/quan-ly/{event.id}/tra-loi.xlsx").data))
    seen["xlsx"] = "\n".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row)
    for where, text in seen.items():
        for needle in needles:
            assert needle not in text, f"{needle} still on {where}"
    assert "Người tham dự đã xóa dữ liệu" in seen["answers page"]
    assert "Trần Văn Bình" in seen["answers page"]  # the others are untouched


def test_withdrawing_consent_stops_messages_as_unsubscribing_does(app, make_event):
    from civic.elections import services as elections
    from civic.notifications.services import is_suppressed
    from civic.privacy import services
    from civic.privacy.models import Consent

    group_id = make_group()
    sub = elections.subscribe(phone=PHONE, group=group_id, channels=["sms"], consent=ConsentGiven()).subscription
    _guest_answer(make_event())
    services.withdraw(services.identity_of_address(PHONE), "code")
    assert is_suppressed(E164, "sms", "events") and is_suppressed(E164, "sms", "elections")
    db.session.refresh(sub)
    assert sub.unsubscribed_at is not None
    message_consents = db.session.scalars(sa.select(Consent).where(Consent.purpose == "messages_sms")).all()
    assert message_consents and all(c.withdrawn_at is not None for c in message_consents)
    # After erasure the suppression holds only a hash, and still works.
    services.erase(services.identity_of_address(PHONE), "code")
    assert is_suppressed(E164, "sms", "events")
    from civic.notifications.models import Suppression

    assert not db.session.scalars(sa.select(Suppression).where(Suppression.address == E164)).all()


def make_group() -> int:
    from civic.accounts.services import get_or_create_group

    group = get_or_create_group("Tổ dân phố số 1")
    db.session.commit()
    return group.id


def test_a_code_proves_an_address_and_the_answer_reveals_nothing(app, client, make_event):
    from tests.conftest import get_csrf

    _guest_answer(make_event(), phone=None, email="lan@example.vn")

    def ask(address):
        return client.post("/du-lieu-ca-nhan", data={"csrf_token": get_csrf(client, "/du-lieu-ca-nhan"),
                                                    "address": address})

    known, unknown = ask("lan@example.vn"), ask("ai-do@example.vn")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    outbox = app.extensions["mailman"].outbox
    assert sorted(m.to[0] for m in outbox if "mã" in m.subject.lower()) == ["ai-do@example.vn", "lan@example.vn"]
    # The session now holds the unknown address (the last asked); ask again for the known one.
    ask("lan@example.vn")
    code = re.search(r"\b(\d{6})\b", [m for m in outbox if m.to == ["lan@example.vn"]][-1].body).group(1)
    wrong = client.post("/du-lieu-ca-nhan/nhap-ma", data={"csrf_token": get_csrf(client, "/du-lieu-ca-nhan/nhap-ma"),
                                                          "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    right = client.post("/du-lieu-ca-nhan/nhap-ma", data={"csrf_token": get_csrf(client, "/du-lieu-ca-nhan/nhap-ma"),
                                                          "code": code})
    assert right.status_code == 303 and "/du-lieu-ca-nhan/xem/" in right.headers["Location"]
    assert "Họp tổ dân phố số 3" in client.get(right.headers["Location"]).get_data(as_text=True)


def test_an_account_sees_and_erases_its_data_and_open_requests_reach_admins(app, client, make_user, login, make_event):
    from tests.conftest import get_csrf

    resident = make_user(email="hoa@example.vn", full_name="Phạm Thị Hoa")
    login(resident)
    event = make_event()
    r = client.post(f"/su-kien/{event.id}/tra-loi", data={"csrf_token": get_csrf(client, f"/su-kien/{event.id}-{event.slug}"),
                                                        "response": "yes"})
    assert r.status_code == 303
    mine = client.get("/du-lieu-ca-nhan/tai-khoan").headers["Location"]
    text = client.get(mine).get_data(as_text=True)
    assert "Phạm Thị Hoa" in text and "hoa@example.vn" in text and "Họp tổ dân phố số 3" in text
    r = client.post(mine + "/yeu-cau", data={"csrf_token": get_csrf(client, mine),
                                             "text": "Xin hạn chế xử lý dữ liệu của tôi."})
    assert r.status_code == 303
    admin = make_user(role="admin")
    login(admin)
    page = client.get("/quan-tri/du-lieu-ca-nhan").get_data(as_text=True)
    assert "Xin hạn chế xử lý dữ liệu của tôi." in page and "0 ngày" in page
    from civic.privacy.models import Request

    req = db.session.scalar(sa.select(Request).where(Request.kind == "other"))
    r = client.post(f"/quan-tri/du-lieu-ca-nhan/{req.id}/xong",
                    data={"csrf_token": get_csrf(client, "/quan-tri/du-lieu-ca-nhan"), "note": "Đã hạn chế."})
    assert r.status_code == 303
    db.session.refresh(req)
    assert req.status == "done" and req.contact is None
    told = [m for m in app.extensions["mailman"].outbox if m.to == ["hoa@example.vn"] and "Đã hạn chế." in m.body]
    assert told
