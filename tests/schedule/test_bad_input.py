"""Bad input on the schedule pages: a Vietnamese message, a 4xx, nothing half-written; and an
editor (not only an organizer) drafts the week."""

from __future__ import annotations

from datetime import date, time

import pytest

from civic.schedule.services import weeks as svc
from tests.conftest import get_csrf


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="bientap@phuong.example.vn", full_name="Phan Thị Biên")


def _form(token, version, **kw):
    base = {"csrf_token": token, "version": version, "day": "2021-01-26", "start": "14:00",
            "content": "Kiểm tra khu vực bỏ phiếu số 3", "place": "Nhà văn hóa tổ 3", "is_public": "y",
            "participants_legal_basis": "public_duty"}
    base.update(kw)
    return base


def _post(client, url, data):
    response = client.post(url, data=data)
    return response.status_code, response.get_data(as_text=True)


def test_each_bad_item_is_refused_in_vietnamese_and_nothing_is_written(client, login, editor, week, ward):
    login(editor)
    url = f"/lich-cong-tac/quan-ly/{week.id}"
    token = get_csrf(client, url)
    cases = [
        ({"day": "2021-02-02"}, 400, "Ngày phải nằm trong tuần"),
        ({"end": "13:00"}, 400, "Giờ kết thúc không thể trước giờ bắt đầu"),
        ({"chairs": "987654"}, 400, "Chức danh này không tồn tại"),
        ({"posts": "987654"}, 400, "Chức danh này không tồn tại"),
        ({"participants_legal_basis": "vi-thich"}, 400, "cơ sở pháp lý"),
    ]
    for change, code, words in cases:
        status, html = _post(client, url, _form(token, svc.get_week(2021, 4).version, **change))
        assert status == code and words in html, (change, status)
        assert "Kiểm tra khu vực bỏ phiếu số 3" in html  # the entries are kept
    assert svc.get_week(2021, 4).items == []
    status, _html = _post(client, url, _form(token, svc.get_week(2021, 4).version))
    assert status == 303 and len(svc.get_week(2021, 4).items) == 1  # an editor drafts


def test_publishing_an_empty_week_is_a_400_on_the_page(client, login, editor, week):
    login(editor)
    token = get_csrf(client, f"/lich-cong-tac/quan-ly/{week.id}")
    status, html = _post(client, f"/lich-cong-tac/quan-ly/{week.id}/ban-hanh",
                         {"csrf_token": token, "version": week.version})
    assert status == 400 and "Không thể ban hành lịch tuần chưa có mục nào" in html
    assert not svc.get_week(2021, 4).is_published


def test_a_racing_second_editor_gets_409_keeps_the_entries_and_can_save_again(client, login, editor, week):
    login(editor)
    url = f"/lich-cong-tac/quan-ly/{week.id}"
    token = get_csrf(client, url)
    stale = week.version
    svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8), content="Giao ban đầu tuần"))
    status, html = _post(client, url, _form(token, stale))
    assert status == 409 and "Người khác vừa thay đổi lịch tuần này" in html
    assert "Kiểm tra khu vực bỏ phiếu số 3" in html and "Nhà văn hóa tổ 3" in html
    fresh = svc.get_week(2021, 4).version
    assert f'value="{fresh}"' in html  # saving again (after reading the message) goes through
    status, _html = _post(client, url, _form(token, fresh))
    assert status == 303 and len(svc.get_week(2021, 4).items) == 2
    # A stale publish is refused the same way.
    status, html = _post(client, f"{url}/ban-hanh", {"csrf_token": token, "version": stale})
    assert status == 409 and "Người khác vừa thay đổi lịch tuần này" in html


def test_a_participant_already_invited_is_a_409(client, login, editor, week, ward, organizer):
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8), content="Họp Ban chỉ đạo",
                                           participants=[("group", ward["group"].id)]))
    week = svc.get_week(2021, 4)
    svc.publish(week, organizer, week.version, replaces_letters=True)
    login(editor)
    page = f"/lich-cong-tac/quan-ly/{week.id}/muc/{item.id}"
    token = get_csrf(client, page)
    version = svc.get_week(2021, 4).version
    status, html = _post(client, f"{page}/thanh-phan", {"csrf_token": token, "version": version,
                                                         "contacts": ward["people"]["Nguyễn Văn An"].id})
    assert status == 409 and "đã được mời dự mục này" in html
    status, html = _post(client, f"{page}/thanh-phan", {"csrf_token": token, "version": version,
                                                         "groups": ward["group"].id})
    assert status == 409 and "đã có trong thành phần của mục này" in html
    assert svc.get_week(2021, 4).revision == 0
    status, _html = _post(client, f"{page}/thanh-phan", {"csrf_token": token, "version": version,
                                                          "posts": ward["posts"]["Trưởng Công an phường"].id})
    assert status == 303 and svc.get_week(2021, 4).revision == 1


def test_a_resident_cannot_open_the_editor(client, login, make_user, week):
    login(make_user(role="resident", email="dan@example.vn"))
    assert client.get(f"/lich-cong-tac/quan-ly/{week.id}").status_code == 403
    assert client.get("/lich-tiep-cong-dan/quan-ly").status_code == 403
