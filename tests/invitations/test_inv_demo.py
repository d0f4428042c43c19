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
