"""The schedule editor's and the reception page's actions through the API (issue 13, part 10):
the same services as the pages, the week's optimistic lock as ``expected_version``, the pages'
roles (organizer/editor for the week, organizer for reception), and bad input refused in
Vietnamese with nothing written."""

from __future__ import annotations

from datetime import date, time

import pytest

from civic.schedule.services import reception as rec
from civic.schedule.services import weeks as svc
from tests.conftest import get_csrf

BASE = "/api/v1/schedule/2021/4"


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="bientap@phuong.example.vn", full_name="Phan Thị Biên")


@pytest.fixture
def call(client, api_token):
    """call(user, method, url, json=None) -> (status, body); user None: no token."""
    tokens = {}

    def _call(user, method, url, json=None):
        headers = {}
        if user is not None:
            tokens.setdefault(user.id, api_token(user))
            headers["Authorization"] = f"Bearer {tokens[user.id]}"
        response = client.open(url, method=method, json=json, headers=headers)
        return response.status_code, response.get_json(silent=True)

    return _call


def _item(week, content="Giao ban đầu tuần", day=date(2021, 1, 25), **kw):
    return svc.add_item(week, svc.ItemData(day=day, start=time(8), content=content, **kw), None, week.version)


def _week():
    return svc.get_week(2021, 4)


def _message(body) -> str:
    return body["error"]["message"]


def _published(week, *items):
    for content in items or ("Giao ban đầu tuần",):
        _item(_week(), content)
    svc.publish(_week(), None, _week().version, replaces_letters=False)
    return _week()


# --------------------------------------------------------------------------- weeks


def test_create_a_week_as_the_page_button_does_and_refuse_bad_weeks(app, call, editor, make_user):
    status, body = call(editor, "POST", "/api/v1/schedule", {"year": 2021, "week": 5})
    assert status == 201 and body["status"] == "draft" and body["version"] == 1
    assert svc.get_week(2021, 5).id == body["id"]
    status, body = call(editor, "POST", "/api/v1/schedule", {"year": 2021, "week": 5})
    assert status == 409 and "đã có" in _message(body)
    status, body = call(editor, "POST", "/api/v1/schedule", {})  # the coming week, as the page's button
    coming = svc.coming_week()
    assert status == 201 and (body["year"], body["week"]) == coming and svc.get_week(*coming) is not None
    for bad, code in (({"year": "2021", "week": 6}, 422), ({"year": 2021, "week": 60}, 422),
                      ({"year": 1999, "week": 6}, 422), ({"year": True, "week": 6}, 422), ([1], 400)):
        status, body = call(editor, "POST", "/api/v1/schedule", bad)
        assert status == code and _message(body), bad
    assert len(svc.list_weeks()) == 2
    assert call(make_user(role="resident"), "POST", "/api/v1/schedule", {"year": 2021, "week": 7})[0] == 403
    assert call(None, "POST", "/api/v1/schedule", {"year": 2021, "week": 7})[0] == 401
    assert svc.get_week(2021, 7) is None


def test_editors_read_the_weeks_and_a_draft_with_its_version(app, call, editor, organizer, week, make_user):
    _item(week, "Họp nội bộ", is_public=False)
    status, body = call(editor, "GET", "/api/v1/schedule")
    assert status == 200 and [(w["year"], w["week"], w["status"]) for w in body["weeks"]] == [(2021, 4, "draft")]
    status, body = call(organizer, "GET", f"{BASE}/items")
    assert status == 200 and body["version"] == _week().version and body["items"][0]["content"] == "Họp nội bộ"
    assert call(editor, "GET", "/api/v1/schedule/2021/9/items")[0] == 404
    assert call(make_user(role="resident"), "GET", f"{BASE}/items")[0] == 403
    assert call(None, "GET", "/api/v1/schedule")[0] == 401


def test_add_an_item_takes_expected_version_and_bad_input_makes_no_week(app, call, editor, week):
    body = {"expected_version": week.version, "day": "2021-01-26", "start": "14:00", "content": "Kiểm tra"}
    status, saved = call(editor, "POST", f"{BASE}/items", body)
    assert status == 201 and [i.content for i in _week().items] == ["Kiểm tra"]
    status, err = call(editor, "POST", f"{BASE}/items", body)  # the version just used: someone saved since
    assert status == 409 and "Người khác vừa thay đổi" in _message(err)
    status, err = call(editor, "POST", "/api/v1/schedule/2021/8/items", {**body, "start": 800})
    assert status == 422 and "HH:MM" in _message(err) and svc.get_week(2021, 8) is None


# --------------------------------------------------------------------------- items


def test_patch_changes_only_what_is_sent_and_returns_the_new_version(app, call, editor, week, ward):
    post = ward["posts"]["Chủ tịch UBND phường"]
    item = _item(week, place="Hội trường", chair_post_ids=[post.id], participants=[("unit", "Công an phường")])
    version = _week().version
    status, body = call(editor, "PATCH", f"{BASE}/items/{item.id}", {"expected_version": version,
                                                                     "place": "Phòng họp số 2", "start": "09:30"})
    assert status == 200 and body["version"] == version + 1 == _week().version
    stored = svc.get_item(_week(), item.id)
    assert (stored.place, stored.content, stored.session) == ("Phòng họp số 2", "Giao ban đầu tuần", "sang")
    assert [p.id for p in stored.chairs] == [post.id] and [p.text for p in stored.participants] == ["Công an phường"]
    assert body["starts_at"].startswith("2021-01-25T09:30")


def test_patch_refuses_bad_input_a_stale_version_and_unknown_items(app, call, editor, week, make_user):
    item = _item(week)
    version = _week().version
    url = f"{BASE}/items/{item.id}"
    cases = [
        ({"expected_version": version, "start": 800}, 422, "HH:MM"),
        ({"expected_version": version, "day": "26/01/2021"}, 422, "YYYY-MM-DD"),
        ({"expected_version": version, "place": ["x"]}, 422, "văn bản"),
        ({"expected_version": version, "public": "no"}, 422, "true"),
        ({"expected_version": version, "chair_post_ids": "1"}, 422, "danh sách số"),
        ({"expected_version": version, "participants": [{"post": "1"}]}, 422, "chọn"),
        ({"place": "Phòng họp số 2"}, 422, "expected_version"),
        ({"expected_version": "1", "place": "Phòng họp số 2"}, 422, "expected_version"),
        ({"expected_version": version, "end": "07:00"}, 400, "Giờ kết thúc không thể trước giờ bắt đầu"),
        ({"expected_version": version, "day": "2021-02-02"}, 400, "Ngày phải nằm trong tuần"),
        ({"expected_version": version, "content": "  "}, 400, "2.000"),
        ({"expected_version": version, "participants_legal_basis": "vi-thich"}, 400, "cơ sở pháp lý"),
        ({"expected_version": version, "chair_post_ids": [987654]}, 400, "không tồn tại"),
        ({"expected_version": version - 1, "place": "Phòng họp số 2"}, 409, "Người khác vừa thay đổi"),
    ]
    for body, code, words in cases:
        status, answer = call(editor, "PATCH", url, body)
        assert status == code and words in _message(answer), (body, status, answer)
    stored = svc.get_item(_week(), item.id)
    assert (stored.place, stored.content, _week().version) == ("", "Giao ban đầu tuần", version)
    assert call(editor, "PATCH", f"{BASE}/items/987654", {"expected_version": version})[0] == 404
    assert call(editor, "PATCH", f"/api/v1/schedule/2021/9/items/{item.id}", {"expected_version": version})[0] == 404
    assert call(make_user(role="resident"), "PATCH", url, {"expected_version": version})[0] == 403
    assert call(None, "PATCH", url, {"expected_version": version})[0] == 401


def test_delete_removes_a_draft_item_only(app, call, editor, week, make_user):
    item = _item(week)
    other = _item(_week(), "Tiếp dân")
    version = _week().version
    assert call(editor, "DELETE", f"{BASE}/items/{item.id}?expected_version=x")[0] == 422
    assert call(editor, "DELETE", f"{BASE}/items/{item.id}?expected_version={version - 1}")[0] == 409
    assert call(make_user(role="resident"), "DELETE", f"{BASE}/items/{item.id}?expected_version={version}")[0] == 403
    assert len(_week().items) == 2
    status, body = call(editor, "DELETE", f"{BASE}/items/{item.id}?expected_version={version}")
    assert status == 200 and body == {"id": item.id, "removed": True, "version": version + 1}
    assert [i.content for i in _week().items] == ["Tiếp dân"]
    assert call(editor, "DELETE", f"{BASE}/items/{item.id}?expected_version={version + 1}")[0] == 404
    published = _published(_week())
    status, body = call(editor, "DELETE", f"{BASE}/items/{other.id}?expected_version={published.version}")
    assert status == 409 and _message(body) and other.id in [i.id for i in _week().items]


def test_cancel_a_published_item_with_its_reason(app, call, organizer, week):
    row = _published(week)
    item = row.items[0]
    url = f"{BASE}/items/{item.id}/cancel"
    status, body = call(organizer, "POST", url, {"expected_version": row.version})
    assert status == 400 and "lý do" in _message(body)
    status, body = call(organizer, "POST", url, {"expected_version": row.version, "reason": 5})
    assert status == 422
    assert not svc.get_item(_week(), item.id).is_cancelled and _week().revision == 0
    status, body = call(organizer, "POST", url, {"expected_version": row.version, "reason": "Lãnh đạo đi công tác"})
    assert status == 200 and body["cancelled"] and body["version"] == _week().version and not body["removed"]
    stored = svc.get_item(_week(), item.id)
    assert stored.is_cancelled and stored.cancel_reason == "Lãnh đạo đi công tác" and _week().revision == 1
    status, body = call(organizer, "POST", url, {"expected_version": _week().version, "reason": "Lần nữa"})
    assert status == 409
    assert call(organizer, "POST", f"{BASE}/items/987654/cancel", {"expected_version": 1, "reason": "x"})[0] == 404


def test_cancelling_a_draft_item_removes_it_as_the_page_does(app, call, editor, week):
    item = _item(week)
    status, body = call(editor, "POST", f"{BASE}/items/{item.id}/cancel",
                        {"expected_version": _week().version, "reason": "Trùng lịch"})
    assert status == 200 and body["removed"] and _week().items == []


def test_add_participants_from_the_directory(app, call, editor, week, ward):
    item = _item(week)
    lan = ward["people"]["Vũ Thị Lan"]
    url = f"{BASE}/items/{item.id}/participants"
    for body, code in (({"expected_version": _week().version, "participants": [{"unit": "Công an phường"}]}, 422),
                       ({"expected_version": _week().version, "participants": {"contact": lan.id}}, 422),
                       ({"expected_version": _week().version, "participants": []}, 400),
                       ({"expected_version": _week().version, "participants": [{"contact": 987654}]}, 400),
                       ({"participants": [{"contact": lan.id}]}, 422)):
        status, answer = call(editor, "POST", url, body)
        assert status == code and _message(answer), body
    assert svc.get_item(_week(), item.id).participants == []
    status, body = call(editor, "POST", url, {"expected_version": _week().version,
                                              "participants": [{"contact": lan.id}, {"group": ward["group"].id}]})
    assert status == 200 and body["added"] == 2 and body["version"] == _week().version
    assert {(p.kind, p.contact_id or p.group_id) for p in svc.get_item(_week(), item.id).participants} == {
        ("contact", lan.id), ("group", ward["group"].id)}
    status, body = call(editor, "POST", url, {"expected_version": _week().version, "participants": [{"contact": lan.id}]})
    assert status == 409 and "Vũ Thị Lan" in _message(body)


# --------------------------------------------------------------------------- copying, recurring items


def test_copy_last_week_and_generate_recurring_items(app, call, editor, week):
    last = svc.create_week(2021, 3)
    svc.add_item(last, svc.ItemData(day=date(2021, 1, 20), start=time(8), content="Họp giao ban"), None, last.version)
    svc.save_recurring(weekday=0, start=time(7, 30), content="Giao ban lãnh đạo đầu tuần")
    status, body = call(editor, "POST", f"{BASE}/copy-last-week", {"expected_version": week.version - 1})
    assert status == 409 and _week().items == []
    status, body = call(editor, "POST", f"{BASE}/copy-last-week", {"expected_version": week.version, "item_ids": "1"})
    assert status == 422 and _week().items == []
    status, body = call(editor, "POST", f"{BASE}/copy-last-week", {"expected_version": week.version})
    assert status == 200 and body["added"] == 1 and body["version"] == _week().version
    assert [(i.day, i.content) for i in _week().items] == [(date(2021, 1, 27), "Họp giao ban")]
    status, body = call(editor, "POST", f"{BASE}/generate-recurring", {"expected_version": _week().version})
    assert status == 200 and body["added"] == 1
    assert {i.content for i in _week().items} == {"Họp giao ban", "Giao ban lãnh đạo đầu tuần"}
    status, body = call(editor, "POST", f"{BASE}/generate-recurring", {"expected_version": _week().version})
    assert status == 400 and "đã có" in _message(body)
    assert call(editor, "POST", "/api/v1/schedule/2021/9/copy-last-week", {"expected_version": 1})[0] == 404
    svc.publish(_week(), None, _week().version, replaces_letters=False)
    status, body = call(editor, "POST", f"{BASE}/copy-last-week", {"expected_version": _week().version})
    assert status == 409 and len(_week().items) == 2


# --------------------------------------------------------------------------- reception


def _rule_body(post, **kw):
    return {"post_id": post.id, "weekdays": [3], "starts_at": "07:30", "ends_at": "11:30",
            "place": "Phòng tiếp công dân", "valid_from": "2021-01-01", "holiday_policy": "next", **kw}


def test_reception_rules_create_change_delete(app, call, organizer, ward, editor):
    post = ward["posts"]["Chủ tịch UBND phường"]
    status, body = call(organizer, "POST", "/api/v1/reception/rules", _rule_body(post))
    assert status == 201 and body["weekdays"] == [3] and body["post"] == post.label
    rule_id = body["id"]
    status, body = call(organizer, "PATCH", f"/api/v1/reception/rules/{rule_id}", {"place": "Hội trường UBND"})
    assert status == 200 and rec.get_rule(rule_id).place == "Hội trường UBND" and rec.get_rule(rule_id).weekdays == "3"
    status, body = call(organizer, "GET", "/api/v1/reception/rules")
    assert status == 200 and [r["id"] for r in body["rules"]] == [rule_id]
    assert call(editor, "GET", "/api/v1/reception/rules")[0] == 403  # the page is the organizers'
    assert call(editor, "DELETE", f"/api/v1/reception/rules/{rule_id}")[0] == 403
    assert call(organizer, "PATCH", "/api/v1/reception/rules/987654", {})[0] == 404
    assert call(None, "POST", "/api/v1/reception/rules", _rule_body(post))[0] == 401
    assert call(organizer, "DELETE", f"/api/v1/reception/rules/{rule_id}")[0] == 204
    assert rec.get_rule(rule_id) is None
    assert call(organizer, "DELETE", f"/api/v1/reception/rules/{rule_id}")[0] == 404


def test_reception_rule_bad_input_writes_nothing(app, call, organizer, ward):
    post = ward["posts"]["Chủ tịch UBND phường"]
    cases = [
        (_rule_body(post, weekdays="3"), 422, "danh sách số"),
        (_rule_body(post, weekdays=[]), 400, "ít nhất một"),
        (_rule_body(post, weekdays=[7]), 400, "ít nhất một"),
        (_rule_body(post, starts_at="7h30"), 422, "HH:MM"),
        (_rule_body(post, post_id="1"), 422, "post_id"),
        (_rule_body(post, post_id=987654), 404, "không có trong danh bạ"),
        (_rule_body(post, holiday_policy="bo-qua"), 400, "ngày lễ"),
        (_rule_body(post, valid_until="2020-01-01"), 400, "hết hiệu lực"),
        ({k: v for k, v in _rule_body(post).items() if k != "valid_from"}, 400, "bắt đầu"),
    ]
    for body, code, words in cases:
        status, answer = call(organizer, "POST", "/api/v1/reception/rules", body)
        assert status == code and words in _message(answer), (body, status, answer)
    assert rec.list_rules() == []
    call(organizer, "POST", "/api/v1/reception/rules", _rule_body(post))
    status, answer = call(organizer, "POST", "/api/v1/reception/rules", _rule_body(post, starts_at="08:00"))
    assert status == 409 and len(rec.list_rules()) == 1
    rule = rec.list_rules()[0]
    status, answer = call(organizer, "PATCH", f"/api/v1/reception/rules/{rule.id}", {"ends_at": "07:00"})
    assert status == 400 and rec.get_rule(rule.id).ends_at == time(11, 30)


def test_reception_days_off(app, call, organizer, editor):
    status, body = call(organizer, "POST", "/api/v1/reception/holidays", {"day": "2031-01-02", "name": "Nghỉ bù"})
    assert status == 201 and body["day"] == "2031-01-02"
    holiday_id = body["id"]
    for bad, code in (({"day": "02/01/2031", "name": "x"}, 422), ({"name": "x"}, 422),
                      ({"day": "2031-01-03", "name": ""}, 400), ({"day": "2031-01-02", "name": "Lại"}, 409),
                      ({"day": "2031-01-01", "name": "Tết Dương lịch"}, 409)):
        status, answer = call(organizer, "POST", "/api/v1/reception/holidays", bad)
        assert status == code and _message(answer), bad
    assert [h.id for h in rec.list_extra_days()] == [holiday_id]
    status, body = call(organizer, "GET", "/api/v1/reception/holidays?from=2031-01-01")
    assert status == 200 and [h["name"] for h in body["holidays"]] == ["Nghỉ bù"]
    assert call(organizer, "GET", "/api/v1/reception/holidays?from=hom-nay")[0] == 422
    assert call(editor, "POST", "/api/v1/reception/holidays", {"day": "2031-01-05", "name": "x"})[0] == 403
    assert call(organizer, "DELETE", "/api/v1/reception/holidays/987654")[0] == 404
    assert call(organizer, "DELETE", f"/api/v1/reception/holidays/{holiday_id}")[0] == 204
    assert rec.list_extra_days() == []


def test_reception_session_moved_cancelled_and_put_back(app, call, organizer, ward, editor):
    post = ward["posts"]["Chủ tịch UBND phường"]
    rule = rec.save_rule(None, rec.RuleInput(post_id=post.id, weekdays=[3], starts_at=time(7, 30),
                                             ends_at=time(11, 30), place="Phòng tiếp công dân",
                                             valid_from=date(2021, 1, 1)))
    url = "/api/v1/reception/overrides"
    for bad, code, words in (
            ({"rule_id": rule.id, "original_on": "2031-01-08", "action": "move", "moved_to": "2031-01-10"}, 400,
             "không phải"),  # a Wednesday
            ({"rule_id": rule.id, "original_on": "2031-01-09", "action": "cancel"}, 400, "lý do"),
            ({"rule_id": rule.id, "original_on": "2031-01-09", "action": "hoan"}, 400, "hủy"),
            ({"rule_id": rule.id, "original_on": "2031-01-09", "action": "move"}, 400, "ngày"),
            ({"rule_id": str(rule.id), "original_on": "2031-01-09", "action": "move"}, 422, "rule_id"),
            ({"rule_id": 987654, "original_on": "2031-01-09", "action": "move", "moved_to": "2031-01-10"}, 404,
             "không tồn tại")):
        status, answer = call(organizer, "POST", url, bad)
        assert status == code and words in _message(answer), (bad, answer)
    assert rec.list_overrides() == []
    status, body = call(organizer, "POST", url, {"rule_id": rule.id, "original_on": "2031-01-09", "action": "move",
                                                 "moved_to": "2031-01-10", "reason": "Họp cấp trên"})
    assert status == 201 and body["moved_to"] == "2031-01-10"
    session = next(s for s in rec.sessions_between(date(2031, 1, 6), date(2031, 1, 12)))
    assert (session.status, session.on) == ("moved", date(2031, 1, 10))
    status, body = call(organizer, "GET", f"{url}?from=2031-01-01")
    assert status == 200 and [o["id"] for o in body["overrides"]] == [rec.list_overrides()[0].id]
    assert call(editor, "DELETE", f"{url}/{body['overrides'][0]['id']}")[0] == 403
    assert call(organizer, "DELETE", f"{url}/{body['overrides'][0]['id']}")[0] == 204
    assert rec.list_overrides() == [] and call(organizer, "DELETE", f"{url}/987654")[0] == 404


# --------------------------------------------------------------------------- same validation as the pages


def test_the_page_and_the_api_refuse_the_same_item_with_the_same_message(app, client, call, login, editor, week):
    item = _item(week)
    version = _week().version
    status, body = call(editor, "PATCH", f"{BASE}/items/{item.id}", {"expected_version": version, "end": "07:00"})
    message = _message(body)
    assert status == 400 and message == "Giờ kết thúc không thể trước giờ bắt đầu."
    login(editor)
    page = f"/lich-cong-tac/quan-ly/{week.id}/muc/{item.id}"
    token = get_csrf(client, page)
    response = client.post(page, data={"csrf_token": token, "version": version, "day": "2021-01-25", "start": "08:00",
                                       "end": "07:00", "content": "Giao ban đầu tuần", "is_public": "y",
                                       "participants_legal_basis": "public_duty"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert svc.get_item(_week(), item.id).ends_at is None and _week().version == version


def test_the_page_and_the_api_refuse_the_same_rule_with_the_same_message(app, client, call, login, organizer, ward):
    post = ward["posts"]["Chủ tịch UBND phường"]
    status, body = call(organizer, "POST", "/api/v1/reception/rules", _rule_body(post, ends_at="07:00"))
    message = _message(body)
    assert status == 400 and message == "Giờ kết thúc phải sau giờ bắt đầu."
    login(organizer)
    url = "/lich-tiep-cong-dan/quan-ly/lich-moi"
    token = get_csrf(client, url)
    response = client.post(url, data={"csrf_token": token, "post_id": str(post.id), "weekdays": "3",
                                      "starts_at": "07:30", "ends_at": "07:00", "place": "Phòng tiếp công dân",
                                      "valid_from": "2021-01-01", "holiday_policy": "next"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert rec.list_rules() == []
