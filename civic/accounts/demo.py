"""Demo ward accounts: 12 tổ dân phố, ~300 residents and three officials. Idempotent.

Names are built deterministically from lists of common family, middle and given names,
so a second run produces the same people and finds them all already there.
"""

from __future__ import annotations

import random

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup, User
from civic.accounts.services import get_or_create_group, hash_password
from civic.core.permissions import Role
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import fold
from civic.core.timeutil import utcnow
from civic.extensions import db

DEMO_PASSWORD = "matkhau-demo-2021"  # noqa: S105 - printed in the README for the demo only
GROUP_COUNT = 12
RESIDENT_COUNT = 300
EMAIL_DOMAIN = "example.vn"
STAFF = [
    ("admin@phuong.example.vn", "Đỗ Minh Tuấn", Role.ADMIN),
    ("bientap@phuong.example.vn", "Lê Thị Thu Trang", Role.EDITOR),
    ("tochuc@phuong.example.vn", "Phạm Văn Hùng", Role.ORGANIZER),
]

# Roughly how often each family name occurs in a northern ward.
FAMILY = [
    ("Nguyễn", 36), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 5), ("Phan", 3),
    ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Ngô", 2), ("Dương", 2), ("Đinh", 2), ("Đào", 2),
    ("Trịnh", 1), ("Lý", 1), ("Mai", 1), ("Tạ", 1), ("Lương", 1), ("Cao", 1), ("Chu", 1),
    ("Kiều", 1), ("Hồ", 1), ("Võ", 1), ("Tô", 1), ("Hà", 1), ("Nghiêm", 1),
]
MALE_MIDDLE = ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Ngọc", "Xuân", "Mạnh",
               "Công", "Duy", "Trung", "Hoàng", "Gia", "Anh", "Quốc", "Tiến", "Bá", "Đình"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Bích", "Thúy", "Hồng",
                 "Mai", "Diệu", "Kim", "Khánh", "Hải", "Thùy", "Quỳnh", "Lan"]
FEMALE_SECOND = ["Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng", "Bích", "Kim"]
MALE_GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khoa", "Khánh", "Long",
              "Minh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Thành", "Trung", "Tùng", "Tuấn",
              "Việt", "Vinh", "Duy", "Lâm", "Nghĩa", "Toàn", "Hưng", "Kiên", "Thịnh", "Đức", "Hòa",
              "Tiến", "Giang", "Quang", "Khôi", "Bảo", "Lộc"]
FEMALE_GIVEN = ["Anh", "Châm", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
                "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc",
                "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thủy", "Trang", "Trinh", "Uyên",
                "Vân", "Yến", "Nhàn", "Thư", "Vy", "Huệ", "Lụa", "Xuân"]
# Mobile prefixes in use by Viettel, VinaPhone, MobiFone, Vietnamobile.
MOBILE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "032", "033",
                   "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079", "081",
                   "082", "083", "084", "085", "056", "058"]


def group_names() -> list[str]:
    return [f"Tổ dân phố số {n}" for n in range(1, GROUP_COUNT + 1)]


def _phone(rng: random.Random) -> str:
    while True:
        raw = rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(7))
        try:
            return normalize_phone(raw)
        except InvalidPhone:
            continue


def demo_residents() -> list[dict]:
    """The same ~300 residents every time: name, email, phone (or None), group number."""
    rng = random.Random(20210523)  # election day 2021
    families = [name for name, _w in FAMILY]
    weights = [w for _n, w in FAMILY]
    # Older, larger tổ dân phố have more residents.
    group_weights = [9, 8, 8, 7, 7, 9, 6, 8, 10, 7, 6, 8]
    people = []
    for i in range(1, RESIDENT_COUNT + 1):
        family = rng.choices(families, weights)[0]
        if rng.random() < 0.52:
            middle = rng.choice(FEMALE_MIDDLE)
            if middle == "Thị" and rng.random() < 0.2:
                middle = f"Thị {rng.choice(FEMALE_SECOND)}"
            given = rng.choice(FEMALE_GIVEN)
        else:
            middle = rng.choice(MALE_MIDDLE)
            given = rng.choice(MALE_GIVEN)
        if middle.split()[-1] == given:  # "Lan Lan" does not occur
            given = rng.choice(FEMALE_GIVEN if middle.startswith("Thị") or middle in FEMALE_MIDDLE else MALE_GIVEN)
            if middle.split()[-1] == given:
                middle = "Thị" if middle in FEMALE_MIDDLE else "Văn"
        full_name = f"{family} {middle} {given}"
        local = ".".join(fold(full_name).split())
        phone = _phone(rng) if rng.random() < 0.85 else None
        group = rng.choices(range(1, GROUP_COUNT + 1), group_weights)[0]
        people.append({"full_name": full_name, "email": f"{local}.{i}@{EMAIL_DOMAIN}", "phone": phone, "group": group})
    return people


def load_demo() -> list[str]:
    """Create what is missing; a second run changes nothing. Returns report lines."""
    had_groups = db.session.scalar(
        sa.select(sa.func.count()).select_from(ResidentialGroup).where(ResidentialGroup.name.in_(group_names()))
    )
    groups = {n: get_or_create_group(name) for n, name in enumerate(group_names(), start=1)}
    new_groups = len(groups) - had_groups

    staff_emails = [email for email, _n, _r in STAFF]
    residents = demo_residents()
    wanted = staff_emails + [p["email"] for p in residents]
    existing = set(db.session.scalars(sa.select(User.email).where(User.email.in_(wanted))))

    # One argon2 hash shared by every demo account: hundreds of hashes would make `civic demo` slow.
    password_hash = hash_password(DEMO_PASSWORD) if len(existing) < len(wanted) else None
    now = utcnow()
    rows = []

    def row(email, name, role, phone=None, group_id=None):
        return {
            "email": email, "full_name": name, "role": role.value, "phone": phone,
            "residential_group_id": group_id, "password_hash": password_hash, "email_verified_at": now,
            "active": True, "session_version": 1, "created_at": now, "updated_at": now,
            "search_folded": f"{fold(name)} {email}",
        }

    for email, name, role in STAFF:
        if email not in existing:
            rows.append(row(email, name, role, group_id=groups[1].id))
    for person in residents:
        if person["email"] not in existing:
            rows.append(row(person["email"], person["full_name"], Role.RESIDENT, person["phone"], groups[person["group"]].id))
    if rows:
        db.session.execute(sa.insert(User), rows)
    db.session.commit()

    new_staff = sum(1 for r in rows if r["role"] != Role.RESIDENT.value)
    return [
        _("Residential groups: %(total)s (%(new)s new)", total=len(groups), new=new_groups),
        _("Residents: %(total)s (%(new)s new)", total=len(residents), new=len(rows) - new_staff),
        _("Officials: %(total)s (%(new)s new)", total=len(STAFF), new=new_staff),
        _("Demo sign-in: %(email)s, password %(password)s", email=STAFF[0][0], password=DEMO_PASSWORD),
    ]
