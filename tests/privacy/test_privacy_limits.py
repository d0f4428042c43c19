"""Codes that prove an address are capped per recipient, like every public form that sends."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": True, "CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY": 2,
            "CIVIC_PUBLIC_FORM_RATE_LIMIT": "100 per minute", "NOTIFY_EMAIL_RATE": 0}


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_code_requests_are_rate_limited_per_recipient(app, client):
    from tests.conftest import get_csrf

    answers = []
    for _ in range(4):
        r = client.post("/du-lieu-ca-nhan", data={"csrf_token": get_csrf(client, "/du-lieu-ca-nhan"),
                                                 "address": "lan@example.vn"})
        answers.append((r.status_code, r.headers.get("Location")))
    sent = [m for m in getattr(app.extensions["mailman"], "outbox", []) if m.to == ["lan@example.vn"]]
    assert len(sent) == 2
    # Past the cap the page answers as before: nothing tells whether a code went out.
    assert len(set(answers)) == 1
