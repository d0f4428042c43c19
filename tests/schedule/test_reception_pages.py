"""The citizen reception schedule over HTTP: the public page, ICS, API, and the organizers'
page refusing bad input in Vietnamese with a 4xx and nothing written."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from civic.schedule.services import reception as rec
from tests.conftest import get_csrf

PLACE = "Phòng tiếp công dân, trụ sở UBND phường"


@pytest.fixture
def rule(ward):
    from civic.core.timeutil import local_today

    return rec.save_rule(None, rec.RuleInput(post_id=ward["posts"]["Chủ tịch UBND phường"].id, weekdays=[3],
                                             starts_at=time(7, 30), ends_at=time(11, 30), place=PLACE,
                                             valid_from=local_today() - timedelta(days=60), holiday_policy="skip"))


def test_public_page_ics_and_api(client, rule):
    html = client.get("/lich-tiep-cong-dan").get_data(as_text=True)
    assert "Buổi tiếp công dân sắp tới" in html and "Đỗ Mạnh Cường" in html and PLACE in html
    assert "Thứ Năm hằng tuần, 07:30–11:30" in html
    upcoming = rec.next_session()
    assert upcoming.on.strftime("%d/%m/%Y") in html
    ics = client.get("/lich-tiep-cong-dan.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "BEGIN:VTIMEZONE" in body and "TZID:Asia/Ho_Chi_Minh" in body and "Tiếp công dân" in body
    data = client.get("/api/v1/reception").get_json()
    assert data["next"]["date"] == upcoming.on.isoformat() and data["next"]["holder"] == "Đỗ Mạnh Cường"
    tet = client.get("/api/v1/reception?from=2027-02-01&to=2027-02-28", headers={"Accept-Language": "vi"}).get_json()  # Tết Đinh Mùi: 06/02/2027
    thursdays = {s["original_date"]: s for s in tet["sessions"]}
    assert thursdays["2027-02-04"]["status"] == "scheduled"
    # Mùng 1 and 2 fall on the weekend: their compensatory days are Wed 10/02 and Thu 11/02.
    assert thursdays["2027-02-11"]["status"] == "skipped" and thursdays["2027-02-11"]["date"] is None
    assert "Nghỉ bù" in thursdays["2027-02-11"]["explanation"]
    assert thursdays["2027-02-18"]["status"] == "scheduled"


def test_api_bad_dates_are_400_in_vietnamese(client):
    for query, words in [("from=31-12-2026", "YYYY-MM-DD"), ("from=2026-12-31&to=2026-12-01", "trước ngày bắt đầu"),
                         ("from=2026-01-01&to=2028-01-01", "tối đa một năm")]:
        response = client.get(f"/api/v1/reception?{query}", headers={"Accept-Language": "vi"})
        assert response.status_code == 400 and words in response.get_json()["error"]["message"], query


def test_a_tet_session_is_skipped_on_the_page(client, ward):
    rec.save_rule(None, rec.RuleInput(post_id=ward["posts"]["Phó Chủ tịch UBND phường"].id, weekdays=[4],
                                      starts_at=time(13, 30), ends_at=time(17), place=PLACE,
                                      valid_from=date(2027, 1, 1), holiday_policy="skip"))
    sessions = {s.original_on: s for s in rec.sessions_between(date(2027, 2, 1), date(2027, 2, 14))}
    assert sessions[date(2027, 2, 5)].status == rec.SKIPPED  # 30 Tết, Friday 05/02/2027


def test_the_organizers_page_refuses_bad_input(client, login, organizer, rule, ward):
    login(organizer)
    token = get_csrf(client, "/lich-tiep-cong-dan/quan-ly/lich-moi")
    base = {"csrf_token": token, "post_id": ward["posts"]["Phó Chủ tịch UBND phường"].id, "weekdays": "1",
            "starts_at": "08:00", "ends_at": "11:00", "place": PLACE, "valid_from": "2027-01-01",
            "holiday_policy": "next"}
    cases = [({"ends_at": "07:00"}, 400, "Giờ kết thúc phải sau giờ bắt đầu"),
             ({"post_id": "987654"}, 404, "Chức vụ này không có trong danh bạ lãnh đạo"),
             ({"post_id": ward["posts"]["Chủ tịch UBND phường"].id, "weekdays": "3"}, 409,
              "Lãnh đạo này đã có lịch tiếp công dân vào giờ đó"),
             ({"valid_until": "2026-01-01"}, 400, "Ngày hết hiệu lực phải từ ngày bắt đầu trở đi")]
    for change, code, words in cases:
        response = client.post("/lich-tiep-cong-dan/quan-ly/lich-moi", data={**base, **change})
        assert response.status_code == code and words in response.get_data(as_text=True), change
    assert len(rec.list_rules()) == 1
    response = client.post("/lich-tiep-cong-dan/quan-ly/ngay-nghi", data={"csrf_token": token, "day": "2027-04-30",
                                                                            "name": "Nghỉ lễ"})
    assert response.status_code == 409 and "đã là ngày nghỉ" in response.get_data(as_text=True)
    response = client.post("/lich-tiep-cong-dan/quan-ly/dieu-chinh", data={
        "csrf_token": token, "rule_id": rule.id, "original_on": "2027-03-04", "action": "cancel", "reason": ""})
    assert response.status_code == 400 and "Ghi lý do hủy" in response.get_data(as_text=True)
    assert rec.list_overrides() == [] and rec.list_extra_days() == []
    response = client.post("/lich-tiep-cong-dan/quan-ly/lich-moi", data=base)
    assert response.status_code in (302, 303) and len(rec.list_rules()) == 2
