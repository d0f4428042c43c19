"""Every organizer page renders; directory forms validate and answer 4xx with a message."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.models import Contact, ContactGroup, Post
from tests.conftest import submit_form


def test_pages_render(client, login, organizer, directory, make_event):
    event = make_event()
    svc.add_invitees(event, contact_ids=[c.id for c in directory.values()])
    login(organizer)
    an = directory["Nguyễn Văn An"]
    for url in ("/giay-moi", "/danh-ba", "/danh-ba?q=an&nhom=1", "/danh-ba/them", f"/danh-ba/{an.id}/sua",
                "/danh-ba/nhom", "/danh-ba/chuc-danh", "/danh-ba/nhap", f"/su-kien/{event.id}/giay-moi",
                f"/su-kien/{event.id}/giay-moi/mau", f"/su-kien/{event.id}/giay-moi/in",
                f"/su-kien/{event.id}/diem-danh", f"/su-kien/{event.id}/diem-danh?q=an",
                f"/su-kien/{event.id}/danh-sach-ky", f"/su-kien/{event.id}/danh-sach-ky/danh-dau",
                f"/su-kien/{event.id}/bao-cao"):
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        assert "style=" not in html and "<script>" not in html, url
    r = client.get("/danh-ba/xuat.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"


def test_contact_form(client, login, organizer):
    login(organizer)
    r = submit_form(client, "/danh-ba/them", {"full_name": "Nguyễn Thị Minh Khai", "position": "Tổ trưởng",
                                               "residential_group": "Tổ dân phố số 4", "phone": "0912.888.999",
                                               "email": "khai@example.vn"})
    assert r.status_code == 302
    khai = db.session.scalar(sa.select(Contact))
    assert (khai.family_name, khai.middle_name, khai.given_name, khai.phone) == ("Nguyễn", "Thị Minh", "Khai", "+84912888999")
    assert khai.residential_group.name == "Tổ dân phố số 4"
    r = submit_form(client, "/danh-ba/them", {"full_name": "Lê Văn Tám", "phone": "12345"})
    assert r.status_code == 400 and "không hợp lệ" in r.get_data(as_text=True)
    r = submit_form(client, "/danh-ba/them", {"full_name": "Lê Văn Tám", "phone": "0912 888 999"})
    assert r.status_code == 400 and "đã có trong danh bạ" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 1
    r = submit_form(client, f"/danh-ba/{khai.id}/sua", {"full_name": "Nguyễn Thị Minh Khai", "position": "Tổ phó"},
                    action=f"/danh-ba/{khai.id}/xoa")
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0


def test_group_and_post_forms(client, login, organizer, directory):
    login(organizer)
    r = submit_form(client, "/danh-ba/nhom", {"name": "Trưởng ban CTMT", "post_title": "Trưởng ban công tác Mặt trận"})
    assert r.status_code == 302
    r = submit_form(client, "/danh-ba/nhom", {"name": "trưởng ban ctmt"})
    assert r.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ContactGroup.id))) == 3
    an = directory["Nguyễn Văn An"]
    r = submit_form(client, "/danh-ba/chuc-danh", {"title": "Trưởng ban công tác Mặt trận", "residential_group": "0",
                                                    "contact": str(an.id), "started_on": "2021-01-15"})
    assert r.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.title == "Trưởng ban công tác Mặt trận"))
    assert svc.current_holding(post).contact_id == an.id
    group = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name == "Trưởng ban CTMT"))
    assert [c.full_name for c, _ in svc.group_members(group)] == ["Nguyễn Văn An"]
    binh = directory["Lê Văn Bình"]
    r = submit_form(client, "/danh-ba/chuc-danh", {"contact": str(binh.id), "started_on": "2020-01-01"},
                    action=f"/danh-ba/chuc-danh/{post.id}/ban-giao")
    assert r.status_code == 400 and "sớm hơn ngày người hiện tại" in r.get_data(as_text=True)
    assert svc.current_holding(post).contact_id == an.id  # a hand-over before the start is refused
    r = submit_form(client, "/danh-ba/chuc-danh", {"contact": str(binh.id), "started_on": "2022-01-01"},
                    action=f"/danh-ba/chuc-danh/{post.id}/ban-giao")
    assert svc.current_holding(post).contact_id == binh.id


def test_letter_settings(client, login, organizer, make_event, directory):
    event = make_event()
    svc.add_invitees(event, contact_ids=[directory["Nguyễn Văn An"].id], role="chu_tri")
    login(organizer)
    url = f"/su-kien/{event.id}/giay-moi/mau"
    r = submit_form(client, url, {"number": "07/GM-UBND", "issued_on": "2021-01-20", "agenda": "1. Báo cáo\n2. Thảo luận",
                                  "contact_person": "Đ/c Hà, 0243 123 456", "signer_title": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
                                  "signer_name": "Đỗ Mạnh Cường", "participants": "Như trên"})
    assert r.status_code == 302
    html = client.get(f"/su-kien/{event.id}/giay-moi/in").get_data(as_text=True)
    assert "07/GM-UBND" in html and "ngày 20 tháng 01 năm 2021" in html and "Đỗ Mạnh Cường" in html
    assert "chủ trì" in html
    r = submit_form(client, url, {"number": ""})
    assert r.status_code == 400



def test_menu_leads_organizers_to_invitations_and_directory(app, client, login, organizer, make_user):
    links = ('href="/giay-moi"', 'href="/danh-ba"')
    assert not any(link in client.get("/").get_data(as_text=True) for link in links)

    resident_client = app.test_client()
    resident = make_user(role="resident")
    submit_form(resident_client, "/dang-nhap", {"email": resident.email, "password": resident.test_password})
    assert "/dang-xuat" in resident_client.get("/").get_data(as_text=True)
    assert not any(link in resident_client.get("/").get_data(as_text=True) for link in links)

    login(organizer)
    html = client.get("/").get_data(as_text=True)
    assert all(link in html for link in links)


def test_hand_over_starts_on_nobody_and_refuses_the_current_holder(client, login, organizer, directory):
    """A select that opened on the first contact handed a post to the wrong person on one
    careless click; handing it to its own holder said "handed over" and changed nothing."""
    login(organizer)
    an, binh = directory["Nguyễn Văn An"], directory["Lê Văn Bình"]
    post = svc.get_or_create_post("Trưởng ban công tác Mặt trận", None)
    svc.hand_over(post, an, date(2021, 1, 15))
    html = client.get("/danh-ba/chuc-danh").get_data(as_text=True)
    select = html[html.index(f'id="ho-{post.id}"'):]
    select = select[:select.index("</select>")]
    first = select[select.index("<option"):select.index("</option>")]
    assert first == '<option value="">— Chọn —', first  # the browser shows the first line: nobody
    r = submit_form(client, "/danh-ba/chuc-danh", {"contact": "", "started_on": "2022-01-01"},
                    action=f"/danh-ba/chuc-danh/{post.id}/ban-giao")
    assert r.status_code == 400 and "Vui lòng chọn người nhận bàn giao" in r.get_data(as_text=True)
    r = submit_form(client, "/danh-ba/chuc-danh", {"contact": str(an.id), "started_on": "2022-01-01"},
                    action=f"/danh-ba/chuc-danh/{post.id}/ban-giao")
    assert r.status_code == 409 and "đang đảm nhiệm chức danh này" in r.get_data(as_text=True)
    assert [h.contact_id for h in post.holdings] == [an.id]
    r = submit_form(client, "/danh-ba/chuc-danh", {"contact": str(binh.id), "started_on": "2022-01-01"},
                    action=f"/danh-ba/chuc-danh/{post.id}/ban-giao")
    assert r.status_code == 303 and svc.current_holding(post).contact_id == binh.id
