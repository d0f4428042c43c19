"""Issue 10: public forms that send messages or take places are limited (SMS pumping, filling an event)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from civic.events import services
from civic.events.models import Rsvp
from civic.extensions import db
from civic.privacy.services import ConsentGiven
from tests.conftest import get_csrf


@pytest.fixture
def app_config():
    return {
        "MAIL_BACKEND": "locmem",
        "RATELIMIT_ENABLED": True,
        "CIVIC_PUBLIC_FORM_RATE_LIMIT": "5 per minute",
        "CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY": 3,
        "CIVIC_RSVP_SEATS_PER_CLIENT": 4,
    }


def test_api_guest_answers_from_one_client_are_limited(app, client, make_event):
    event = make_event(capacity=500)
    codes = [client.post(f"/api/v1/events/{event.id}/rsvps",
                         json={"name": f"Khách {i}", "phone": f"0913{i:06d}", "response": "no"}).status_code
             for i in range(8)]
    assert codes == [201] * 5 + [429] * 3
    blocked = client.post(f"/api/v1/events/{event.id}/rsvps", json={"name": "X", "phone": "0913999999", "response": "no"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert blocked.json["error"]["code"] == 429
    assert "quá nhiều lần" in blocked.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 5


def test_rsvp_page_is_limited_with_a_vietnamese_error_page(app, client, make_event):
    event = make_event(capacity=500)
    token = get_csrf(client, f"/su-kien/{event.id}-{event.slug}")
    codes = []
    for i in range(7):
        response = client.post(f"/su-kien/{event.id}/tra-loi",
                               data={"csrf_token": token, "response": "no", "name": f"Khách {i}", "phone": f"0914{i:06d}"})
        codes.append(response.status_code)
    assert codes == [303] * 5 + [429] * 2
    assert "Retry-After" in response.headers
    html = response.get_data(as_text=True)
    assert "<html" in html and "quá nhiều lần" in html


def test_seats_one_client_takes_at_one_event_are_capped(app, client, make_event):
    event = make_event(capacity=100, allow_guests=True, max_guests=3)
    first = client.post(f"/api/v1/events/{event.id}/rsvps",
                        json={"name": "A", "phone": "0915000001", "response": "yes", "guests": 2})
    assert first.status_code == 201  # 3 seats
    second = client.post(f"/api/v1/events/{event.id}/rsvps",
                         json={"name": "B", "phone": "0915000002", "response": "yes", "guests": 1})
    assert second.status_code == 429 and "Retry-After" in second.headers  # 3 + 2 > 4
    assert "quá nhiều chỗ" in second.json["error"]["message"]
    third = client.post(f"/api/v1/events/{event.id}/rsvps", json={"name": "C", "phone": "0915000003", "response": "yes"})
    assert third.status_code == 201  # 3 + 1 = 4
    # Saying no takes no place and is still welcome.
    no = client.post(f"/api/v1/events/{event.id}/rsvps", json={"name": "D", "phone": "0915000004", "response": "no"})
    assert no.status_code == 201
    assert services.counts(event)["confirmed"]["people"] == 4
    # Another client is not affected.
    other = app.test_client()
    r = other.post(f"/api/v1/events/{event.id}/rsvps", json={"name": "E", "phone": "0915000005", "response": "yes"},
                   environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 201


def test_messages_to_one_recipient_are_capped_per_day(app, make_event, mails):
    events = [make_event(title=f"Sự kiện {i}") for i in range(5)]
    sent = []
    for i, event in enumerate(events):
        client = app.test_client()  # a new client each time: the per-client limit does not apply
        r = client.post(f"/api/v1/events/{event.id}/rsvps", json={"name": "Lan", "email": "lan@example.vn", "response": "yes"},
                        environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
        sent.append(r.status_code)
    assert sent == [201, 201, 201, 429, 429]
    assert len([m for m in mails() if "lan@example.vn" in m.to[0]]) == 3
    # The resend-link action counts against the same cap: nothing more goes out today.
    client = app.test_client()
    token = get_csrf(client, f"/su-kien/{events[0].id}-{events[0].slug}")
    r = client.post(f"/su-kien/{events[0].id}/gui-lai-duong-dan", data={"csrf_token": token, "link-email": "lan@example.vn"})
    assert r.status_code == 303
    assert len([m for m in mails() if "lan@example.vn" in m.to[0]]) == 3


def test_organizers_and_direct_service_calls_are_exempt(app, client, make_event, organizer, api_token, login):
    event = make_event(capacity=500, allow_guests=True, max_guests=5)
    # The demo loader and other code call the service directly: no limit.
    for i in range(8):
        services.answer_event(event, services.Answer(response="yes", guests=5, name=f"K{i}", phone=f"0916{i:06d}"), consent=ConsentGiven())
    # The API with an organizer's token.
    auth = {"Authorization": f"Bearer {api_token(organizer)}"}
    codes = {client.post(f"/api/v1/events/{event.id}/rsvps", headers=auth,
                         json={"name": f"T{i}", "phone": f"0917{i:06d}", "response": "yes", "guests": 5}).status_code
             for i in range(8)}
    assert codes == {201}
    # A signed-in organizer on the page.
    login(organizer)
    token = get_csrf(client, f"/su-kien/{event.id}-{event.slug}")
    for i in range(7):
        response = client.post(f"/su-kien/{event.id}/gui-lai-duong-dan", data={"csrf_token": token, "link-phone": f"0918{i:06d}"})
        assert response.status_code == 303


def test_resend_link_action_is_limited_per_client(app, client, make_event):
    event = make_event()
    token = get_csrf(client, f"/su-kien/{event.id}-{event.slug}")
    codes = [client.post(f"/su-kien/{event.id}/gui-lai-duong-dan",
                         data={"csrf_token": token, "link-phone": "0912345678"}).status_code for _ in range(7)]
    assert codes == [303] * 5 + [429] * 2


def test_subscription_confirmations_share_the_recipient_cap(app, groups):
    """The election subscription form counts against the same daily cap per address."""
    codes = []
    for i in range(5):
        client = app.test_client()
        token = get_csrf(client, "/bau-cu/dang-ky-nhan-tin")
        response = client.post("/bau-cu/dang-ky-nhan-tin", environ_base={"REMOTE_ADDR": f"10.9.0.{i + 1}"},
                               data={"csrf_token": token, "email": "Lan@Example.vn", "phone": "",
                                     "group": str(groups[0].id), "channels": "email"})
        codes.append(response.status_code)
    assert codes == [302, 302, 302, 429, 429], codes
    assert "Retry-After" in response.headers and "ngày mai" in response.get_data(as_text=True)
