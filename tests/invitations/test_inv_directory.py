"""Names, sorting, groups built from posts after a hand-over, export."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from civic.core.collation import split_full_name
from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.importer import import_contacts
from civic.invitations.models import Contact


def test_full_names_split_into_family_middle_given():
    assert split_full_name("Nguyễn Thị Minh Khai") == ("Nguyễn", "Thị Minh", "Khai")
    assert split_full_name("  Bùi   Tuấn ") == ("Bùi", "", "Tuấn")


def test_directory_sorted_by_given_name_in_vietnamese_order(directory):
    names = [c.full_name for c in svc.list_contacts()]
    # An < Anh < Ánh < Ân < Bình; same given name: by family name (Nguyễn before Trần).
    assert names == ["Nguyễn Văn An", "Trần Thị An", "Đỗ Minh Anh", "Phạm Thị Ánh", "Hoàng Văn Ân", "Lê Văn Bình"]
    an = directory["Nguyễn Văn An"]
    assert (an.family_name, an.middle_name, an.given_name) == ("Nguyễn", "Văn", "An")
    assert an.phone == "+84912000001"


def test_search_ignores_tone_marks(directory):
    assert [c.full_name for c in svc.list_contacts(q="anh")] == ["Đỗ Minh Anh", "Phạm Thị Ánh"]
    assert [c.full_name for c in svc.list_contacts(q="HOÀNG van")] == ["Hoàng Văn Ân"]


def test_post_group_reaches_current_holder_after_hand_over(directory, make_event):
    group = next(g for g in svc.list_contact_groups() if g.is_post_based)
    assert sorted(c.full_name for c, _ in svc.group_members(group)) == ["Lê Văn Bình", "Phạm Thị Ánh"]
    post = next(p for p in svc.list_posts() if p.residential_group and p.residential_group.number == 1)
    newcomer = svc.save_contact(None, full_name="Vũ Thị Giang", position="Tổ trưởng tổ dân phố",
                                residential_group="Tổ dân phố số 1", phone="0987 000 111")
    svc.hand_over(post, newcomer, date(2030, 1, 1))
    assert sorted(c.full_name for c, _ in svc.group_members(group)) == ["Phạm Thị Ánh", "Vũ Thị Giang"]
    history = [(h.contact.full_name, h.ended_on) for h in post.holdings]
    assert history[0][0] == "Lê Văn Bình" and history[0][1] == date(2030, 1, 1)
    assert history[1] == ("Vũ Thị Giang", None)
    event = make_event()
    svc.add_invitees(event, group_ids=[group.id])
    invited = {i.full_name: i.source for i in svc.list_invitations(event)}
    assert set(invited) == {"Phạm Thị Ánh", "Vũ Thị Giang"}
    assert "Tổ trưởng tổ dân phố" in invited["Vũ Thị Giang"]


def test_export_then_reimport_changes_nothing(directory):
    data = svc.export_contacts_xlsx()
    report = import_contacts(data, "danh-ba.xlsx", dry_run=True)
    assert report.count("reject") == 0
    assert report.count("unchanged") == len(directory)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == len(directory)


def test_unanswered_invitation_follows_a_later_hand_over(directory, make_event):
    group = next(g for g in svc.list_contact_groups() if g.is_post_based)
    event = make_event()
    svc.add_invitees(event, group_ids=[group.id])
    before = {i.full_name: i for i in svc.list_invitations(event)}
    old_token = before["Lê Văn Bình"].token
    svc.answer(before["Phạm Thị Ánh"], "attend")
    posts = {p.residential_group.number: p for p in svc.list_posts() if p.residential_group}
    giang = svc.save_contact(None, full_name="Vũ Thị Giang", phone="0987 000 111")
    hoa = svc.save_contact(None, full_name="Đào Thị Hoa", phone="0987 000 222")
    svc.hand_over(posts[1], giang, date(2030, 1, 1))
    svc.hand_over(posts[2], hoa, date(2030, 1, 1))
    moved = svc.follow_hand_overs(event)
    # Bình had not answered: his invitation goes to Giang. Ánh had accepted: hers stays.
    assert moved == [("Lê Văn Bình", "Vũ Thị Giang")]
    names = {i.full_name: i for i in svc.list_invitations(event)}
    assert set(names) == {"Vũ Thị Giang", "Phạm Thị Ánh"}
    assert names["Vũ Thị Giang"].token != old_token
    assert svc.invitation_by_token(old_token) is None
