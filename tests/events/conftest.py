"""Fixtures for the events tests: an organizer, groups and a published event factory."""

from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}


@pytest.fixture
def mails(app):
    """mails() -> the messages sent so far (the locmem outbox appears on the first send)."""
    return lambda: list(getattr(app.extensions["mailman"], "outbox", []))


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", full_name="Trần Thị Tổ Chức")


@pytest.fixture
def groups(app):
    from civic.accounts.services import get_or_create_group
    from civic.extensions import db

    made = [get_or_create_group(f"Tổ dân phố số {n}") for n in (1, 2, 3)]
    db.session.commit()
    return made


@pytest.fixture
def make_event(app, organizer):
    from civic.core.timeutil import utcnow
    from civic.events import services

    def _make(**fields):
        starts = fields.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=10))
        data = services.EventData(
            title=fields.pop("title", "Họp tổ dân phố số 3"),
            starts_at=starts,
            ends_at=fields.pop("ends_at", starts + timedelta(hours=2)),
            venue_name=fields.pop("venue_name", "Nhà văn hóa tổ 3"),
            venue_address=fields.pop("venue_address", "12 ngõ 5 phố Hàng Bông"),
            category=fields.pop("category", "meeting"),
            status=fields.pop("status", "published"),
            **fields,
        )
        return services.create_event(fields.pop("organizer", organizer), data)

    return _make
