"""The demo ward's events: upcoming and past with answers, one full with a waiting list."""

import pytest
import sqlalchemy as sa

from civic.events import services
from civic.events.models import Event
from civic.extensions import db


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_demo_events(app, client):
    from civic.accounts import demo as accounts_demo
    from civic.events import demo

    accounts_demo.load_demo()
    demo.load_demo()
    events = db.session.scalars(sa.select(Event)).all()
    upcoming = [e for e in events if not e.is_past]
    past = [e for e in events if e.is_past]
    assert len(upcoming) >= 4 and len(past) >= 2
    assert all(services.counts(e)["confirmed"]["answers"] > 0 for e in events)
    full = [e for e in upcoming if e.capacity and services.seats_left(e) == 0]
    assert full and services.counts(full[0])["waitlisted"]["answers"] > 0
    assert all(e.organizer.email == "tochuc@phuong.example.vn" for e in events)
    demo.load_demo()  # idempotent
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == len(events)
    assert client.get(f"/su-kien/{full[0].id}-{full[0].slug}").status_code == 200
