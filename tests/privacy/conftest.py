"""Fixtures of the privacy tests: a mail outbox in memory, an organizer and their events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.core.timeutil import utcnow


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False, "NOTIFY_EMAIL_RATE": 0, "NOTIFY_SMS_RATE": 0}


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", full_name="Trần Thị Tổ Chức")


@pytest.fixture
def make_event(app, organizer):
    from civic.events import services

    def _make(title="Họp tổ dân phố số 3", days=10, **fields):
        starts = utcnow().replace(microsecond=0) + timedelta(days=days)
        data = services.EventData(title=title, starts_at=starts, ends_at=starts + timedelta(hours=2),
                                  venue_name="Nhà văn hóa tổ 3", venue_address="12 ngõ 5", category="meeting",
                                  status="published", **fields)
        return services.create_event(organizer, data)

    return _make
