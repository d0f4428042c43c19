"""Names, sorting, groups built from posts after a hand-over, export."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from civic.core.collation import split_full_name
from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.importer import import_contacts
from civic.invitations.models import Contact, ContactGroup
from civic.privacy.services import ConsentGiven
from tests.conftest import get_csrf


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
    svc.answer(before["Phạm Thị Ánh"], "attend", consent=ConsentGiven())
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


# --------------------------------------------------------------------------- bulk group changes


def _members(name: str) -> list[str]:
    group = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name == name))
    db.session.refresh(group)
    return sorted(c.full_name for c in group.contacts)


def test_bulk_add_and_remove_in_one_go(directory):
    ids = [directory[n].id for n in ("Lê Văn Bình", "Phạm Thị Ánh", "Nguyễn Văn An")]
    secretaries = next(g for g in svc.list_contact_groups() if g.name == "Bí thư chi bộ")
    group, added = svc.add_contacts_to_group(ids, secretaries.id)
    assert added == 2  # An was already in it
    assert _members("Bí thư chi bộ") == ["Lê Văn Bình", "Nguyễn Văn An", "Phạm Thị Ánh", "Trần Thị An"]
    assert svc.add_contacts_to_group(ids, secretaries.id)[1] == 0
    group, added = svc.add_contacts_to_group(ids, new_group_name="  Ban tổ chức   hội nghị ")
    assert (group.name, added) == ("Ban tổ chức hội nghị", 3)
    # The same name again picks that group (tone marks and case aside), it does not make a second one.
    group2, added = svc.add_contacts_to_group([directory["Hoàng Văn Ân"].id], new_group_name="ban to chuc hoi nghi")
    assert group2.id == group.id and added == 1
    group, removed = svc.remove_contacts_from_group(ids[:2] + [999_999], secretaries.id)
    assert removed == 2
    assert _members("Bí thư chi bộ") == ["Nguyễn Văn An", "Trần Thị An"]


def test_bulk_refusals_write_nothing(directory):
    ids = [directory["Lê Văn Bình"].id]
    post_group = next(g for g in svc.list_contact_groups() if g.is_post_based)
    with pytest.raises(svc.InvitationError, match="chức danh"):
        svc.add_contacts_to_group(ids, post_group.id)
    with pytest.raises(svc.InvitationError, match="Chọn"):
        svc.add_contacts_to_group(ids, None)
    with pytest.raises(svc.InvitationError, match="Đánh dấu"):
        svc.add_contacts_to_group([999_999, "x"], new_group_name="Nhóm mới")
    assert db.session.scalar(sa.select(ContactGroup.id).where(ContactGroup.name == "Nhóm mới")) is None
    with pytest.raises(svc.InvitationError):
        svc.remove_contacts_from_group(ids, None)


def _bulk(client, data: dict, url="/danh-ba"):
    return client.post("/danh-ba/nhom-hang-loat", data={"csrf_token": get_csrf(client, url), **data})


def test_directory_page_ticks_three_and_adds_them(client, login, organizer, directory):
    login(organizer)
    html = client.get("/danh-ba").get_data(as_text=True)
    assert html.count('name="contact_ids"') == len(directory)
    assert "Thêm vào nhóm" in html and "Bỏ khỏi nhóm" in html
    # A post-based group cannot take members by hand: it is not offered.
    form_part = html.split('action="/danh-ba/nhom-hang-loat"', 1)[1]
    assert "Tổ trưởng tổ dân phố</option>" not in form_part
    picked = [directory[n].id for n in ("Đỗ Minh Anh", "Hoàng Văn Ân", "Trần Thị An")]
    r = _bulk(client, {"contact_ids": picked, "group_id": "0", "new_group": "Khách mời hội nghị", "action": "add"})
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đã thêm 3 người vào nhóm" in page
    assert _members("Khách mời hội nghị") == ["Hoàng Văn Ân", "Trần Thị An", "Đỗ Minh Anh"]
    group = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name == "Khách mời hội nghị"))
    r = _bulk(client, {"contact_ids": picked[:1], "group_id": str(group.id), "action": "remove"})
    assert r.status_code == 303
    assert _members("Khách mời hội nghị") == ["Hoàng Văn Ân", "Trần Thị An"]


def test_directory_bulk_all_shown_follows_the_search(client, login, organizer, directory):
    login(organizer)
    secretaries = next(g for g in svc.list_contact_groups() if g.name == "Bí thư chi bộ")
    r = _bulk(client, {"all_shown": "y", "q": "anh", "group_id": str(secretaries.id), "action": "add"}, "/danh-ba?q=anh")
    assert r.status_code == 303 and "q=anh" in r.headers["Location"]
    assert _members("Bí thư chi bộ") == ["Nguyễn Văn An", "Phạm Thị Ánh", "Trần Thị An", "Đỗ Minh Anh"]


def test_directory_bulk_bad_input(client, login, organizer, directory):
    login(organizer)
    an = directory["Nguyễn Văn An"].id
    r = client.post("/danh-ba/nhom-hang-loat", data={"contact_ids": [an], "new_group": "Không token", "action": "add"})
    assert r.status_code == 400
    r = _bulk(client, {"group_id": "0", "action": "add", "new_group": "Nhóm trống"})
    assert r.status_code == 400 and "Đánh dấu ít nhất một người" in r.get_data(as_text=True)
    r = _bulk(client, {"contact_ids": [an, "abc"], "group_id": "abc", "action": "add"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Chọn một nhóm" in html
    assert f'value="{an}" id="pick-{an}" checked' in html  # the ticks survive the error
    post_group = next(g for g in svc.list_contact_groups() if g.is_post_based)
    r = _bulk(client, {"contact_ids": [an], "group_id": str(post_group.id), "action": "add"})
    assert r.status_code == 400 and "chức danh" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(ContactGroup.id).where(ContactGroup.name.in_(["Không token", "Nhóm trống"]))) is None
