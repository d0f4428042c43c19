"""The elections API: listing, one election, where to vote, subscriptions and their bad input."""

from __future__ import annotations

import sqlalchemy as sa

from civic.elections.models import Subscription
from civic.extensions import db


def test_list_and_detail(client, election):
    items = client.get("/api/v1/elections").get_json()["items"]
    assert [e["id"] for e in items] == [election.id]
    data = client.get(f"/api/v1/elections/{election.id}").get_json()
    assert data["polling_day"] == "2021-05-23"
    assert data["hours"] == {"open": "07:00", "close": "19:00"}
    assert [m["date"] for m in data["milestones"]] == ["2021-04-13", "2021-05-03", "2021-05-13", "2021-05-23"]
    areas = {a["number"]: a for a in data["polling_areas"]}
    assert [g["name"] for g in areas[2]["groups"]] == ["Tổ dân phố số 3", "Tổ dân phố số 4"]
    assert areas[1]["station_address"] == "Số 1 phố Vĩnh Phúc"


def test_unknown_election_is_json_404(client, election):
    response = client.get("/api/v1/elections/4242")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == 404


def test_where_to_vote_by_name_without_tone_marks_and_by_id(client, election, groups):
    data = client.get(f"/api/v1/elections/{election.id}/where-to-vote?group=to dan pho so 4").get_json()
    assert data["group"]["name"] == "Tổ dân phố số 4"
    assert data["polling_area"]["number"] == 2 and data["polling_area"]["station_name"] == "Nhà văn hóa số 2"
    assert data["hours"] == {"open": "07:00", "close": "19:00"}
    by_id = client.get(f"/api/v1/elections/{election.id}/where-to-vote?group={groups[4].id}").get_json()
    assert by_id["polling_area"]["number"] == 3


def test_where_to_vote_unknown_or_missing_group(client, election):
    response = client.get(f"/api/v1/elections/{election.id}/where-to-vote?group=Tổ dân phố số 88")
    assert response.status_code == 404
    assert "Tổ dân phố số 88" in response.get_json()["error"]["message"]
    assert client.get(f"/api/v1/elections/{election.id}/where-to-vote").status_code == 400


def test_subscribe_sends_a_confirmation_and_twice_does_not_duplicate(client, election, outbox):
    body = {"email": "lan@example.vn", "group": "to dan pho so 2", "channels": ["email"], "name": "Lan"}
    response = client.post("/api/v1/subscriptions", json=body)
    assert response.status_code == 202
    data = response.get_json()
    assert data["created"] is True and data["confirmation"]["email_sent"] is True
    assert data["confirmed"] == {"email": False, "sms": False}
    assert len(outbox) == 1 and "/bau-cu/xac-nhan/" in outbox[0].body
    again = client.post("/api/v1/subscriptions", json={**body, "channels": ["email"]})
    assert again.status_code in (200, 202) and again.get_json()["created"] is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1


def test_subscribe_by_sms_gives_the_code_page(client, election):
    response = client.post("/api/v1/subscriptions", json={"phone": "+84 912 345 678", "group": "3", "channels": ["sms"]})
    assert response.status_code == 202
    assert "/bau-cu/xac-nhan-sms/" in response.get_json()["sms_confirm_url"]


def test_subscribe_bad_input(client, election):
    cases = [
        ({"email": "not-an-email", "group": "1", "channels": ["email"]}, 422),
        ({"phone": "09123", "group": "1", "channels": ["sms"]}, 422),
        ({"email": "lan@example.vn", "group": "1", "channels": ["pigeon"]}, 422),
        ({"email": "lan@example.vn", "group": "1", "channels": "email"}, 400),
        ({"email": ["lan@example.vn"], "group": "1"}, 400),
        ({"email": "lan@example.vn", "group": "Tổ dân phố số 99", "channels": ["email"]}, 404),
        ({"email": "lan@example.vn", "channels": ["email"]}, 422),
    ]
    for body, code in cases:
        response = client.post("/api/v1/subscriptions", json=body)
        assert response.status_code == code, (body, response.get_json())
        assert response.get_json()["error"]["message"]
    assert client.post("/api/v1/subscriptions", data="nope", content_type="application/json").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_openapi_lists_the_election_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/elections", "/elections/{election_id}", "/elections/{election_id}/where-to-vote", "/subscriptions"):
        assert path in paths
