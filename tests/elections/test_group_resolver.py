"""Residents type their tổ dân phố loosely: "tổ 5", "TDP 05", "to dan pho 5" all mean Tổ dân phố số 5.

The groups here are created out of order, so database ids and group numbers differ: the group
with id 5 is "Tổ dân phố số 8", and "5" must still mean the group numbered 5.
"""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from tests.conftest import submit_form

NUMBERS = (12, 7, 3, 9, 8, 5)  # ids 1..6 in this order: id 5 is number 8, number 5 is id 6

VARIANTS = [
    "tổ 5", "Tổ 5", "TỔ 5", "to 5", "TDP 5", "tdp 5", "tdp05", "TDP-05", "To 05", "to05",
    "to dan pho 5", "Tổ dân phố 5", "tổ dân phố số 5", "Tổ dân phố số 05", "to dan pho so 5",
    "TO DAN PHO SO 5", "T.D.P 5", "số 5", "5", "05", "  tổ   5  ", "Tổ dân phố số 5",
    # decomposed (NFD) tone marks, as some phones send them
    "To\u0302\u0309 da\u0302n pho\u0302\u0301 5",
]


@pytest.fixture
def scrambled(app):
    from civic.accounts.services import get_or_create_group
    from civic.extensions import db

    made = {n: get_or_create_group(f"Tổ dân phố số {n}") for n in NUMBERS}
    db.session.commit()
    assert made[8].id == 5 and made[5].id != 5
    return made


@pytest.fixture
def election_5(app, scrambled):
    """An election whose polling area no. 2 covers Tổ dân phố số 5, and no. 1 covers số 8 (id 5)."""
    from civic.elections import services

    e = services.create_election(
        {"name": "Bầu cử bổ sung đại biểu HĐND phường", "polling_day": date(2027, 1, 17),
         "polls_open": time(7, 0), "polls_close": time(19, 0), "bodies": ["national_assembly"]},
        use_template=False,
    )
    for number, group in ((1, scrambled[8]), (2, scrambled[5])):
        services.save_polling_area(
            e,
            {"number": number, "station_name": f"Trường tiểu học số {number}",
             "station_address": f"Ngõ {number} phố Chùa Bộc", "map_url": "", "group_ids": [group.id]},
        )
    return e


@pytest.mark.parametrize("typed", VARIANTS)
def test_every_way_of_writing_group_5_finds_it(scrambled, typed):
    from civic.accounts.services import resolve_group

    assert resolve_group(typed).id == scrambled[5].id


def test_a_number_is_the_groups_number_before_any_id(scrambled):
    from civic.accounts.services import resolve_group

    assert resolve_group("5") == scrambled[5]
    assert resolve_group(5) == scrambled[5]  # JSON number
    assert resolve_group("8") == scrambled[8]
    # A bare number no group carries still opens an old link made with the id (id 2 is số 7).
    assert resolve_group("2") == scrambled[7]


@pytest.mark.parametrize("typed", ["tổ 55", "tổ", "Phường 5", "tổ 5a", "5 6", "", None, True, "x" * 300])
def test_unknown_group_is_a_clear_vietnamese_error(scrambled, typed):
    from civic.accounts.services import UnknownGroupError, find_group, resolve_group

    with pytest.raises(UnknownGroupError) as info:
        resolve_group(typed)
    assert info.value.status == 404
    assert "Không tìm thấy tổ dân phố" in str(info.value)
    assert find_group(typed) is None


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.mark.parametrize("typed", ["tổ 5", "TDP 05", "to dan pho 5", "5"])
def test_where_to_vote_page_reads_loose_group(client, election_5, typed):
    response = client.get(f"/bau-cu/{election_5.id}/bo-phieu-o-dau", query_string={"group": typed})
    assert response.status_code == 200
    assert "Tổ dân phố số 5 bỏ phiếu tại khu vực bỏ phiếu số 2" in _text(response)


def test_where_to_vote_page_unknown_group_is_404_beside_the_field(client, election_5):
    response = client.get(f"/bau-cu/{election_5.id}/bo-phieu-o-dau", query_string={"group": "tổ 55"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert re.search(r'<p class="error" id="group-error">Không tìm thấy tổ dân phố “tổ 55”', html)


def test_where_to_vote_page_select_offers_numbers_and_keeps_profile_group(client, election_5, scrambled, make_user, login):
    page = client.get(f"/bau-cu/{election_5.id}/bo-phieu-o-dau").get_data(as_text=True)
    assert '<option value="5">Tổ dân phố số 5</option>' in page
    login(make_user(group=scrambled[5]))
    response = client.get(f"/bau-cu/{election_5.id}/bo-phieu-o-dau")
    assert "Tổ dân phố số 5 bỏ phiếu tại khu vực bỏ phiếu số 2" in _text(response)


@pytest.mark.parametrize("typed", ["TDP 05", "5"])
def test_subscription_form_reads_loose_group(client, election_5, scrambled, typed):
    from civic.elections.models import Subscription
    from civic.extensions import db

    response = submit_form(
        client, "/bau-cu/dang-ky-nhan-tin",
        {"name": "Phạm Thu Hà", "email": "ha@example.vn", "phone": "", "group": typed, "channels": "email"},
    )
    assert response.status_code in (302, 303), _text(response)[:400]
    sub = db.session.scalar(db.select(Subscription).where(Subscription.email == "ha@example.vn"))
    assert sub.group_id == scrambled[5].id


def test_subscription_form_unknown_group_is_400_beside_the_field(client, election_5):
    response = submit_form(
        client, "/bau-cu/dang-ky-nhan-tin",
        {"email": "ha@example.vn", "phone": "", "group": "tổ 99", "channels": "email"},
    )
    assert response.status_code == 400
    assert re.search(r'<p class="error" id="group-error">Không tìm thấy tổ dân phố “tổ 99”', response.get_data(as_text=True))


@pytest.mark.parametrize("typed", ["tdp05", "Tổ dân phố 5", "5", 5])
def test_api_reads_loose_group(client, election_5, scrambled, typed):
    data = client.get(f"/api/v1/elections/{election_5.id}/where-to-vote", query_string={"group": typed}).get_json()
    assert data["group"]["id"] == scrambled[5].id and data["polling_area"]["number"] == 2
    response = client.post("/api/v1/subscriptions", json={"email": "lan@example.vn", "group": typed, "channels": ["email"]})
    assert response.status_code in (200, 201, 202), response.get_json()
    assert response.get_json()["group"]["number"] == 5


def test_api_unknown_group_is_404_in_vietnamese(client, election_5):
    response = client.get(f"/api/v1/elections/{election_5.id}/where-to-vote", query_string={"group": "tổ 55"})
    assert response.status_code == 404
    assert "Không tìm thấy tổ dân phố" in response.get_json()["error"]["message"]
    response = client.post("/api/v1/subscriptions", json={"email": "lan@example.vn", "group": 55, "channels": ["email"]})
    assert response.status_code == 404


@pytest.fixture
def meeting(app, make_user, scrambled):
    from datetime import timedelta

    from civic.core.timeutil import utcnow
    from civic.events import services

    starts = utcnow().replace(microsecond=0) + timedelta(days=7)
    return services.create_event(
        make_user(role="organizer"),
        services.EventData(title="Họp tổ dân phố số 5 quý I", starts_at=starts, ends_at=starts + timedelta(hours=2),
                           venue_name="Nhà văn hóa tổ 5", category="meeting", status="published"),
    )


def _rsvp(client, meeting, group):
    page = client.get(f"/su-kien/{meeting.id}", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(f"/su-kien/{meeting.id}/tra-loi", data={
        "csrf_token": token, "response": "yes", "name": "Vũ Thị Nga", "phone": "0912 555 666", "group": group})


@pytest.mark.parametrize("typed", ["5", "tổ 5", "TDP 05"])
def test_rsvp_form_reads_the_group_by_number(client, meeting, scrambled, typed):
    from civic.events.models import Rsvp
    from civic.extensions import db

    response = _rsvp(client, meeting, typed)
    # A recorded answer redirects (POST/redirect/GET) to the person's own answer page.
    assert response.status_code == 303, _text(response)[:300]
    assert "/cau-tra-loi/" in response.headers["Location"]
    assert db.session.scalar(db.select(Rsvp.residential_group_id)) == scrambled[5].id


def test_rsvp_form_offers_numbers_and_refuses_unknown_group(client, meeting):
    page = client.get(f"/su-kien/{meeting.id}", follow_redirects=True).get_data(as_text=True)
    assert '<option value="5">Tổ dân phố số 5</option>' in page
    response = _rsvp(client, meeting, "tổ 55")
    assert response.status_code == 422
    assert "Không tìm thấy tổ dân phố “tổ 55”" in _text(response)


def test_rsvp_api_takes_the_group_as_typed(client, meeting, scrambled):
    url = f"/api/v1/events/{meeting.id}/rsvps"
    response = client.post(url, json={"name": "Vũ Thị Nga", "phone": "0912555666", "response": "yes", "group": "tổ 5"})
    assert response.status_code in (200, 201), response.get_json()
    from civic.events.models import Rsvp
    from civic.extensions import db

    assert db.session.scalar(db.select(Rsvp.residential_group_id)) == scrambled[5].id
    response = client.post(url, json={"name": "Lê Văn Bình", "phone": "0912555777", "response": "yes", "group": "tổ 55"})
    assert response.status_code == 404
    assert "Không tìm thấy tổ dân phố" in response.get_json()["error"]["message"]


def test_register_and_profile_use_group_numbers(client, scrambled, make_user, login):
    from civic.accounts.models import User
    from civic.extensions import db

    page = client.get("/dang-ky").get_data(as_text=True)
    assert '<option value="5">Tổ dân phố số 5</option>' in page
    response = submit_form(client, "/dang-ky", {
        "email": "thu.ha@example.vn", "full_name": "Phạm Thu Hà", "password": "mat-khau-du-dai-1",
        "confirm": "mat-khau-du-dai-1", "phone": "", "group": "5"})
    assert response.status_code in (302, 303), _text(response)[:400]
    assert db.session.scalar(db.select(User).where(User.email == "thu.ha@example.vn")).residential_group_id == scrambled[5].id
    profile = client.get("/tai-khoan").get_data(as_text=True)
    assert '<option selected value="5">Tổ dân phố số 5</option>' in profile or 'value="5" selected' in profile
