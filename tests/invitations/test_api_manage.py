"""The API does what the directory and invitation pages do, through the same services: each route's
stored result, who may call it (401 without a token, 403 for the wrong role or someone else's event,
404 for what is not there), and bad input refused with a message and nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import local_today
from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.models import Contact, ContactGroup, Invitation, Post
from civic.privacy.models import AuditLog
from tests.conftest import submit_form
from tests.invitations.conftest import inv_of


@pytest.fixture
def call(client, organizer, api_token):
    """call(method, path, json=None, user=None) -> response, with a token of ``user`` (the organizer)."""
    tokens: dict[int, str] = {}

    def _call(method, path, json=None, user=None, **kwargs):
        who = user or organizer
        if who.id not in tokens:
            tokens[who.id] = api_token(who)
        headers = {"Authorization": f"Bearer {tokens[who.id]}"}
        return client.open("/api/v1" + path, method=method, json=json, headers=headers, **kwargs)

    return _call


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _message(response) -> str:
    assert response.is_json, response.get_data(as_text=True)[:300]
    message = response.get_json()["error"]["message"]
    assert message
    return message


def _audit(action):
    return db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def _group(name) -> ContactGroup:
    return next(g for g in svc.list_contact_groups() if g.name == name)


def _routes(event, inv, contact, post):
    e, i = event.id, inv.id
    return [
        ("GET", f"/contacts/{contact.id}"), ("POST", "/contacts"), ("PATCH", f"/contacts/{contact.id}"),
        ("DELETE", f"/contacts/{contact.id}"), ("POST", "/contacts/bulk-group"), ("GET", "/contact-groups"),
        ("POST", "/contact-groups"), ("GET", "/posts"), ("POST", "/posts"), ("POST", f"/posts/{post.id}/hand-over"),
        ("POST", f"/events/{e}/invitations"), ("PATCH", f"/events/{e}/invitations/{i}"),
        ("DELETE", f"/events/{e}/invitations/{i}"), ("POST", f"/events/{e}/invitations/{i}/resend"),
        ("POST", f"/events/{e}/invitations/record"), ("POST", f"/events/{e}/invitations/send"),
        ("POST", f"/events/{e}/invitations/follow-hand-overs"), ("GET", f"/events/{e}/letter-settings"),
        ("PUT", f"/events/{e}/letter-settings"), ("POST", f"/events/{e}/walk-ins"),
        ("POST", f"/events/{e}/sign-in-sheet/ticks"), ("GET", f"/events/{e}/attendance"),
    ]


# --------------------------------------------------------------------------- who may call


def test_no_token_401_and_wrong_role_403_write_nothing(client, call, make_user, conference, directory):
    an = directory["Nguyễn Văn An"]
    routes = _routes(conference, inv_of(conference, "Nguyễn Văn An"), an, svc.list_posts()[0])
    resident = make_user(role="resident")
    before = (_count(Contact), _count(ContactGroup), _count(Post), _count(Invitation))
    for method, path in routes:
        body = {"full_name": "Vũ Văn Mới", "name": "Nhóm mới", "title": "Chức mới", "contact_id": an.id}
        r = client.open("/api/v1" + path, method=method, json=body)
        assert r.status_code == 401, (method, path)
        r = call(method, path, json=body, user=resident)
        assert r.status_code == 403, (method, path)
    assert (_count(Contact), _count(ContactGroup), _count(Post), _count(Invitation)) == before
    assert _audit("contacts_export") == [] and _audit("attendance_report") == []


def test_another_organizers_event_is_refused_and_a_draft_not_found(call, make_user, make_event, conference):
    other = make_user(role="organizer")
    inv = inv_of(conference, "Nguyễn Văn An")
    event_routes = [(m, p) for m, p in _routes(conference, inv, inv.contact, svc.list_posts()[0])
                    if p.startswith("/events/")]
    for method, path in event_routes:
        assert call(method, path, json={"role": "chu_tri"}, user=other).status_code == 403, (method, path)
    db.session.refresh(inv)
    assert inv.role == "dai_bieu" and svc.letter_settings(conference).id is None
    draft = make_event(title="Hội nghị chưa công bố", owner=other)
    draft.status = "draft"
    db.session.commit()
    assert call("GET", f"/events/{draft.id}/attendance").status_code == 404
    assert call("POST", f"/events/{draft.id}/walk-ins", json={"full_name": "Vũ Văn Khách"}).status_code == 404
    assert _count(Invitation) == 6


def test_unknown_ids_are_404(call, conference, directory, make_event):
    e = conference.id
    other_event = make_event(title="Hội nghị khác")
    svc.add_invitees(other_event, contact_ids=[directory["Nguyễn Văn An"].id])
    foreign = svc.list_invitations(other_event)[0]
    for method, path in [
        ("GET", "/contacts/999999"), ("PATCH", "/contacts/999999"), ("DELETE", "/contacts/999999"),
        ("GET", f"/contacts/{2**40}"), ("POST", "/posts/999999/hand-over"),
        ("PATCH", f"/events/{e}/invitations/999999"), ("DELETE", f"/events/{e}/invitations/999999"),
        ("POST", f"/events/{e}/invitations/999999/resend"), ("GET", "/events/999999/attendance"),
        # Another event's invitation is not on this list.
        ("PATCH", f"/events/{e}/invitations/{foreign.id}"), ("DELETE", f"/events/{e}/invitations/{foreign.id}"),
    ]:
        r = call(method, path, json={"role": "chu_tri", "contact_id": directory["Lê Văn Bình"].id})
        assert r.status_code == 404 and _message(r), (method, path)
    r = call("POST", f"/events/{e}/invitations/record",
             json={"invitation_id": foreign.id, "response": "decline", "via": "phone"})
    assert r.status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == "pending" and foreign.role == "dai_bieu"


# --------------------------------------------------------------------------- contacts


def test_contact_create_read_patch_delete(call, directory):
    tdp = _group("Bí thư chi bộ")
    r = call("POST", "/contacts", json={"full_name": "Vũ  Thị Mai", "position": "Chi hội trưởng", "unit": "Hội Phụ nữ",
                                        "residential_group": "Tổ dân phố số 3", "phone": "0987 654 321",
                                        "email": "Mai@Example.vn", "group_ids": [tdp.id], "notes": "Gọi buổi sáng"})
    assert r.status_code == 201, r.get_json()
    created = svc.get_contact(r.get_json()["id"])
    assert (created.full_name, created.phone, created.email, created.residential_group.name) == (
        "Vũ Thị Mai", "+84987654321", "mai@example.vn", "Tổ dân phố số 3")
    assert [g.name for g in created.groups] == ["Bí thư chi bộ"] and created.legal_basis == "public_duty"

    r = call("GET", f"/contacts/{created.id}")
    assert r.status_code == 200 and r.get_json()["phone"] == "+84987654321" and r.get_json()["notes"] == "Gọi buổi sáng"
    [row] = _audit("contacts_export")
    assert row.detail == {"rows": 1, "format": "json"} and row.actor_id is not None

    r = call("PATCH", f"/contacts/{created.id}", json={"position": "Chủ tịch Hội Phụ nữ", "email": None})
    assert r.status_code == 200
    db.session.refresh(created)
    # Only what was sent changed; the phone, the groups and the tổ stay.
    assert (created.position, created.email, created.phone, [g.id for g in created.groups]) == (
        "Chủ tịch Hội Phụ nữ", None, "+84987654321", [tdp.id])

    assert call("DELETE", f"/contacts/{created.id}").status_code == 204
    assert svc.get_contact(created.id) is None


@pytest.mark.parametrize("body, code, text", [
    ({"position": "Tổ trưởng"}, 422, "full_name"),
    ({"full_name": 12}, 422, "full_name phải là văn bản."),
    ({"full_name": "Vũ Văn Nam", "phone": ["0912"]}, 422, "phone phải là văn bản."),
    ({"full_name": "Vũ Văn Nam", "phone": "12345"}, 422, "Số điện thoại không hợp lệ"),
    ({"full_name": "Vũ Văn Nam", "phone": "0912000001"}, 409, "Số điện thoại này đã có trong danh bạ của người khác."),
    ({"full_name": "Vũ Văn Nam", "email": "không-phải-email"}, 422, ""),
    ({"full_name": "Vũ Văn Nam", "position": "x" * 201}, 422, "200"),
    ({"full_name": "Vũ " + "Văn " * 30 + "Nam"}, 422, ""),
    ({"full_name": "Vũ Văn Nam", "group_ids": "1"}, 422, "group_ids"),
    ({"full_name": "Vũ Văn Nam", "group_ids": [999999]}, 422, "Nhóm này không tồn tại."),
    ({"full_name": "Vũ Văn Nam", "legal_basis": "because"}, 422, ""),
])
def test_contact_bad_input_writes_nothing(call, directory, body, code, text):
    before = _count(Contact)
    r = call("POST", "/contacts", json=body)
    assert r.status_code == code and text in _message(r)
    assert _count(Contact) == before
    if "full_name" not in body:
        return  # a change needs no name
    an = directory["Nguyễn Văn An"]
    change = {k: v for k, v in body.items() if k != "full_name" or v != "Vũ Văn Nam"}
    r = call("PATCH", f"/contacts/{an.id}", json=change)
    if body.get("phone") == "0912000001":
        assert r.status_code == 200  # their own number
    else:
        assert r.status_code == code and text in _message(r)
    db.session.refresh(an)
    assert an.full_name == "Nguyễn Văn An" and an.position == "Bí thư chi bộ"


def test_a_post_based_group_is_not_filled_by_hand(call, directory):
    leaders = _group("Tổ trưởng tổ dân phố")
    r = call("POST", "/contacts", json={"full_name": "Vũ Văn Nam", "group_ids": [leaders.id]})
    assert r.status_code == 422 and "Tổ trưởng tổ dân phố" in _message(r)
    r = call("POST", "/contacts/bulk-group", json={"contact_ids": [directory["Hoàng Văn Ân"].id], "group_id": leaders.id})
    assert r.status_code == 422 and leaders.contacts == []


def test_contacts_list_read_is_audited(call, directory):
    r = call("GET", "/contacts")
    assert r.status_code == 200 and len(r.get_json()["items"]) == 6
    [row] = _audit("contacts_export")
    assert row.detail == {"rows": 6, "format": "json"}


def test_bulk_group_add_and_remove(call, directory):
    ids = [directory["Hoàng Văn Ân"].id, directory["Đỗ Minh Anh"].id]
    r = call("POST", "/contacts/bulk-group", json={"contact_ids": ids, "new_group": "Khách mời thường xuyên"})
    assert r.status_code == 200 and r.get_json()["changed"] == 2
    group = _group("Khách mời thường xuyên")
    assert sorted(c.id for c in group.contacts) == sorted(ids)
    r = call("POST", "/contacts/bulk-group", json={"action": "remove", "contact_ids": ids[:1], "group_id": group.id})
    assert r.status_code == 200 and r.get_json()["changed"] == 1
    db.session.expire_all()
    assert [c.id for c in _group("Khách mời thường xuyên").contacts] == ids[1:]


@pytest.mark.parametrize("body, text", [
    ({"contact_ids": [], "group_id": 1}, "Đánh dấu ít nhất một người."),
    ({"contact_ids": "1,2", "group_id": 1}, "contact_ids"),
    ({"contact_ids": [True], "group_id": 1}, "contact_ids"),
    ({"contact_ids": [1], "group_id": "một"}, "group_id phải là số nguyên."),
    ({"contact_ids": [1], "group_id": 999999}, ""),
    ({"contact_ids": [1], "action": "move", "group_id": 1}, "action"),
    ({"contact_ids": [1], "action": "remove", "new_group": "Nhóm chưa có"}, ""),
])
def test_bulk_group_bad_input_writes_nothing(call, directory, body, text):
    before = (_count(ContactGroup), len(_group("Bí thư chi bộ").contacts))
    r = call("POST", "/contacts/bulk-group", json=body)
    assert r.status_code == 422 and text in _message(r)
    db.session.expire_all()
    assert (_count(ContactGroup), len(_group("Bí thư chi bộ").contacts)) == before


# --------------------------------------------------------------------------- groups and posts


def test_groups_list_and_create(call, directory):
    r = call("GET", "/contact-groups")
    rows = {g["name"]: g for g in r.get_json()["items"]}
    assert [m["full_name"] for m in rows["Bí thư chi bộ"]["members"]] == ["Nguyễn Văn An", "Trần Thị An"]
    assert rows["Tổ trưởng tổ dân phố"]["post_based"] is True
    assert {m["full_name"] for m in rows["Tổ trưởng tổ dân phố"]["members"]} == {"Lê Văn Bình", "Phạm Thị Ánh"}
    r = call("POST", "/contact-groups", json={"name": "Bí thư đoàn", "post_title": "Bí thư đoàn thanh niên",
                                              "description": "Theo chức danh"})
    assert r.status_code == 201
    group = _group("Bí thư đoàn")
    assert group.is_post_based and group.description == "Theo chức danh"


@pytest.mark.parametrize("body, code, text", [
    ({}, 422, "name"),
    ({"name": 5}, 422, "name phải là văn bản."),
    ({"name": "   "}, 422, ""),
    ({"name": "bi thu chi bo"}, 409, "Đã có nhóm mang tên này."),
    ({"name": "x" * 161}, 422, "160"),
    ({"name": "Nhóm mới", "description": {"a": 1}}, 422, "description"),
])
def test_group_bad_input_writes_nothing(call, directory, body, code, text):
    before = _count(ContactGroup)
    r = call("POST", "/contact-groups", json=body)
    assert r.status_code == code and text in _message(r)
    assert _count(ContactGroup) == before


def test_posts_list_create_and_hand_over(call, directory):
    from civic.accounts.services import find_group

    tdp1 = find_group("Tổ dân phố số 1")
    r = call("GET", "/posts")
    holders = {p["label"]: p["holder"]["full_name"] for p in r.get_json()["items"]}
    assert holders["Tổ trưởng tổ dân phố – Tổ dân phố số 1"] == "Lê Văn Bình"
    r = call("POST", "/posts", json={"title": "Bí thư chi bộ", "residential_group_id": tdp1.id,
                                     "contact_id": directory["Nguyễn Văn An"].id, "started_on": "2024-01-15"})
    assert r.status_code == 201 and r.get_json()["holder"]["since"] == "2024-01-15"
    post = svc.get_post(r.get_json()["id"])
    assert post.residential_group_id == tdp1.id and svc.current_holding(post).contact_id == directory["Nguyễn Văn An"].id
    today = local_today().isoformat()
    r = call("POST", f"/posts/{post.id}/hand-over", json={"contact_id": directory["Hoàng Văn Ân"].id,
                                                          "started_on": today, "note": "Bầu lại"})
    assert r.status_code == 200 and r.get_json()["holder"]["full_name"] == "Hoàng Văn Ân"
    db.session.expire_all()
    old, new = sorted(svc.get_post(post.id).holdings, key=lambda h: h.started_on)
    assert old.ended_on.isoformat() == today and (new.contact_id, new.note) == (directory["Hoàng Văn Ân"].id, "Bầu lại")


@pytest.mark.parametrize("body, text", [
    ({"contact_id": 1}, "title"),
    ({"title": "Chức mới"}, "contact_id"),
    ({"title": "Chức mới", "contact_id": "1"}, "contact_id phải là số nguyên."),
    ({"title": "Chức mới", "contact_id": 999999}, "Người này không có trong danh bạ."),
    ({"title": "Chức mới", "contact_id": 1, "residential_group_id": 999999},
     "Vui lòng chọn tổ dân phố trong danh sách."),
    ({"title": "Chức mới", "contact_id": 1, "started_on": "15/01/2024"}, "started_on"),
    ({"title": "x" * 161, "contact_id": 1}, "160"),
    ({"title": " ", "contact_id": 1}, ""),
])
def test_post_bad_input_writes_nothing(call, directory, body, text):
    before = (_count(Post), len(svc.list_posts()[0].holdings))
    r = call("POST", "/posts", json=body)
    assert r.status_code == 422 and text in _message(r)
    db.session.expire_all()
    assert (_count(Post), len(svc.list_posts()[0].holdings)) == before


def test_hand_over_bad_input_changes_nothing(call, directory):
    post = next(p for p in svc.list_posts() if p.residential_group and p.residential_group.name == "Tổ dân phố số 1")
    for body, text in [({}, "contact_id"), ({"contact_id": 999999}, "Người này không có trong danh bạ."),
                       ({"contact_id": directory["Hoàng Văn Ân"].id, "started_on": "hôm qua"}, "started_on"),
                       ({"contact_id": directory["Hoàng Văn Ân"].id,
                         "started_on": (local_today() - timedelta(days=400)).isoformat()},
                        "Ngày bàn giao sớm hơn ngày người hiện tại bắt đầu đảm nhiệm.")]:
        r = call("POST", f"/posts/{post.id}/hand-over", json=body)
        assert r.status_code == 422 and text in _message(r), body
    db.session.expire_all()
    assert svc.current_holding(post).contact.full_name == "Lê Văn Bình" and len(post.holdings) == 1


# --------------------------------------------------------------------------- an event's list


def test_add_invitees(call, make_event, directory):
    event = make_event()
    secretaries = _group("Bí thư chi bộ")
    post = next(p for p in svc.list_posts() if p.residential_group and p.residential_group.name == "Tổ dân phố số 2")
    r = call("POST", f"/events/{event.id}/invitations",
             json={"group_ids": [secretaries.id], "post_ids": [post.id], "contact_ids": [directory["Hoàng Văn Ân"].id],
                   "role": "chu_tri"})
    assert r.status_code == 201 and r.get_json()["added"] == 4
    invs = {i.full_name: i for i in svc.list_invitations(event)}
    assert set(invs) == {"Nguyễn Văn An", "Trần Thị An", "Phạm Thị Ánh", "Hoàng Văn Ân"}
    assert {i.role for i in invs.values()} == {"chu_tri"} and invs["Phạm Thị Ánh"].post_id == post.id
    # The same people again: nobody is added twice.
    r = call("POST", f"/events/{event.id}/invitations", json={"group_ids": [secretaries.id]})
    assert r.status_code == 200 and r.get_json()["added"] == 0 and len(svc.list_invitations(event)) == 4


@pytest.mark.parametrize("body, text", [
    ({}, "Chưa chọn ai: vui lòng chọn nhóm, chức danh hoặc cá nhân."),
    ({"contact_ids": [1], "role": "vip"}, "Vui lòng chọn thành phần tham dự."),
    ({"contact_ids": [1], "role": 3}, "role phải là văn bản."),
    ({"contact_ids": "1"}, "contact_ids"),
    ({"group_ids": [999999]}, "Nhóm này không tồn tại."),
    ({"post_ids": [999999]}, ""),
    ({"contact_ids": [1, 999999]}, "Người này không có trong danh bạ."),
])
def test_add_invitees_bad_input_writes_nothing(call, make_event, directory, body, text):
    event = make_event()
    r = call("POST", f"/events/{event.id}/invitations", json=body)
    assert r.status_code == 422 and text in _message(r)
    assert svc.list_invitations(event) == []


def test_role_change_and_removal(call, conference):
    inv = inv_of(conference, "Nguyễn Văn An")
    url = f"/events/{conference.id}/invitations/{inv.id}"
    r = call("PATCH", url, json={"role": "chu_tri"})
    assert r.status_code == 200 and r.get_json()["role"] == "chu_tri"
    db.session.refresh(inv)
    assert inv.role == "chu_tri"
    for body, text in [({}, "role"), ({"role": "boss"}, "Vui lòng chọn thành phần tham dự."), ({"role": ["chu_tri"]}, "role")]:
        r = call("PATCH", url, json=body)
        assert r.status_code == 422 and text in _message(r)
    db.session.refresh(inv)
    assert inv.role == "chu_tri"
    assert call("DELETE", url).status_code == 204
    assert svc.get_invitation(conference, inv.id) is None and len(svc.list_invitations(conference)) == 5


def _outbox(app) -> list:
    return list(getattr(app.extensions["mailman"], "outbox", []))  # locmem: made with the first message


def test_resend_one(app, call, conference):
    an = inv_of(conference, "Nguyễn Văn An")
    r = call("POST", f"/events/{conference.id}/invitations/{an.id}/resend")
    assert r.status_code == 200 and r.get_json() == {"email": 1, "sms": 0, "skipped": 0}
    [mail] = _outbox(app)
    assert mail.to[0].endswith("<an@example.vn>")
    db.session.refresh(an)
    assert an.sent_at is not None
    nobody = inv_of(conference, "Hoàng Văn Ân")
    r = call("POST", f"/events/{conference.id}/invitations/{nobody.id}/resend")
    assert r.status_code == 422 and _message(r) == "Người này không có email và số điện thoại."
    db.session.refresh(nobody)
    assert nobody.sent_at is None and len(_outbox(app)) == 1


def test_send_invitations_then_reminders(app, call, conference):
    url = f"/events/{conference.id}/invitations/send"
    r = call("POST", url, json={})
    # Four by e-mail, Lê Văn Bình by SMS, Hoàng Văn Ân has neither (their letter is printed).
    assert r.status_code == 200 and r.get_json() == {"email": 4, "sms": 1, "skipped": 1}
    assert all(i.sent_at for i in svc.list_invitations(conference) if i.email or i.phone)
    r = call("POST", url, json={"audience": "new"})
    assert r.status_code == 422 and _message(r)
    r = call("POST", url, json={"audience": "pending"})
    assert r.status_code == 200 and r.get_json()["email"] == 4
    assert all(i.reminded_at for i in svc.list_invitations(conference) if i.email)
    sent = len(_outbox(app))
    for body, text in [({"audience": "everyone"}, "Vui lòng chọn đối tượng cần nhắc."), ({"audience": 1}, "audience")]:
        r = call("POST", url, json=body)
        assert r.status_code == 422 and text in _message(r)
    assert call("POST", url, data="audience=new", content_type="text/plain").status_code == 400
    assert len(_outbox(app)) == sent


def test_sending_to_a_cancelled_meeting_is_refused(call, conference):
    conference.status = "cancelled"
    db.session.commit()
    r = call("POST", f"/events/{conference.id}/invitations/send", json={})
    assert r.status_code == 422 and _message(r) == "Hội nghị này đã bị hủy."
    assert not any(i.sent_at for i in svc.list_invitations(conference))


def test_record_answers(call, organizer, conference):
    url = f"/events/{conference.id}/invitations/record"
    binh = inv_of(conference, "Lê Văn Bình")
    r = call("POST", url, json={"invitation_id": binh.id, "response": "decline", "via": "phone", "reason": "Đi công tác"})
    assert r.status_code == 200 and r.get_json()["status"] == "decline"
    db.session.refresh(binh)
    assert (binh.status, binh.answered_via, binh.recorded_by_id, binh.reason) == (
        "decline", "phone", organizer.id, "Đi công tác")
    anh = inv_of(conference, "Phạm Thị Ánh")
    r = call("POST", url, json={"invitation_id": anh.id, "response": "substitute", "via": "paper",
                                "substitute_name": "Vũ Văn Nam", "substitute_position": "Tổ phó", "consent": True})
    assert r.status_code == 200
    db.session.refresh(anh)
    assert (anh.status, anh.substitute_name, anh.answered_via) == ("substitute", "Vũ Văn Nam", "paper")


@pytest.mark.parametrize("body, text", [
    ({"invitation_id": None, "response": "decline", "via": "phone"}, "invitation_id"),
    ({"invitation_id": "1", "response": "decline", "via": "phone"}, "invitation_id phải là số nguyên."),
    ({"response": "maybe", "via": "phone"}, "Vui lòng chọn tham dự, không tham dự hoặc cử người đi thay."),
    ({"response": "pending", "via": "phone"}, "Vui lòng chọn tham dự, không tham dự hoặc cử người đi thay."),
    ({"response": "decline", "via": "link"}, ""),
    ({"response": "decline"}, "via"),
    ({"response": "substitute", "via": "phone", "substitute_name": "Vũ Văn Nam"}, ""),  # no consent
    ({"response": "substitute", "via": "phone", "substitute_name": "Vũ Văn Nam", "consent": "yes"}, "consent"),
    ({"response": "substitute", "via": "phone", "consent": True}, ""),  # no substitute's name
    ({"response": "decline", "via": "phone", "reason": 7}, "reason phải là văn bản."),
])
def test_record_bad_input_writes_nothing(call, conference, body, text):
    inv = inv_of(conference, "Lê Văn Bình")
    r = call("POST", f"/events/{conference.id}/invitations/record", json={"invitation_id": inv.id, **body})
    assert r.status_code == 422 and text in _message(r)
    db.session.refresh(inv)
    assert (inv.status, inv.answered_at, inv.substitute_name) == ("pending", None, "")


def test_follow_hand_overs(call, conference, directory):
    post = next(p for p in svc.list_posts() if p.residential_group and p.residential_group.name == "Tổ dân phố số 1")
    newcomer = svc.save_contact(None, full_name="Ngô Văn Mới", position="Tổ trưởng tổ dân phố", email="moi@example.vn")
    svc.hand_over(post, newcomer)
    r = call("POST", f"/events/{conference.id}/invitations/follow-hand-overs")
    assert r.status_code == 200 and r.get_json() == {"moved": [{"from": "Lê Văn Bình", "to": "Ngô Văn Mới"}]}
    names = {i.full_name for i in svc.list_invitations(conference)}
    assert "Ngô Văn Mới" in names and "Lê Văn Bình" not in names
    r = call("POST", f"/events/{conference.id}/invitations/follow-hand-overs")
    assert r.get_json() == {"moved": []}


# --------------------------------------------------------------------------- the letter


def test_letter_settings_read_and_save(call, conference):
    url = f"/events/{conference.id}/letter-settings"
    r = call("GET", url)
    assert r.status_code == 200 and r.get_json()["saved"] is False and r.get_json()["number"].endswith("/GM-UBND")
    r = call("PUT", url, json={"number": "15/GM-UBND", "issued_on": "2026-01-05", "agenda": "1. Tổng kết\n2. Kế hoạch",
                               "signer_name": "Nguyễn Văn Chủ"})
    assert r.status_code == 200 and r.get_json()["saved"] is True
    settings = svc.letter_settings(conference)
    assert (settings.number, settings.issued_on.isoformat(), settings.agenda, settings.signer_name) == (
        "15/GM-UBND", "2026-01-05", "1. Tổng kết\n2. Kế hoạch", "Nguyễn Văn Chủ")
    # Absent fields keep their value.
    r = call("PUT", url, json={"contact_person": "Chị Hà, 0912 111 222"})
    db.session.expire_all()
    settings = svc.letter_settings(conference)
    assert (settings.number, settings.contact_person) == ("15/GM-UBND", "Chị Hà, 0912 111 222")


@pytest.mark.parametrize("body, text", [
    ({"number": "  "}, ""),
    ({"number": 15}, "number phải là văn bản."),
    ({"number": "x" * 41}, "40"),
    ({"agenda": "x" * 4001}, "4000"),
    ({"signer_title": "x" * 121}, "120"),
    ({"issued_on": "05/01/2026"}, "issued_on"),
    ({"issued_on": 20260105}, "issued_on"),
])
def test_letter_settings_bad_input_saves_nothing(call, conference, body, text):
    call("PUT", f"/events/{conference.id}/letter-settings", json={"number": "15/GM-UBND"})
    r = call("PUT", f"/events/{conference.id}/letter-settings", json={"agenda": "Giữ nguyên", **body})
    assert r.status_code == 422 and text in _message(r)
    db.session.expire_all()
    settings = svc.letter_settings(conference)
    assert settings.number == "15/GM-UBND" and settings.agenda == "" and settings.signer_title


# --------------------------------------------------------------------------- at the door and after


def test_walk_in(call, organizer, conference):
    r = call("POST", f"/events/{conference.id}/walk-ins",
             json={"full_name": "Mai Văn Khách", "position": "Phóng viên", "unit": "Báo Hà Nội Mới"})
    assert r.status_code == 201 and r.get_json()["walk_in"] is True
    inv = svc.get_invitation(conference, r.get_json()["id"])
    assert (inv.full_name, inv.is_walk_in, inv.role, inv.checked_in_by_id) == ("Mai Văn Khách", True, "khach_moi",
                                                                              organizer.id)
    assert inv.checked_in_at is not None and inv.status == "attend"
    assert svc.attendance_report(conference)["totals"]["walk_ins"] == 1


@pytest.mark.parametrize("body, text", [
    ({}, "full_name"), ({"full_name": "  "}, "Vui lòng nhập họ và tên."), ({"full_name": ["Mai"]}, "full_name"),
    ({"full_name": "x" * 201}, "200"), ({"full_name": "Mai Văn Khách", "unit": 1}, "unit phải là văn bản."),
])
def test_walk_in_bad_input_writes_nothing(call, conference, body, text):
    r = call("POST", f"/events/{conference.id}/walk-ins", json=body)
    assert r.status_code == 422 and text in _message(r)
    assert len(svc.list_invitations(conference)) == 6


def test_sign_in_sheet_ticks(call, organizer, conference, make_event, directory):
    an, binh = inv_of(conference, "Nguyễn Văn An"), inv_of(conference, "Lê Văn Bình")
    svc.check_in(an, organizer)
    first = an.checked_in_at
    other = make_event(title="Hội nghị khác")
    svc.add_invitees(other, contact_ids=[directory["Hoàng Văn Ân"].id])
    foreign = svc.list_invitations(other)[0]
    r = call("POST", f"/events/{conference.id}/sign-in-sheet/ticks", json={"invitation_ids": [an.id, binh.id, foreign.id]})
    # Bình now; An keeps the first time; another event's invitee is nobody here.
    assert r.status_code == 200 and r.get_json() == {"checked_in": 1}
    db.session.expire_all()
    assert binh.checkin_method == "paper" and an.checked_in_at == first and foreign.checked_in_at is None
    for body in ({"invitation_ids": "1,2"}, {"invitation_ids": [1.5]}, {"invitation_ids": [-1]}):
        r = call("POST", f"/events/{conference.id}/sign-in-sheet/ticks", json=body)
        assert r.status_code == 422 and "invitation_ids" in _message(r)


def test_attendance_read_is_audited(call, organizer, conference):
    svc.check_in(inv_of(conference, "Nguyễn Văn An"), organizer)
    svc.answer(inv_of(conference, "Trần Thị An"), "decline", via="phone")
    r = call("GET", f"/events/{conference.id}/attendance")
    assert r.status_code == 200
    body, report = r.get_json(), svc.attendance_report(conference)
    assert body["totals"] == report["totals"] and body["totals"]["attended"] == 1 and body["totals"]["declined"] == 1
    assert [g["name"] for g in body["by_group"]] == [name for name, _counts in report["by_group"]]
    assert body["by_unit"][0] == {"name": report["by_unit"][0][0], **report["by_unit"][0][1]}
    [row] = _audit("attendance_report")
    assert row.actor_id == organizer.id and row.detail["format"] == "json" and row.detail["event_id"] == conference.id
    assert row.detail["rows"] == 6


def test_checkin_by_invitation_id(call, conference):
    inv = inv_of(conference, "Phạm Thị Ánh")
    r = call("POST", f"/events/{conference.id}/checkins", json={"invitation_id": inv.id})
    assert r.status_code == 201 and r.get_json()["first_check_in"] is True
    assert call("POST", f"/events/{conference.id}/checkins", json={"invitation_id": 999999}).status_code == 404
    assert call("POST", f"/events/{conference.id}/checkins", json={"contact_id": 2**70}).status_code == 404


# --------------------------------------------------------------------------- the same rule on the page and in the API


def test_page_and_api_refuse_the_same_input_with_the_same_message(client, login, call, organizer, directory, conference):
    login(organizer)
    r = submit_form(client, "/danh-ba/nhom", {"name": "BÍ THƯ CHI BỘ"})
    assert r.status_code == 400
    api = call("POST", "/contact-groups", json={"name": "BÍ THƯ CHI BỘ"})
    assert api.status_code == 409 and _message(api) in r.get_data(as_text=True)
    r = submit_form(client, "/danh-ba/them", {"full_name": "Vũ Văn Nam", "phone": "0912 000 001",
                                              "legal_basis": "public_duty"})
    assert r.status_code == 400
    api = call("POST", "/contacts", json={"full_name": "Vũ Văn Nam", "phone": "0912 000 001"})
    assert api.status_code == 409 and _message(api) in r.get_data(as_text=True)
    inv = inv_of(conference, "Lê Văn Bình")
    r = submit_form(client, f"/su-kien/{conference.id}/giay-moi",
                    {"invitation_id": inv.id, "response": "substitute", "via": "phone", "substitute_name": "",
                     "consent": "y"}, action=f"/su-kien/{conference.id}/giay-moi/ghi-tra-loi", follow_redirects=True)
    api = call("POST", f"/events/{conference.id}/invitations/record",
               json={"invitation_id": inv.id, "response": "substitute", "via": "phone", "consent": True})
    assert api.status_code == 422 and _message(api) in r.get_data(as_text=True)
    assert _count(ContactGroup) == 2 and _count(Contact) == 6
    db.session.refresh(inv)
    assert inv.status == "pending"


def test_the_page_still_creates_a_post_through_the_service(client, login, organizer, directory):
    login(organizer)
    r = submit_form(client, "/danh-ba/chuc-danh", {"title": "Trưởng ban công tác Mặt trận", "residential_group": 0,
                                                   "contact": directory["Hoàng Văn Ân"].id})
    assert r.status_code == 302
    post = next(p for p in svc.list_posts() if p.title == "Trưởng ban công tác Mặt trận")
    assert post.residential_group is None and svc.current_holding(post).contact_id == directory["Hoàng Văn Ân"].id
