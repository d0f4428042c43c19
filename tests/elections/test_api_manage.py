"""The editors' elections API: elections, milestones, polling areas and the reminder text, through
the same services (and so the same rules) as the editors' pages."""

from __future__ import annotations

import html
from datetime import date, time

import pytest
import sqlalchemy as sa

from civic.elections import services
from civic.elections.models import Election, Milestone, PollingArea
from civic.extensions import db
from tests.conftest import submit_form

NEW = {"name": "Bầu cử đại biểu HĐND phường nhiệm kỳ 2026–2031", "polling_day": "2026-03-15",
       "polls_open": "07:00", "polls_close": "19:00", "bodies": ["ward_council"], "what_to_bring": "Thẻ cử tri"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", full_name="Trần Thị Biên Tập")


@pytest.fixture
def editor_headers(editor, api_token):
    return bearer(api_token(editor))


@pytest.fixture
def refused_headers(make_user, api_token):
    """No token, a resident's and an organizer's: none may manage elections."""
    return [{}, bearer(api_token(make_user(role="resident"))), bearer(api_token(make_user(role="organizer")))]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def reloaded(election_id) -> Election:
    db.session.expire_all()
    return services.get_election(election_id)


def error_of(response) -> str:
    body = response.get_json()
    assert body and body["error"]["message"], response.get_data(as_text=True)[:300]
    return body["error"]["message"]


def assert_refused(client, method, url, refused_headers, json=None):
    expected = [401, 403, 403]
    got = [client.open(url, method=method, headers=h, json=json).status_code for h in refused_headers]
    assert got == expected, (method, url, got)


# --------------------------------------------------------------------------- elections


def test_editor_creates_an_election_from_the_2021_calendar(client, editor_headers, make_user, api_token):
    response = client.post("/api/v1/elections", headers=editor_headers, json={**NEW, "use_template": True})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert response.headers["Location"] == data["url"]
    stored = reloaded(data["id"])
    assert stored.name == NEW["name"] and stored.polling_day == date(2026, 3, 15)
    assert stored.bodies == ["ward_council"] and stored.what_to_bring == "Thẻ cử tri"
    assert [m.day for m in stored.milestones][0] == date(2026, 2, 3)  # as the page's template makes them
    assert stored.reminder_subject and stored.reminder_sms  # the default reminder texts
    admin = bearer(api_token(make_user(role="admin")))
    plain = client.post("/api/v1/elections", headers=admin, json={"name": "Bầu cử bổ sung", "polling_day": "2026-06-01"})
    assert plain.status_code == 201
    stored = reloaded(plain.get_json()["id"])
    assert (stored.polls_open, stored.polls_close) == (time(7, 0), time(19, 0)) and stored.milestones == []


@pytest.mark.parametrize(("body", "status"), [
    ({**NEW, "name": 5}, 400),
    ({**NEW, "polling_day": "15/03/2026"}, 400),
    ({**NEW, "polling_day": 20260315}, 400),
    ({**NEW, "polls_open": "7 giờ"}, 400),
    ({**NEW, "polls_open": "07:00+07:00"}, 400),
    ({**NEW, "bodies": "ward_council"}, 400),
    ({**NEW, "use_template": "yes"}, 400),
    ({**NEW, "colour": "red"}, 400),
    ({k: v for k, v in NEW.items() if k != "name"}, 422),
    ({k: v for k, v in NEW.items() if k != "polling_day"}, 422),
    ({**NEW, "polls_open": "19:00", "polls_close": "07:00"}, 422),
    ({**NEW, "bodies": ["senate"]}, 422),
    ({**NEW, "name": "x" * 251}, 422),
    ({**NEW, "description": "x" * 5001}, 422),
    ({**NEW, "polling_day": "0001-01-01", "use_template": True}, 422),
])
def test_bad_election_input_is_refused_with_a_message_and_nothing_written(client, editor_headers, body, status):
    response = client.post("/api/v1/elections", headers=editor_headers, json=body)
    assert response.status_code == status and error_of(response)
    assert count(Election) == 0 and count(Milestone) == 0


def test_only_editors_manage_elections(client, election, refused_headers):
    e = election.id
    calls = [("POST", "/api/v1/elections", NEW), ("PATCH", f"/api/v1/elections/{e}", {"name": "X"}),
             ("DELETE", f"/api/v1/elections/{e}", None), ("POST", f"/api/v1/elections/{e}/apply-2021-calendar", None),
             ("POST", f"/api/v1/elections/{e}/milestones", {"date": "2021-05-01"}),
             ("PATCH", f"/api/v1/elections/{e}/milestones/{election.milestones[0].id}", {"title": "X"}),
             ("DELETE", f"/api/v1/elections/{e}/milestones/{election.milestones[0].id}", None),
             ("POST", f"/api/v1/elections/{e}/areas", {"number": 9}),
             ("PATCH", f"/api/v1/elections/{e}/areas/{election.areas[0].id}", {"number": 9}),
             ("DELETE", f"/api/v1/elections/{e}/areas/{election.areas[0].id}", None),
             ("GET", f"/api/v1/elections/{e}/reminder-text", None),
             ("PUT", f"/api/v1/elections/{e}/reminder-text", {"subject": "X", "body": "X", "sms": "X"}),
             ("POST", f"/api/v1/elections/{e}/reminder-text/test", None)]
    for method, url, body in calls:
        assert_refused(client, method, url, refused_headers, body)
    stored = reloaded(e)
    assert stored.name == "Bầu cử đại biểu Quốc hội khóa XV" and len(stored.milestones) == 4 and len(stored.areas) == 3
    assert count(Election) == 1


def test_unknown_ids_are_404(client, election, editor_headers):
    e = election.id
    for method, url in [("PATCH", "/api/v1/elections/4242"), ("DELETE", "/api/v1/elections/4242"),
                        ("POST", "/api/v1/elections/4242/apply-2021-calendar"),
                        ("POST", "/api/v1/elections/4242/milestones"), ("POST", "/api/v1/elections/4242/areas"),
                        ("PATCH", f"/api/v1/elections/{e}/milestones/4242"),
                        ("DELETE", f"/api/v1/elections/{e}/milestones/4242"),
                        ("PATCH", f"/api/v1/elections/{e}/areas/4242"), ("DELETE", f"/api/v1/elections/{e}/areas/4242"),
                        ("GET", "/api/v1/elections/4242/reminder-text"),
                        ("PUT", "/api/v1/elections/4242/reminder-text"),
                        ("POST", "/api/v1/elections/4242/reminder-text/test"),
                        ("PATCH", "/api/v1/elections/65230189794900852736")]:  # beyond what the database holds
        response = client.open(url, method=method, headers=editor_headers, json={})
        assert response.status_code == 404 and error_of(response), (method, url)


def test_edit_changes_only_the_given_fields_and_moves_the_polling_day_milestone(client, election, editor_headers):
    response = client.patch(f"/api/v1/elections/{election.id}", headers=editor_headers,
                            json={"polling_day": "2021-05-30", "description": "Bầu cử sớm hơn dự kiến"})
    assert response.status_code == 200, response.get_json()
    stored = reloaded(election.id)
    assert stored.polling_day == date(2021, 5, 30) and stored.description == "Bầu cử sớm hơn dự kiến"
    assert stored.name == "Bầu cử đại biểu Quốc hội khóa XV" and stored.bodies == ["national_assembly", "city_council"]
    assert [m.day for m in stored.milestones if m.kind == "polling_day"] == [date(2021, 5, 30)]
    assert response.get_json()["description"] == "Bầu cử sớm hơn dự kiến"


def test_edit_refuses_a_polling_day_before_a_milestone(client, election, editor_headers):
    response = client.patch(f"/api/v1/elections/{election.id}", headers=editor_headers, json={"polling_day": "2021-04-01"})
    assert response.status_code == 422 and "13/04/2021" in error_of(response)
    for body in ({"name": None}, {"name": ["x"]}, {"polls_close": 19}):
        assert client.patch(f"/api/v1/elections/{election.id}", headers=editor_headers, json=body).status_code in (400, 422)
    assert reloaded(election.id).polling_day == date(2021, 5, 23)
    assert reloaded(election.id).name == "Bầu cử đại biểu Quốc hội khóa XV"


def test_delete_an_election(client, election, editor_headers):
    assert client.delete(f"/api/v1/elections/{election.id}", headers=editor_headers).status_code == 204
    assert count(Election) == 0 and count(Milestone) == 0 and count(PollingArea) == 0
    assert client.get(f"/api/v1/elections/{election.id}").status_code == 404


def test_apply_the_2021_calendar_replaces_the_milestones(client, election, editor_headers):
    services.save_milestone(election, {"kind": "other", "day": date(2021, 5, 1), "title": "Họp cử tri"})
    assert len(reloaded(election.id).milestones) == 5
    response = client.post(f"/api/v1/elections/{election.id}/apply-2021-calendar", headers=editor_headers)
    assert response.status_code == 200
    days = [m.day for m in reloaded(election.id).milestones]
    assert days == [date(2021, 4, 13), date(2021, 5, 3), date(2021, 5, 13), date(2021, 5, 23)]
    assert [m["date"] for m in response.get_json()["milestones"]] == [d.isoformat() for d in days]


# --------------------------------------------------------------------------- milestones


def test_milestones_add_change_delete(client, election, editor_headers):
    url = f"/api/v1/elections/{election.id}/milestones"
    response = client.post(url, headers=editor_headers, json={"kind": "voter_list_posted", "date": "2021-05-01",
                                                             "text": "Xem danh sách tại nhà văn hóa"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    stored = db.session.get(Milestone, created["id"])
    assert stored.day == date(2021, 5, 1) and stored.title  # the kind's name when no title is given
    changed = client.patch(f"{url}/{created['id']}", headers=editor_headers, json={"title": "Niêm yết danh sách"})
    assert changed.status_code == 200
    db.session.expire_all()
    stored = db.session.get(Milestone, created["id"])
    assert stored.title == "Niêm yết danh sách" and stored.day == date(2021, 5, 1) and stored.kind == "voter_list_posted"
    assert client.delete(f"{url}/{created['id']}", headers=editor_headers).status_code == 204
    assert db.session.get(Milestone, created["id"]) is None


@pytest.mark.parametrize(("body", "status"), [
    ({"date": "2021-05-30"}, 422),  # after polling day
    ({"kind": "polling_day", "date": "2021-05-22"}, 422),
    ({"kind": "rally", "date": "2021-05-01"}, 422),
    ({"kind": "other"}, 422),
    ({"date": "2021-05-01", "title": "x" * 201}, 422),
    ({"date": "2021-05-01", "text": "x" * 1001}, 422),
    ({"date": "1/5/2021"}, 400),
    ({"date": "2021-05-01", "title": 3}, 400),
    ({"date": "2021-05-01", "day": "2021-05-01"}, 400),
])
def test_bad_milestone_input_writes_nothing(client, election, editor_headers, body, status):
    response = client.post(f"/api/v1/elections/{election.id}/milestones", headers=editor_headers, json=body)
    assert response.status_code == status and error_of(response)
    first = election.milestones[0]
    if "date" in body:  # a change keeps the stored date: only one that names a date can break it
        changed = client.patch(f"/api/v1/elections/{election.id}/milestones/{first.id}", headers=editor_headers,
                               json=body)
        assert changed.status_code == status and error_of(changed)
    assert count(Milestone) == 4
    db.session.expire_all()
    assert db.session.get(Milestone, first.id).day == date(2021, 4, 13)


def test_a_milestone_of_another_election_is_404(client, election, editor_headers):
    other = services.create_election({"name": "Bầu cử khác", "polling_day": date(2026, 3, 15)}, use_template=True)
    url = f"/api/v1/elections/{election.id}/milestones/{other.milestones[0].id}"
    assert client.patch(url, headers=editor_headers, json={"title": "X"}).status_code == 404
    assert client.delete(url, headers=editor_headers).status_code == 404


# --------------------------------------------------------------------------- polling areas

AREA = {"number": 4, "station_name": "Trường THCS Vĩnh Phúc", "station_address": "Số 2 phố Đốc Ngữ",
        "map_url": "https://www.openstreetmap.org/", "group_ids": []}


def test_areas_add_change_delete(client, election, groups, editor_headers):
    url = f"/api/v1/elections/{election.id}/areas"
    response = client.post(url, headers=editor_headers, json={**AREA, "group_ids": [groups[5].id]})
    assert response.status_code == 201, response.get_json()
    area_id = response.get_json()["id"]
    assert services.where_to_vote(reloaded(election.id), "tổ 6").area.number == 4
    changed = client.patch(f"{url}/{area_id}", headers=editor_headers, json={"station_name": "Nhà văn hóa tổ 6",
                                                                             "map_url": None})
    assert changed.status_code == 200
    area = services.get_area(reloaded(election.id), area_id)
    assert area.station_name == "Nhà văn hóa tổ 6" and area.map_url is None and area.number == 4
    assert [link.group_id for link in area.links] == [groups[5].id]
    assert client.delete(f"{url}/{area_id}", headers=editor_headers).status_code == 204
    assert services.where_to_vote(reloaded(election.id), "tổ 6").area is None


@pytest.mark.parametrize(("change", "status"), [
    ({"group_ids": []}, 422),  # no tổ dân phố
    ({"group_ids": "first"}, 400),
    ({"number": 1}, 409),  # number 1 is taken
    ({"group_ids": "taken"}, 409),  # Tổ dân phố số 1 votes in area 1
    ({"group_ids": [987654]}, 422),
    ({"group_ids": [2**70]}, 422),
    ({"number": 0}, 422),
    ({"number": "4"}, 400),
    ({"number": True}, 400),
    ({"group_ids": ["1"]}, 400),
    ({"station_name": ""}, 422),
    ({"station_name": "x" * 201}, 422),
    ({"station_address": "x" * 301}, 422),
    ({"map_url": "javascript:alert(1)"}, 422),
    ({"map_url": "https://"}, 422),
    ({"map_url": "https://www.openstreetmap.org/" + "x" * 500}, 422),
    ({"map_url": 5}, 400),
    ({"groups": [1]}, 400),
])
def test_bad_area_input_writes_nothing(client, election, groups, editor_headers, change, status):
    body = {**AREA, "group_ids": [groups[5].id], **change}
    if body["group_ids"] == "taken":
        body["group_ids"] = [groups[5].id, groups[0].id]
    response = client.post(f"/api/v1/elections/{election.id}/areas", headers=editor_headers, json=body)
    assert response.status_code == status and error_of(response)
    second = election.areas[1]
    changed = client.patch(f"/api/v1/elections/{election.id}/areas/{second.id}", headers=editor_headers, json=body)
    assert changed.status_code == status and error_of(changed)
    assert count(PollingArea) == 3
    area = services.get_area(reloaded(election.id), second.id)
    assert area.number == 2 and area.station_name == "Nhà văn hóa số 2"
    assert [link.group_id for link in area.links] == [groups[2].id, groups[3].id]


def test_page_and_api_refuse_a_long_station_name_with_the_same_message(client, election, groups, editor,
                                                                       editor_headers, login):
    """The length was the form's alone; now the service checks it for both."""
    body = {**AREA, "station_name": "Nhà văn hóa " + "x" * 200, "group_ids": [groups[5].id]}
    api = client.post(f"/api/v1/elections/{election.id}/areas", headers=editor_headers, json=body)
    assert api.status_code == 422
    login(editor)
    page = submit_form(client, f"/bau-cu/quan-ly/{election.id}/khu-vuc/moi",
                       {**body, "number": "4", "map_url": body["map_url"], "group_ids": [str(groups[5].id)]})
    assert page.status_code == 400
    assert error_of(api) in html.unescape(page.get_data(as_text=True))
    assert count(PollingArea) == 3


# --------------------------------------------------------------------------- the reminder


def test_reminder_text_read_and_replace(client, election, editor_headers):
    url = f"/api/v1/elections/{election.id}/reminder-text"
    data = client.get(url, headers=editor_headers).get_json()
    assert data["subject"] == election.reminder_subject and "station_name" in data["placeholders"]
    assert "Nhà văn hóa số 1" in data["preview"]["body_text"] and data["preview_error"] is None
    texts = {"subject": "Nhắc lịch: {milestone}", "body": "Chào {name}, bỏ phiếu tại {station_name}.",
             "sms": "{milestone} {milestone_date}"}
    response = client.put(url, headers=editor_headers, json=texts)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["preview"]["body_text"].endswith("bỏ phiếu tại Nhà văn hóa số 1.")
    stored = reloaded(election.id)
    assert (stored.reminder_subject, stored.reminder_body, stored.reminder_sms) == (
        texts["subject"], texts["body"], texts["sms"])


@pytest.mark.parametrize(("change", "status"), [
    ({"body": "Chào {ho_ten}"}, 422),
    ({"subject": "Nhắc {"}, 422),
    ({"sms": None}, 422),
    ({"sms": ""}, 422),
    ({"sms": "x" * 481}, 422),
    ({"subject": ["x"]}, 400),
    ({"reminder_sms": "x"}, 400),
])
def test_bad_reminder_text_changes_nothing(client, election, editor_headers, change, status):
    texts = {"subject": "Nhắc lịch", "body": "Chào {name}", "sms": "{milestone}", **change}
    response = client.put(f"/api/v1/elections/{election.id}/reminder-text", headers=editor_headers, json=texts)
    assert response.status_code == status and error_of(response)
    assert reloaded(election.id).reminder_body == election.reminder_body != "Chào {name}"


def test_missing_reminder_part_is_refused(client, election, editor_headers):
    response = client.put(f"/api/v1/elections/{election.id}/reminder-text", headers=editor_headers,
                          json={"subject": "Nhắc lịch", "body": "Chào {name}"})
    assert response.status_code == 422 and error_of(response)
    assert reloaded(election.id).reminder_subject != "Nhắc lịch"


def test_test_send_goes_to_the_editor_only(client, election, editor, editor_headers, outbox):
    response = client.post(f"/api/v1/elections/{election.id}/reminder-text/test", headers=editor_headers)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["sent_to"] == editor.email
    assert len(outbox) == 1 and editor.email in outbox[0].to[0]
    election.reminder_body = "Chào {khong_co}"  # stored behind the service's back, as the page test does
    db.session.commit()
    broken = client.post(f"/api/v1/elections/{election.id}/reminder-text/test", headers=editor_headers)
    assert broken.status_code == 422 and "{khong_co}" in error_of(broken)
    assert client.get(f"/api/v1/elections/{election.id}/reminder-text",
                      headers=editor_headers).get_json()["preview_error"]
    assert len(outbox) == 1
