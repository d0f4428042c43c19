"""Object-level access (an organizer sees only their own events' answers), tokens bound to one
event/invitee, and file routes that cannot leave the data directory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.core.permissions import rule_for
from civic.privacy.services import ConsentGiven


@pytest.fixture
def two_events(app, make_user):
    """Organizer A's event with a guest's answer, and organizer B's event with another."""
    from civic.core.timeutil import utcnow
    from civic.events import services as ev
    from civic.extensions import db

    a, b = make_user(role="organizer"), make_user(role="organizer")
    start = utcnow() + timedelta(days=7)
    events, tokens = [], []
    for organizer, title, guest in ((a, "Họp tổ 1", "lan@example.vn"), (b, "Họp tổ 2", "hung@example.vn")):
        event = ev.create_event(organizer, ev.EventData(title=title, starts_at=start, ends_at=start + timedelta(hours=2),
                                                        venue_name="Nhà văn hóa", status="published"))
        db.session.commit()
        result = ev.answer_event(event, ev.Answer(response="yes", name="Khách " + guest, email=guest), notify=False, consent=ConsentGiven())
        db.session.commit()
        rsvp = getattr(result, "rsvp", result)
        with app.test_request_context():
            tokens.append(ev.make_token(rsvp))
        events.append(event.id)
    return {"a": a, "b": b, "events": events, "tokens": tokens}


def test_organizer_cannot_read_another_organizers_answers(app, sign_in, two_events, api_token):
    a = two_events["a"]
    event_a, event_b = two_events["events"]
    client = app.test_client()
    sign_in(client, a)
    own = client.get(f"/su-kien/quan-ly/{event_a}")
    assert own.status_code == 200 and "lan@example.vn" in own.get_data(as_text=True)
    pages = [f"/su-kien/quan-ly/{event_b}", f"/su-kien/quan-ly/{event_b}/tra-loi.csv",
             f"/su-kien/quan-ly/{event_b}/tra-loi.xlsx", f"/su-kien/quan-ly/{event_b}/sua",
             f"/su-kien/{event_b}/giay-moi", f"/su-kien/{event_b}/diem-danh", f"/su-kien/{event_b}/danh-sach-ky"]
    known = {r.rule for r in app.url_map.iter_rules()}
    for url in pages:
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert "hung@example.vn" not in response.get_data(as_text=True), url
    # The API applies the same rule to tokens.
    token_a = api_token(a)
    headers = {"Authorization": f"Bearer {token_a}"}
    for url in (f"/api/v1/events/{event_b}/rsvps", f"/api/v1/events/{event_b}/invitations"):
        if not any(url.startswith(r.split("<")[0]) for r in known if r.startswith("/api/v1/events/<")):
            continue
        response = client.get(url, headers=headers)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert "hung@example.vn" not in response.get_data(as_text=True)
    own_api = client.get(f"/api/v1/events/{event_a}/rsvps", headers=headers)
    assert own_api.status_code == 200 and "lan@example.vn" in own_api.get_data(as_text=True)


def test_rsvp_link_works_only_for_its_own_event(app, client, two_events):
    event_a, event_b = two_events["events"]
    token_a, token_b = two_events["tokens"]
    assert client.get(f"/su-kien/{event_a}/cau-tra-loi/{token_a}").status_code == 200
    for url in (f"/su-kien/{event_b}/cau-tra-loi/{token_a}", f"/su-kien/{event_a}/cau-tra-loi/{token_b}",
                f"/su-kien/{event_a}/cau-tra-loi/{token_a[:-2]}xx", f"/su-kien/{event_a}/cau-tra-loi/{token_a}x"):
        response = client.get(url)
        assert response.status_code in (400, 403, 404, 410), (url, response.status_code)
        assert "lan@example.vn" not in response.get_data(as_text=True)


def test_invitation_token_is_bound_to_one_invitee(client):
    """An unknown or tampered invitation token opens nothing (page and API)."""
    for token in ("khong-ton-tai", "a" * 40, "../../etc/passwd"):
        response = client.get(f"/giay-moi/{token}")
        assert response.status_code in (400, 403, 404, 410), (token, response.status_code)
        api = client.post(f"/api/v1/invitations/{token}/response", json={"response": "yes"})
        assert api.status_code in (400, 403, 404, 410, 422), (token, api.status_code)


TRAVERSALS = [
    "../secret.txt", "../../secret.txt", "..%2Fsecret.txt", "%2e%2e/secret.txt", "%2e%2e%2fsecret.txt",
    "....//secret.txt", "..\\secret.txt", "/etc/passwd", "%2Fetc%2Fpasswd", "a/../../secret.txt",
    "..%252Fsecret.txt", "%c0%ae%c0%ae/secret.txt", "x.png/../../secret.txt", "../secret.png",
]


def test_file_routes_cannot_escape_the_data_directory(app, client, sec, make_user, sign_in):
    """Every route taking a path (media, covers, outbox) refuses traversal, as anyone and as admin."""
    from pathlib import Path

    data_dir = Path(app.config["CIVIC_DATA_DIR"])
    secret = data_dir.parent / "secret.txt"
    secret.write_text("BI-MAT-KHONG-DUOC-LO")
    (data_dir.parent / "secret.png").write_text("BI-MAT-KHONG-DUOC-LO")
    admin = make_user(role="admin")
    admin_client = app.test_client()
    sign_in(admin_client, admin)
    path_rules = [r for r in sec.app_rules(app) if any(type(c).__name__ == "PathConverter"
                                                       for c in r._converters.values()) and "GET" in r.methods]
    path_rules.append(next(r for r in app.url_map.iter_rules() if r.endpoint == "static"))
    assert path_rules
    problems = []
    for rule in path_rules:
        prefix = rule.rule.split("<")[0]
        for payload in TRAVERSALS:
            for who in (client, admin_client):
                response = who.get(prefix + payload)
                body = response.get_data()
                if b"BI-MAT-KHONG-DUOC-LO" in body or b"root:x:0" in body:
                    problems.append(f"{prefix}{payload} leaked a file outside the data directory")
                elif response.status_code >= 500:
                    problems.append(f"{prefix}{payload} answered {response.status_code}")
    assert not problems, "\n".join(problems)
    access = [rule_for(app.view_functions[r.endpoint]) for r in path_rules if r.endpoint != "static"]
    assert all(a is not None for a in access)


def test_uploaded_name_cannot_choose_where_it_is_stored(app):
    """The storage refuses keys that climb out or are absolute."""
    from civic.news.storage import StorageError, get_storage

    storage = get_storage()
    for key in ("../x.png", "/etc/passwd", "a/../../x.png", "..\\x.png"):
        with pytest.raises((StorageError, ValueError)):
            storage.path(key) if hasattr(storage, "path") else storage.read(key)
