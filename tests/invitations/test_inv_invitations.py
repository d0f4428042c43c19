"""Invitation lists, answers (substitutes, forwarded links, phone/paper), sending, check-in,
sign-in sheet and report numbers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.invitations import services as svc
from civic.privacy.services import ConsentGiven
from tests.conftest import submit_form
from tests.invitations.conftest import inv_of


def test_list_shows_who_and_why(conference, directory):
    invs = svc.list_invitations(conference)
    assert [i.full_name for i in invs] == ["Nguyễn Văn An", "Trần Thị An", "Đỗ Minh Anh", "Phạm Thị Ánh",
                                           "Hoàng Văn Ân", "Lê Văn Bình"]
    sources = {i.full_name: i.source for i in invs}
    assert sources["Nguyễn Văn An"] == "Nhóm: Bí thư chi bộ"
    assert "Tổ dân phố số 2" in sources["Phạm Thị Ánh"]
    assert sources["Hoàng Văn Ân"] == "Mời riêng"
    assert inv_of(conference, "Hoàng Văn Ân").role == "khach_moi"
    # Adding the same people again adds nobody twice.
    group = next(g for g in svc.list_contact_groups() if g.name == "Bí thư chi bộ")
    assert svc.add_invitees(conference, group_ids=[group.id]) == 0
    tokens = {i.token for i in invs}
    assert len(tokens) == len(invs) and all(len(t) >= 43 for t in tokens)


def test_send_by_email_and_sms_with_personal_links(app, conference, organizer):
    from civic.notifications.models import Delivery

    result = svc.send_invitations(conference, organizer)
    # Ân has neither email nor phone; Bình has a phone only -> SMS.
    # Ân has no address: counted as such, so the organizer knows to print his letter.
    assert (result.email, result.sms, result.skipped) == (4, 1, 1)
    deliveries = db.session.scalars(sa.select(Delivery)).all()
    assert {d.channel for d in deliveries} == {"email", "sms"}
    outbox = app.extensions["mailman"].outbox
    an = inv_of(conference, "Nguyễn Văn An")
    mail = next(m for m in outbox if any(t.endswith("<an@example.vn>") or t == "an@example.vn" for t in m.to))
    assert f"/giay-moi/{an.token}" in mail.body
    # Sending again sends nothing new.
    with pytest.raises(svc.InvitationError):
        svc.send_invitations(conference, organizer)
    assert len(app.extensions["mailman"].outbox) == len(outbox)


def test_answer_attend_decline_substitute_without_account(client, conference):
    an = inv_of(conference, "Nguyễn Văn An")
    url = f"/giay-moi/{an.token}"
    page = client.get(url)
    assert page.status_code == 200 and "Nguyễn Văn An" in page.get_data(as_text=True)
    r = submit_form(client, url, {"response": "substitute", "substitute_name": "", "substitute_position": "Phó bí thư"})
    assert r.status_code == 400
    db.session.refresh(an)
    assert an.status == "pending"
    r = submit_form(client, url, {"response": "substitute", "substitute_name": "Ngô Thị Lan",
                                  "substitute_position": "Phó bí thư chi bộ", "reason": "Đi công tác"})
    assert r.status_code == 303
    db.session.refresh(an)
    assert (an.status, an.substitute_name, an.answered_via) == ("substitute", "Ngô Thị Lan", "link")
    r = submit_form(client, url, {"response": "decline", "reason": "Ốm"})
    db.session.refresh(an)
    assert (an.status, an.reason, an.substitute_name) == ("decline", "Ốm", "")


def test_forwarded_link_is_recorded_against_its_invitee(client, conference):
    binh = inv_of(conference, "Lê Văn Bình")
    submit_form(client, f"/giay-moi/{binh.token}", {"response": "attend", "responder_name": "Lê Thị Hoa (con gái)"})
    db.session.refresh(binh)
    assert binh.status == "attend" and binh.responder_name == "Lê Thị Hoa (con gái)"
    others = [i for i in svc.list_invitations(conference) if i.id != binh.id]
    assert all(i.status == "pending" for i in others)


def test_bad_tokens_and_closed_events(client, conference, make_event):
    assert client.get("/giay-moi/" + "x" * 43).status_code == 404
    r = client.post("/api/v1/invitations/" + "x" * 43 + "/response", json={"response": "attend"})
    assert r.status_code == 404
    an = inv_of(conference, "Nguyễn Văn An")
    r = client.post(f"/api/v1/invitations/{an.token}/response", json={"response": "maybe"})
    assert r.status_code == 422 and "cử người đi thay" in r.get_json()["error"]["message"]
    conference.status = "cancelled"
    db.session.commit()
    r = client.post(f"/api/v1/invitations/{an.token}/response", json={"response": "attend"})
    assert r.status_code == 422
    db.session.refresh(an)
    assert an.status == "pending"


def test_api_answer(client, conference):
    an = inv_of(conference, "Trần Thị An")
    r = client.post(f"/api/v1/invitations/{an.token}/response",
                    json={"response": "substitute", "substitute_name": "Vũ Văn Nam", "substitute_position": "Chi ủy viên"})
    assert r.status_code == 200 and r.get_json()["status"] == "substitute"


def test_organizer_records_phone_answer(client, login, organizer, conference):
    login(organizer)
    binh = inv_of(conference, "Lê Văn Bình")
    page = f"/su-kien/{conference.id}/giay-moi"
    r = submit_form(client, page, {"invitation_id": binh.id, "response": "decline", "via": "phone", "reason": "Bận"},
                    action=f"/su-kien/{conference.id}/giay-moi/ghi-tra-loi")
    assert r.status_code == 303
    db.session.refresh(binh)
    assert (binh.status, binh.answered_via, binh.recorded_by_id) == ("decline", "phone", organizer.id)
    assert "Lê Thu Hà" in client.get(page).get_data(as_text=True)


def test_other_organizer_sees_nothing(client, login, make_user, conference, api_token):
    """The conference is published, so another organizer may know it exists: refused (403), and
    nothing of its list is shown (civic.invitations.access)."""
    other = make_user(role="organizer")
    login(other)
    for url in (f"/su-kien/{conference.id}/giay-moi", f"/su-kien/{conference.id}/diem-danh",
                f"/su-kien/{conference.id}/bao-cao", f"/su-kien/{conference.id}/giay-moi/in"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert "Nguyễn Văn An" not in r.get_data(as_text=True), url
    token = api_token(other)
    r = client.get(f"/api/v1/events/{conference.id}/invitations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and "items" not in r.get_json()
    an = inv_of(conference, "Nguyễn Văn An")
    r = client.post(f"/api/v1/events/{conference.id}/checkins", json={"invitation_token": an.token},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    db.session.refresh(an)
    assert an.checked_in_at is None


def test_another_organizers_draft_is_not_found(client, login, make_user, make_event, api_token):
    """A draft is not visible to another organizer: it answers as if it did not exist (404)."""
    draft = make_event(title="Hội nghị chưa công bố")
    draft.status = "draft"
    db.session.commit()
    other = make_user(role="organizer")
    login(other)
    for url in (f"/su-kien/{draft.id}/giay-moi", f"/su-kien/{draft.id}/diem-danh", f"/su-kien/{draft.id}/bao-cao"):
        assert client.get(url).status_code == 404, url
    token = api_token(other)
    r = client.get(f"/api/v1/events/{draft.id}/invitations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404


def test_api_lists_and_checkins(client, organizer, api_token, conference, make_event, directory):
    token = api_token(organizer)
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get(f"/api/v1/events/{conference.id}/invitations", headers=auth)
    assert r.status_code == 200 and len(r.get_json()["items"]) == 6
    an = inv_of(conference, "Nguyễn Văn An")
    r1 = client.post(f"/api/v1/events/{conference.id}/checkins", json={"invitation_token": an.token}, headers=auth)
    r2 = client.post(f"/api/v1/events/{conference.id}/checkins", json={"contact_id": an.contact_id}, headers=auth)
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.get_json()["invitation"]["checked_in_at"] == r2.get_json()["invitation"]["checked_in_at"]
    # A token of another event's invitation, and someone not invited, check nobody in.
    other_event = make_event(title="Hội nghị khác")
    svc.add_invitees(other_event, contact_ids=[directory["Nguyễn Văn An"].id])
    foreign = svc.list_invitations(other_event)[0]
    r = client.post(f"/api/v1/events/{conference.id}/checkins", json={"invitation_token": foreign.token}, headers=auth)
    assert r.status_code == 404
    stranger = svc.save_contact(None, full_name="Mai Văn Khách", phone="0933 444 555")
    r = client.post(f"/api/v1/events/{conference.id}/checkins", json={"contact_id": stranger.id}, headers=auth)
    assert r.status_code == 404 and "không có trong danh sách mời" in r.get_json()["error"]["message"]
    r = client.get("/api/v1/contacts", headers=auth)
    assert r.status_code == 200 and r.get_json()["items"][0]["full_name"] == "Nguyễn Văn An"
    assert client.get("/api/v1/contacts").status_code == 401


def test_checkin_twice_keeps_first_time(client, login, organizer, conference):
    login(organizer)
    an = inv_of(conference, "Nguyễn Văn An")
    page = f"/su-kien/{conference.id}/diem-danh?q=nguyen van an"
    body = client.get(page).get_data(as_text=True)
    assert "Nguyễn Văn An" in body
    r = submit_form(client, page, {}, action=f"/su-kien/{conference.id}/diem-danh/{an.id}")
    assert r.status_code == 303
    db.session.refresh(an)
    first = an.checked_in_at
    assert first is not None and an.checkin_method == "search"
    # The QR code opened by the organizer: already in, time unchanged, told when, no button.
    body = client.get(f"/diem-danh/{an.checkin_code}").get_data(as_text=True)
    assert "đã điểm danh lúc" in body and "Xác nhận có mặt" not in body
    r = submit_form(client, f"/su-kien/{conference.id}/diem-danh", {}, action=f"/diem-danh/{an.checkin_code}")
    assert r.status_code == 303
    db.session.refresh(an)
    assert an.checked_in_at == first


def test_qr_url_reveals_nothing_to_others(app, conference):
    an = inv_of(conference, "Nguyễn Văn An")
    anonymous = app.test_client()
    r = anonymous.get(f"/diem-danh/{an.checkin_code}")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "Nguyễn Văn An" not in body and conference.title not in body
    db.session.refresh(an)
    assert an.checked_in_at is None
    r = anonymous.post(f"/diem-danh/{an.checkin_code}", data={})
    assert r.status_code < 500 and "Nguyễn Văn An" not in r.get_data(as_text=True)
    db.session.refresh(an)
    assert an.checked_in_at is None
    assert anonymous.get("/diem-danh/" + "y" * 43).status_code == 404


def test_qr_url_asks_the_organizer_then_checks_in_on_the_button(client, login, organizer, conference):
    login(organizer)
    an = inv_of(conference, "Trần Thị An")
    url = f"/diem-danh/{an.checkin_code}"
    # Opening the link (a preview, a prefetch, a wrong scan) records nothing: it shows who it is.
    r = client.get(url)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "Trần Thị An" in body and "Bí thư chi bộ" in body and "Chi bộ tổ 2" in body and conference.title in body
    assert "Xác nhận có mặt" in body and 'method="post"' in body
    db.session.refresh(an)
    assert an.checked_in_at is None
    # A POST without the form's CSRF token records nothing either.
    assert client.post(url, data={}).status_code in (302, 303, 400)
    db.session.refresh(an)
    assert an.checked_in_at is None
    # The button (one tap) checks in.
    r = submit_form(client, url, {})
    assert r.status_code == 303
    db.session.refresh(an)
    assert an.checkin_method == "qr" and an.checked_in_at is not None
    body = client.get(url).get_data(as_text=True)
    assert "đã điểm danh lúc" in body and "Xác nhận có mặt" not in body


def test_walk_in(client, login, organizer, conference):
    login(organizer)
    page = f"/su-kien/{conference.id}/diem-danh"
    r = submit_form(client, page, {"full_name": "Bùi Văn Tuấn", "position": "Phóng viên", "unit": "Báo Hà Nội mới"},
                    action=f"/su-kien/{conference.id}/diem-danh/khach")
    assert r.status_code == 303
    walk = inv_of(conference, "Bùi Văn Tuấn")
    assert walk.is_walk_in and walk.checked_in_at is not None
    r = submit_form(client, page, {"full_name": ""}, action=f"/su-kien/{conference.id}/diem-danh/khach")
    assert r.status_code == 303
    assert len(svc.list_invitations(conference)) == 7


def test_sign_in_sheet_order_and_tick(client, login, organizer, conference):
    svc.answer(inv_of(conference, "Hoàng Văn Ân"), "decline", reason="Bận", via="phone", consent=ConsentGiven())
    sections = svc.sign_in_sheet(conference, "don-vi")
    # By tổ dân phố where the person has one (the tổ's bí thư and tổ trưởng together), else by unit.
    assert [unit for unit, _ in sections] == ["Công an phường", "Tổ dân phố số 1", "Tổ dân phố số 2"]
    assert all(i.full_name != "Hoàng Văn Ân" for _, people in sections for i in people)
    login(organizer)
    html = client.get(f"/su-kien/{conference.id}/danh-sach-ky?trong=5&nhom=don-vi").get_data(as_text=True)
    order = [html.index(name) for name in ("Đỗ Minh Anh", "Nguyễn Văn An", "Lê Văn Bình", "Trần Thị An", "Phạm Thị Ánh")]
    assert order == sorted(order)
    assert html.count('class="sheet-blank"') == 5
    assert "Ký tên" in html
    ids = [inv_of(conference, n).id for n in ("Nguyễn Văn An", "Lê Văn Bình")]
    tick_page = f"/su-kien/{conference.id}/danh-sach-ky/danh-dau"
    r = submit_form(client, tick_page, {"signed": [str(i) for i in ids]})
    assert r.status_code == 303
    assert {i.full_name for i in svc.list_invitations(conference) if i.checked_in_at} == {"Nguyễn Văn An", "Lê Văn Bình"}


def test_report_numbers(client, login, organizer, conference):
    svc.answer(inv_of(conference, "Nguyễn Văn An"), "attend", consent=ConsentGiven())
    svc.answer(inv_of(conference, "Trần Thị An"), "substitute", substitute_name="Vũ Văn Nam", consent=ConsentGiven())
    svc.answer(inv_of(conference, "Hoàng Văn Ân"), "decline", reason="Ốm", consent=ConsentGiven())
    svc.check_in(inv_of(conference, "Nguyễn Văn An"))
    svc.check_in(inv_of(conference, "Trần Thị An"))
    svc.add_walk_in(conference, "Bùi Văn Tuấn")
    rep = svc.attendance_report(conference)
    t = rep["totals"]
    assert (t["invited"], t["answered"], t["accepted"], t["substitutes"], t["declined"], t["attended"], t["walk_ins"]) == (
        6, 3, 1, 1, 1, 3, 1)
    by_group = dict(rep["by_group"])
    assert by_group["Bí thư chi bộ"]["invited"] == 2
    assert by_group["Bí thư chi bộ"]["attended"] == 2
    login(organizer)
    html = client.get(f"/su-kien/{conference.id}/bao-cao").get_data(as_text=True)
    assert "<svg" in html and "inv-bar-attended" in html
    r = client.get(f"/su-kien/{conference.id}/bao-cao.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    assert wb.worksheets[0]["B3"].value == 6


def test_letters_print_one_per_invitee(client, login, organizer, conference):
    login(organizer)
    html = client.get(f"/su-kien/{conference.id}/giay-moi/in").get_data(as_text=True)
    assert html.count('class="gm-letter"') == 6
    assert "GIẤY MỜI" in html and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert "/GM-UBND" in html and "PHƯỜNG HÒA BÌNH" in html
    assert html.count('src="data:image/svg+xml') == 6
    assert "style=" not in html and "<script>" not in html
    an = inv_of(conference, "Nguyễn Văn An")
    one = client.get(f"/su-kien/{conference.id}/giay-moi/in?id={an.id}").get_data(as_text=True)
    assert one.count('class="gm-letter"') == 1
    assert re.search(r"Nguyễn Văn An", one)


def test_reminders(app, conference, organizer):
    svc.answer(inv_of(conference, "Nguyễn Văn An"), "attend", consent=ConsentGiven())
    result = svc.send_reminders(conference, "accepted", organizer)
    assert (result.email, result.sms) == (1, 0)
    result = svc.send_reminders(conference, "pending", organizer)
    assert result.email + result.sms + result.skipped == 5
    subjects = [m.subject for m in app.extensions["mailman"].outbox]
    assert any(conference.title in s for s in subjects)


def test_cancelled_meeting_page_says_so(client, conference):
    an = inv_of(conference, "Nguyễn Văn An")
    conference.status = "cancelled"
    db.session.commit()
    html = client.get(f"/giay-moi/{an.token}").get_data(as_text=True)
    assert "Hội nghị này đã bị hủy." in html and 'name="response"' not in html


def test_a_refused_answer_or_add_keeps_what_the_organizer_entered(client, login, organizer, conference):
    """They answered 303 and reset the form: the invitee back to the first, the answer to
    "attend", the chosen role lost."""
    login(organizer)
    binh = inv_of(conference, "Lê Văn Bình")
    page = f"/su-kien/{conference.id}/giay-moi"
    r = submit_form(client, page, {"invitation_id": binh.id, "response": "substitute", "via": "paper",
                                   "substitute_name": "", "consent": "y"},
                    action=f"/su-kien/{conference.id}/giay-moi/ghi-tra-loi")
    html = r.get_data(as_text=True)
    assert r.status_code in (400, 422)
    assert f'<option value="{binh.id}" selected>' in html
    def chosen(value):  # a ticked radio button or a selected option, in whatever attribute order
        return re.search(rf'<(input|option)\b(?=[^>]*\b(checked|selected)\b)[^>]*value="{value}"', html)

    assert chosen("substitute") and chosen("paper")
    db.session.refresh(binh)
    assert binh.status == "pending"
    r = submit_form(client, page, {"role": "khach_moi"}, action=f"/su-kien/{conference.id}/giay-moi/them")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and chosen("khach_moi")
