"""Demo events around today: upcoming and past, with answers from the demo residents;
the health check is full and has a waiting list. Idempotent (an event whose title exists is kept)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup, User
from civic.config import fill_ward, ward_settings
from civic.core.timeutil import local_to_utc, local_today
from civic.events import services
from civic.events.models import Event, Rsvp, RsvpHistory, RsvpStatus
from civic.extensions import db
from civic.privacy.services import ConsentGiven

ORGANIZER_EMAIL = "tochuc@phuong.example.vn"

# (days from today, local start, hours, title, category, audience, group numbers, capacity, guests,
#  venue, address, description, answers wanted)
EVENTS = [
    (3, time(19, 30), 2, "Họp tổ dân phố số 3 quý này", "meeting", "groups", [3], None, 0,
     "Nhà văn hóa tổ dân phố số 3", "Ngõ 12 phố {place}",
     "Nội dung: tổng kết hoạt động quý, bàn phương án **sửa đường ngõ** và thu quỹ khuyến học.\n\n"
     "Đề nghị mỗi hộ cử một đại diện tham dự.", 18),
    (6, time(7, 0), 3, "Ngày Chủ nhật xanh: làm sạch ngõ xóm", "cleanup", "public", [], None, 3,
     "Sân nhà văn hóa phường", "Số 1 phố {place}",
     "Cùng nhau dọn vệ sinh ngõ xóm, phát quang cống rãnh, trồng thêm cây xanh.\n\n"
     "- Mang theo găng tay, chổi\n- Phường chuẩn bị bao tải và nước uống", 40),
    (10, time(7, 30), 4, "Khám sức khỏe miễn phí cho người cao tuổi", "health", "public", [], 20, 1,
     "Trạm y tế phường", "Số 5 phố {place}",
     "Khám tổng quát, đo huyết áp, xét nghiệm đường huyết. Số lượng có hạn: đăng ký trước.\n\n"
     "Khi đến xin mang theo căn cước và thẻ bảo hiểm y tế.", 30),
    (14, time(8, 0), 3, "Tiếp xúc cử tri với đại biểu HĐND phường", "voters", "public", [], 150, 0,
     "Hội trường UBND phường", "Số 1 phố {place}",
     "Đại biểu Hội đồng nhân dân phường tiếp xúc cử tri trước kỳ họp. Cử tri có thể gửi ý kiến trước qua tổ trưởng.", 25),
    (40, time(9, 0), 3, "Gặp mặt đầu xuân các tổ dân phố", "culture", "public", [], 200, 1,
     "Hội trường UBND phường", "Số 1 phố {place}",
     "Gặp mặt, chúc Tết các cụ cao tuổi, gia đình chính sách và đại diện các tổ dân phố.", 12),
    (-20, time(19, 30), 2, "Họp tổ dân phố số 1", "meeting", "groups", [1], None, 0,
     "Nhà văn hóa tổ dân phố số 1", "Ngõ 4 phố {place}", "Bàn kế hoạch phòng cháy chữa cháy trong khu dân cư.", 15),
    (-45, time(7, 0), 3, "Ngày Chủ nhật xanh tháng trước", "cleanup", "public", [], None, 3,
     "Sân nhà văn hóa phường", "Số 1 phố {place}", "Làm sạch các tuyến ngõ và khu vực chợ.", 35),
]


def _start(days: int, at: time) -> datetime:
    return local_to_utc(datetime.combine(local_today() + timedelta(days=days), at))


def load_demo() -> list[str]:
    organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER_EMAIL))
    residents = list(
        db.session.scalars(sa.select(User).where(User.role == "resident").order_by(User.id).limit(400))
    )
    groups = {g.number: g for g in db.session.scalars(sa.select(ResidentialGroup)) if g.number is not None}
    existing = set(db.session.scalars(sa.select(Event.title)))
    rng = random.Random(2021)
    ward = ward_settings(current_app.config)
    created = answered = 0
    for (days, at, hours, title, category, audience, group_numbers, capacity, guests, venue, address,
         description, wanted) in EVENTS:  # fmt: skip
        if title in existing:
            continue
        start = _start(days, at)
        address, description = fill_ward(address, ward), fill_ward(description, ward)
        event = Event(
            organizer=organizer, title=title, slug="", starts_at=start, ends_at=start + timedelta(hours=hours),
            status="published",
        )
        data = services.EventData(
            title=title, starts_at=start, ends_at=start + timedelta(hours=hours), description=description,
            venue_name=venue, venue_address=address, category=category, audience=audience,
            group_ids=[groups[n].id for n in group_numbers if n in groups], capacity=capacity,
            allow_guests=guests > 0, max_guests=guests, status="published",
            questions=["Ghi chú (ăn uống, đi lại)"] if category == "culture" else [],
        )
        if audience == "groups" and not data.group_ids:
            data.audience, data.group_ids = "public", []
        services.validate(data)
        services.apply(event, data)
        db.session.add(event)
        db.session.commit()
        created += 1
        pool = [u for u in residents if not group_numbers or (u.residential_group and u.residential_group.number in group_numbers)]
        people = rng.sample(pool, min(wanted, len(pool)))
        if days > 0:
            for i, user in enumerate(people):
                response = "yes" if i % 6 else rng.choice(["maybe", "no"])
                extra = rng.randint(0, guests) if guests and response == "yes" else 0
                try:
                    services.answer_event(event, services.Answer(response=response, guests=extra), user=user, notify=False,
                                          consent=ConsentGiven())
                    answered += 1
                except services.EventError:
                    db.session.rollback()
            # A few answers from people without an account.
            for i in range(3):
                try:
                    services.answer_event(
                        event,
                        services.Answer(response="yes", name=f"Khách {i + 1}", phone=f"0988{created:03d}{i:03d}",
                                        group_id=data.group_ids[0] if data.group_ids else None),
                        notify=False,
                        consent=ConsentGiven(channel="phone" if i == 2 else "web"),
                    )
                    answered += 1
                except services.EventError:
                    db.session.rollback()
        else:
            # Past events take no answers any more: record them as they were.
            for i, user in enumerate(people):
                status = RsvpStatus.CONFIRMED if i % 5 else RsvpStatus.DECLINED
                when = start - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 12))
                rsvp = Rsvp(
                    event_id=event.id, user_id=user.id, name=user.full_name, phone=user.phone, email=user.email,
                    residential_group_id=user.residential_group_id,
                    response="yes" if status == RsvpStatus.CONFIRMED else "no", status=status, guests=0,
                    answers={}, created_at=when, updated_at=when,
                )
                db.session.add(rsvp)
                db.session.flush()
                db.session.add(RsvpHistory(event_id=event.id, rsvp_id=rsvp.id, response=rsvp.response,
                                           status=status, guests=0, created_at=when))
                answered += 1
            db.session.commit()
    # What is there now (the demo's events), beside what this run added.
    demo_ids = sa.select(Event.id).where(Event.title.in_([row[3] for row in EVENTS]))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.id.in_(demo_ids)))
    answers = db.session.scalar(sa.select(sa.func.count(Rsvp.id)).where(Rsvp.event_id.in_(demo_ids)))
    waiting = db.session.scalar(sa.select(sa.func.count(Rsvp.id)).where(
        Rsvp.event_id.in_(demo_ids), Rsvp.status == RsvpStatus.WAITLISTED))
    return [
        _("Events: %(total)s (%(new)s new)", total=total, new=created),
        _("Answers to events: %(total)s (%(new)s new), on waiting lists: %(waiting)s",
          total=answers, new=answered, waiting=waiting),
    ]
