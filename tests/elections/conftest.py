"""Fixtures for the elections tests: tổ dân phố, an election with areas, the mail outbox."""

from __future__ import annotations

from datetime import date, time

import pytest


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}


class _Outbox:
    """The locmem outbox, read live (Flask-Mailman creates it on the first send)."""

    def __init__(self, app):
        self.app = app

    def _list(self):
        return list(getattr(self.app.extensions["mailman"], "outbox", []))

    def __iter__(self):
        return iter(self._list())

    def __len__(self):
        return len(self._list())

    def __getitem__(self, index):
        return self._list()[index]

    def __eq__(self, other):
        return self._list() == list(other)


@pytest.fixture
def outbox(app):
    return _Outbox(app)


@pytest.fixture
def groups(app):
    from civic.accounts.services import get_or_create_group
    from civic.extensions import db

    made = [get_or_create_group(f"Tổ dân phố số {n}") for n in range(1, 7)]
    db.session.commit()
    return made


@pytest.fixture
def election(app, groups):
    """23/05/2021 with the 2021 calendar and three areas (groups 1–2, 3–4, 5); group 6 uncovered."""
    from civic.elections import services

    e = services.create_election(
        {
            "name": "Bầu cử đại biểu Quốc hội khóa XV",
            "polling_day": date(2021, 5, 23),
            "polls_open": time(7, 0),
            "polls_close": time(19, 0),
            "bodies": ["national_assembly", "city_council"],
            "what_to_bring": "Thẻ cử tri và căn cước công dân",
        },
        use_template=True,
    )
    for number, covered in ((1, groups[0:2]), (2, groups[2:4]), (3, groups[4:5])):
        services.save_polling_area(
            e,
            {
                "number": number,
                "station_name": f"Nhà văn hóa số {number}",
                "station_address": f"Số {number} phố Vĩnh Phúc",
                "map_url": "https://www.openstreetmap.org/",
                "group_ids": [g.id for g in covered],
            },
        )
    return e


@pytest.fixture
def confirmed_sub(app):
    """confirmed_sub(email, group, phone=None, name=...) -> a confirmed Subscription."""
    from civic.core.timeutil import utcnow
    from civic.elections.models import Subscription
    from civic.extensions import db

    def _make(email, group, phone=None, name="Trần Thị Lan"):
        sub = Subscription(
            email=email,
            phone=phone,
            name=name,
            group_id=group.id,
            want_email=email is not None,
            want_sms=phone is not None,
            email_confirmed_at=utcnow() if email else None,
            phone_confirmed_at=utcnow() if phone else None,
        )
        db.session.add(sub)
        db.session.commit()
        return sub

    return _make
