"""API: campaign progress for organizers' tools."""

from __future__ import annotations

import pytest

from civic.notifications.services import Recipient, create_campaign


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "NOTIFY_EMAIL_RATE": 0}


def test_campaign_progress_api(app, client, make_user, api_token):
    me, other = make_user("organizer"), make_user("organizer")
    c = create_campaign(kind="k", topic="events", subject="Họp {n}", body_text="Chào {name}", created_by=me,
                        recipients=[Recipient(key=f"r{i}", email=f"r{i}@example.vn", context={"n": i}) for i in range(3)])
    headers = {"Authorization": f"Bearer {api_token(me)}"}
    data = client.get(f"/api/v1/campaigns/{c.id}", headers=headers).get_json()
    assert data["progress"]["counts"]["sent"] == 3 and data["progress"]["finished"] is True
    assert data["subject"] == "Họp {n}" and data["channels"] == ["email"]
    listing = client.get("/api/v1/campaigns", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [c.id]
    assert client.post(f"/api/v1/campaigns/{c.id}/retry-failed", headers=headers).get_json() == {"retried": 0}
    theirs = {"Authorization": f"Bearer {api_token(other)}"}
    missing = client.get(f"/api/v1/campaigns/{c.id}", headers=theirs)
    assert missing.status_code == 404 and missing.get_json()["error"]["message"]
    assert client.get("/api/v1/campaigns").status_code == 401
    resident = {"Authorization": f"Bearer {api_token(make_user('resident'))}"}
    assert client.get("/api/v1/campaigns", headers=resident).status_code == 403
