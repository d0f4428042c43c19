"""Schedule pages: the public week, the editor (with a racing second editor), the printed
A4 page as PDF in Chromium, the .docx download, ICS and the API."""

from __future__ import annotations

import io
import re
from datetime import date, time

from civic.schedule.services import weeks as svc


def _published(organizer, ward, replaces=True):
    week = svc.create_week(2021, 4, organizer)
    svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8, 0), content="Họp Ban chỉ đạo bầu cử phường",
                                    place="Phòng họp tầng 2", preparing_unit="Văn phòng HĐND và UBND phường",
                                    chair_post_ids=[ward["posts"]["Chủ tịch UBND phường"].id],
                                    participants=[("group", ward["group"].id)]))
    svc.add_item(week, svc.ItemData(day=date(2021, 1, 28), start=time(14, 30), content="Làm việc nội bộ về nhân sự",
                                    is_public=False))
    week = svc.get_week(2021, 4)
    svc.publish(week, organizer, week.version, replaces_letters=replaces)
    return svc.get_week(2021, 4)


def test_public_week_page(client, organizer, ward):
    _published(organizer, ward)
    html = client.get("/lich-cong-tac/2021/tuan-4").get_data(as_text=True)
    assert "LỊCH LÀM VIỆC CỦA LÃNH ĐẠO ỦY BAN NHÂN DÂN" in html
    assert "(Tuần thứ 04 từ ngày 25/01/2021 đến ngày 31/01/2021)" in html
    assert "THỨ HAI (25/01/2021)" in html and "08 giờ 00’" in html and "LỊCH NÀY THAY THƯ MỜI HỌP" in html
    assert "Đỗ Mạnh Cường" in html and "Giao Văn phòng HĐND và UBND phường chuẩn bị." in html
    assert "Làm việc nội bộ về nhân sự" not in html  # internal


def test_a_draft_week_is_not_shown_to_the_public(client, organizer, week):
    svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8, 0), content="Bản nháp chưa ban hành"))
    html = client.get("/lich-cong-tac/2021/tuan-4").get_data(as_text=True)
    assert "Bản nháp chưa ban hành" not in html and "chưa được ban hành" in html
    assert client.get("/lich-cong-tac/2021/tuan-4/ban-in").status_code == 404


def test_editor_racing_another_is_told_and_keeps_the_entries(app, client, login, organizer, week):
    from tests.conftest import get_csrf

    login(organizer)
    url = f"/lich-cong-tac/quan-ly/{week.id}"
    token = get_csrf(client, url)
    stale = week.version
    svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8, 0), content="Giao ban đầu tuần"))
    form = {"csrf_token": token, "version": stale, "day": "2021-01-26", "start": "14:00",
            "content": "Kiểm tra khu vực bỏ phiếu số 3", "place": "Nhà văn hóa tổ 3", "is_public": "y"}
    response = client.post(url, data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Người khác vừa thay đổi lịch tuần này" in html and "Kiểm tra khu vực bỏ phiếu số 3" in html
    form["day"] = "2021-02-02"
    form["version"] = svc.get_week(2021, 4).version
    response = client.post(url, data=form)
    assert response.status_code == 400 and "Ngày phải nằm trong tuần" in response.get_data(as_text=True)
    form["day"], form["end"] = "2021-01-26", "13:00"
    response = client.post(url, data=form)
    assert response.status_code == 400 and "Giờ kết thúc không thể trước giờ bắt đầu" in response.get_data(as_text=True)
    assert len(svc.get_week(2021, 4).items) == 1


def test_publishing_an_empty_week_from_the_page(client, login, organizer, week):
    from tests.conftest import get_csrf

    login(organizer)
    token = get_csrf(client, f"/lich-cong-tac/quan-ly/{week.id}")
    response = client.post(f"/lich-cong-tac/quan-ly/{week.id}/ban-hanh",
                           data={"csrf_token": token, "version": week.version}, follow_redirects=True)
    assert "Không thể ban hành lịch tuần chưa có mục nào" in response.get_data(as_text=True)
    assert not svc.get_week(2021, 4).is_published


def test_docx_download_and_ics(client, organizer, ward):
    from docx import Document

    _published(organizer, ward)
    response = client.get("/lich-cong-tac/2021/tuan-4/lich-cong-tac.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert "LỊCH LÀM VIỆC CỦA LÃNH ĐẠO ỦY BAN NHÂN DÂN" in text and "Họp Ban chỉ đạo bầu cử phường" in text
    post = ward["posts"]["Chủ tịch UBND phường"]
    ics = client.get(f"/lich-cong-tac/chuc-vu/{post.id}.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in ics and "Họp Ban chỉ đạo bầu cử phường" in ics
    person = client.get(f"/lich-cong-tac/nguoi/{ward['people']['Nguyễn Văn An'].id}.ics").get_data(as_text=True)
    assert "Họp Ban chỉ đạo bầu cử phường" in person


def test_api_read_and_write(client, organizer, ward, api_token, make_user):
    week = _published(organizer, ward)
    data = client.get("/api/v1/schedule/2021/4").get_json()
    assert [i["content"] for i in data["items"]] == ["Họp Ban chỉ đạo bầu cử phường"]
    token = api_token(organizer)
    body = {"version": week.version, "day": "2021-01-29", "start": "08:00", "content": "Họp bổ sung",
            "chair_post_ids": [99999]}
    response = client.post("/api/v1/schedule/2021/4/items", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "không tồn tại" in response.get_json()["error"]["message"]
    body["chair_post_ids"] = []
    response = client.post("/api/v1/schedule/2021/4/items", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201 and response.get_json()["changed_in_revision"] == 1
    resident = api_token(make_user(role="resident", email="dan@example.vn"))
    response = client.post("/api/v1/schedule/2021/4/items", json=body, headers={"Authorization": f"Bearer {resident}"})
    assert response.status_code == 403
    assert "/schedule/{year}/{week}" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_printed_page_fits_a4_in_chromium(app, browser, live_server, organizer, ward):
    from tests.conftest import ARTIFACTS

    _published(organizer, ward)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(live_server + "/lich-cong-tac/2021/tuan-4")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "schedule-week-phone.png"), full_page=True)
    page.goto(live_server + "/lich-cong-tac/2021/tuan-4/ban-in")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    page.screenshot(path=str(ARTIFACTS / "schedule-print.png"), full_page=True)
    context.close()
    (ARTIFACTS / "schedule-print.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", pdf)
    assert box and abs(float(box.group(1)) - 595.92) < 2 and abs(float(box.group(2)) - 842.88) < 2


def test_staff_exports_with_internal_items_are_audited_public_ones_are_not(client, login, organizer, ward):
    import sqlalchemy as sa

    from civic.extensions import db
    from civic.privacy.models import AuditLog

    _published(organizer, ward)
    assert client.get("/lich-cong-tac/2021/tuan-4/lich-cong-tac.docx").status_code == 200
    assert client.get("/lich-cong-tac/2021/tuan-4/ban-in").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0
    login(organizer)
    docx = client.get("/lich-cong-tac/2021/tuan-4/lich-cong-tac.docx")
    assert docx.status_code == 200
    printed = client.get("/lich-cong-tac/2021/tuan-4/ban-in").get_data(as_text=True)
    assert "Làm việc nội bộ về nhân sự" in printed  # staff see the internal item: that is what is recorded
    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.actor_id, r.detail["rows"]) for r in rows] == [
        ("schedule_docx", organizer.id, 2), ("schedule_print", organizer.id, 2)]


def test_saving_an_item_on_the_page_keeps_what_the_form_does_not_show(client, login, organizer, week, ward):
    """The item page has no fields for a linked event or free-text participants (set through the
    API or the demo): saving the page must not drop them."""
    from datetime import datetime

    from civic.core.timeutil import local_to_utc
    from civic.events import services as ev
    from tests.conftest import get_csrf

    event = ev.create_event(organizer, ev.EventData(
        title="Hội nghị triển khai nhiệm vụ năm", starts_at=local_to_utc(datetime(2021, 1, 25, 8, 0)),
        ends_at=local_to_utc(datetime(2021, 1, 25, 11, 0)), venue_name="Hội trường UBND phường", status="published"))
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8, 0), content="Hội nghị triển khai",
                                           own_event_id=event.id,
                                           participants=[("text", "Đại diện Báo Hà Nội mới")]))
    login(organizer)
    url = f"/lich-cong-tac/quan-ly/{week.id}/muc/{item.id}"
    form = {"csrf_token": get_csrf(client, url), "version": svc.get_week(2021, 4).version, "day": "2021-01-25",
            "start": "08:30", "content": "Hội nghị triển khai", "place": "Hội trường", "is_public": "y"}
    response = client.post(url, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    kept = svc.get_item(svc.get_week(2021, 4), item.id)
    assert kept.place == "Hội trường"
    assert kept.own_event_id == event.id
    assert [(p.kind, p.text) for p in kept.participants] == [("text", "Đại diện Báo Hà Nội mới")]


def test_the_item_page_repeats_no_id(client, login, organizer, week):
    """Its "add participants" form used the item form's ids (posts, groups, contacts, version),
    so each label pointed at the other form's select."""
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8, 0), content="Giao ban đầu tuần"))
    login(organizer)
    html = client.get(f"/lich-cong-tac/quan-ly/{week.id}/muc/{item.id}").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert "adding-posts" in ids
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
