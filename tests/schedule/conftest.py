"""Fixtures of the schedule tests: a ward's leaders with posts, and a draft week."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False, "NOTIFY_EMAIL_RATE": 0, "NOTIFY_SMS_RATE": 0}


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", email="tochuc@phuong.example.vn", full_name="Lê Thu Hà")


@pytest.fixture
def ward(app):
    """Posts with holders: Chủ tịch, PCT, Trưởng Công an; a group of two secretaries."""
    from civic.extensions import db
    from civic.invitations import services as inv

    people = {}
    for name, position, unit, email in [
        ("Đỗ Mạnh Cường", "Chủ tịch UBND phường", "UBND phường", "chutich@example.vn"),
        ("Vũ Thị Lan", "Phó Chủ tịch UBND phường", "UBND phường", "pct@example.vn"),
        ("Ngô Văn Dũng", "Trưởng Công an phường", "Công an phường", "ca@example.vn"),
        ("Nguyễn Văn An", "Bí thư chi bộ", "Chi bộ tổ 1", "an@example.vn"),
        ("Trần Thị Bích", "Bí thư chi bộ", "Chi bộ tổ 2", "bich@example.vn"),
        ("Mai Xuân Bảo", "Chủ tịch Hội CCB", "Hội Cựu chiến binh phường", None),
    ]:
        people[name] = inv.save_contact(None, full_name=name, position=position, unit=unit, email=email,
                                        phone=None if email else "0912000099")
    posts = {}
    for title, holder in [("Chủ tịch UBND phường", "Đỗ Mạnh Cường"), ("Phó Chủ tịch UBND phường", "Vũ Thị Lan"),
                          ("Trưởng Công an phường", "Ngô Văn Dũng")]:
        posts[title] = inv.get_or_create_post(title, None)
        db.session.commit()
        inv.hand_over(posts[title], people[holder], date(2020, 1, 1))
    group = inv.create_contact_group("Bí thư chi bộ")
    group.contacts = [people["Nguyễn Văn An"], people["Trần Thị Bích"]]
    db.session.commit()
    return {"people": people, "posts": posts, "group": group}


@pytest.fixture
def week(app, organizer):
    from civic.schedule.services import weeks

    return weeks.create_week(2021, 4, organizer)  # 25/01/2021 – 31/01/2021
