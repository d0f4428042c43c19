"""Fixtures of the invitations tests: an invite-only conference and a small directory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.core.timeutil import utcnow


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False, "NOTIFY_EMAIL_RATE": 0, "NOTIFY_SMS_RATE": 0}


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", email="tochuc@phuong.example.vn", full_name="Lê Thu Hà")


@pytest.fixture
def make_event(app, organizer):
    from civic.events.models import Event
    from civic.extensions import db

    def _make(title="Hội nghị triển khai nhiệm vụ năm 2021", owner=None, days=5, **fields):
        start = utcnow() + timedelta(days=days)
        event = Event(title=title, slug="hoi-nghi", starts_at=start, ends_at=start + timedelta(hours=3),
                      venue_name="Hội trường UBND phường", venue_address="Số 12 phố Hòa Bình",
                      organizer_id=(owner or organizer).id, audience="invite_only", status="published", **fields)
        db.session.add(event)
        db.session.commit()
        return event

    return _make


@pytest.fixture
def directory(app):
    """Six leaders, two groups, a post per tổ dân phố."""
    from civic.accounts.services import get_or_create_group
    from civic.extensions import db
    from civic.invitations import services as svc

    people = {}
    for name, position, unit, group, phone, email in [
        ("Nguyễn Văn An", "Bí thư chi bộ", "Chi bộ tổ 1", "Tổ dân phố số 1", "0912000001", "an@example.vn"),
        ("Trần Thị An", "Bí thư chi bộ", "Chi bộ tổ 2", "Tổ dân phố số 2", "0912000002", "tran.an@example.vn"),
        ("Lê Văn Bình", "Tổ trưởng tổ dân phố", "Tổ dân phố số 1", "Tổ dân phố số 1", "0912000003", None),
        ("Phạm Thị Ánh", "Tổ trưởng tổ dân phố", "Tổ dân phố số 2", "Tổ dân phố số 2", None, "anh@example.vn"),
        ("Đỗ Minh Anh", "Trưởng Công an phường", "Công an phường", None, "0912000005", "anh.do@example.vn"),
        ("Hoàng Văn Ân", "Hiệu trưởng", "Trường Tiểu học Hòa Bình", None, None, None),
    ]:
        people[name] = svc.save_contact(None, full_name=name, position=position, unit=unit, residential_group=group,
                                        phone=phone, email=email)
    secretaries = svc.create_contact_group("Bí thư chi bộ")
    secretaries.contacts = [people["Nguyễn Văn An"], people["Trần Thị An"]]
    db.session.commit()
    svc.create_contact_group("Tổ trưởng tổ dân phố", post_title="Tổ trưởng tổ dân phố")
    for name, group in (("Lê Văn Bình", "Tổ dân phố số 1"), ("Phạm Thị Ánh", "Tổ dân phố số 2")):
        post = svc.get_or_create_post("Tổ trưởng tổ dân phố", get_or_create_group(group))
        db.session.commit()
        svc.hand_over(post, people[name])
    return people


@pytest.fixture
def conference(directory, make_event):
    """An invite-only conference: the secretaries' group, the post-based leaders and two guests."""
    from civic.invitations import services as svc

    event = make_event()
    secretaries = next(g for g in svc.list_contact_groups() if g.name == "Bí thư chi bộ")
    leaders = next(g for g in svc.list_contact_groups() if g.is_post_based)
    svc.add_invitees(event, group_ids=[secretaries.id, leaders.id])
    svc.add_invitees(event, contact_ids=[directory["Đỗ Minh Anh"].id, directory["Hoàng Văn Ân"].id], role="khach_moi")
    return event


def inv_of(event, name):
    from civic.invitations import services as svc

    return next(i for i in svc.list_invitations(event) if i.full_name == name)
