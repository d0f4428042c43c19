"""The demo directory and conference load, twice without duplicating anything."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from civic.extensions import db


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=False)
def test_demo_is_idempotent(app):
    from civic.accounts import demo as accounts_demo
    from civic.invitations import demo
    from civic.invitations import services as svc
    from civic.invitations.models import Contact, Invitation

    accounts_demo.load_demo()
    demo.load_demo()
    contacts = db.session.scalar(sa.select(sa.func.count(Contact.id)))
    invitations = db.session.scalar(sa.select(sa.func.count(Invitation.id)))
    assert 55 <= contacts <= 70
    demo.load_demo()
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == contacts
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == invitations
    from civic.events.models import Event

    event = db.session.scalar(sa.select(Event).where(Event.title == demo.CONFERENCE))
    totals = svc.attendance_report(event)["totals"]
    assert totals["substitutes"] == 1 and totals["attended"] >= 10 and totals["walk_ins"] == 1
    # The tổ trưởng of tổ 3 after the 2021 hand-over is on the list, the previous one is not.
    names = {i.full_name for i in svc.list_invitations(event)}
    post = next(p for p in svc.list_posts() if p.title == "Tổ trưởng tổ dân phố" and p.residential_group.number == 3)
    old, new = post.holdings
    assert new.contact.full_name in names and old.contact.full_name not in names
    # Issue 10: two people chair, the rest are delegates; the report has a row per group or post.
    invs = svc.list_invitations(event)
    assert sorted(i.position for i in invs if i.role == "chu_tri") == ["Bí thư Đảng ủy phường", "Chủ tịch UBND phường"]
    rows = [name for name, _ in svc.attendance_report(event)["by_group"]]
    assert len(rows) <= 8 and rows[-1] == "Khác"


def test_conference_is_at_a_round_hour_whenever_the_demo_loads(app):
    """08:00 ward time today while the morning meeting is not over, else 08:00 tomorrow (answers stay open)."""
    from datetime import UTC, datetime

    from civic.core.timeutil import to_local
    from civic.invitations.demo import conference_times

    for now, day in ((datetime(2026, 12, 2, 3, 41, 7, tzinfo=UTC), 2),     # 10:41 in Hà Nội
                     (datetime(2026, 12, 2, 4, 4, 0, tzinfo=UTC), 2),      # 11:04
                     (datetime(2026, 12, 2, 13, 30, 0, tzinfo=UTC), 3),    # 20:30: tomorrow
                     (datetime(2026, 12, 1, 23, 10, 0, tzinfo=UTC), 2)):   # 06:10 on the 2nd
        start, end = conference_times(now)
        local_start, local_end = to_local(start), to_local(end)
        assert (local_start.day, local_start.hour, local_start.minute, local_start.second) == (day, 8, 0, 0)
        assert (local_end.hour, local_end.minute) == (11, 30)
        assert end > now


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=False)
def test_demo_conference_starts_on_the_hour(app):
    from civic.accounts import demo as accounts_demo
    from civic.core.timeutil import to_local
    from civic.events.models import Event
    from civic.invitations import demo

    accounts_demo.load_demo()
    demo.load_demo()
    event = db.session.scalar(sa.select(Event).where(Event.title == demo.CONFERENCE))
    assert (to_local(event.starts_at).hour, to_local(event.starts_at).minute) == (8, 0)
