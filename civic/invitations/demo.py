"""Demo: the ward's directory of leaders (posts per tổ dân phố, one hand-over) and an
invite-only conference with answers (one substitute) and check-ins. Idempotent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.config import fill_ward, ward_settings
from civic.extensions import db
from civic.privacy.services import ConsentGiven

CONFERENCE = "Hội nghị triển khai nhiệm vụ năm 2021"
ORGANIZER = "tochuc@phuong.example.vn"

WARD_LEADERS = [
    ("Nguyễn Văn Thành", "Bí thư Đảng ủy phường", "Đảng ủy phường", "0913100001", "bithu@phuong.example.vn"),
    ("Trần Thị Hồng Nhung", "Phó Bí thư Thường trực Đảng ủy", "Đảng ủy phường", "0913100002", "pbt@phuong.example.vn"),
    ("Lê Quang Huy", "Chủ tịch HĐND phường", "HĐND phường", "0913100003", "hdnd@phuong.example.vn"),
    ("Phạm Thị Thu Hà", "Phó Chủ tịch HĐND phường", "HĐND phường", "0913100004", None),
    ("Đỗ Mạnh Cường", "Chủ tịch UBND phường", "UBND phường", "0913100005", "chutich@phuong.example.vn"),
    ("Vũ Thị Lan", "Phó Chủ tịch UBND phường", "UBND phường", "0913100006", "pct1@phuong.example.vn"),
    ("Hoàng Minh Đức", "Phó Chủ tịch UBND phường", "UBND phường", "0913100007", "pct2@phuong.example.vn"),
    ("Bùi Thị Kim Oanh", "Chủ tịch Ủy ban MTTQ phường", "Ủy ban MTTQ phường", "0913100008", "mttq@phuong.example.vn"),
]
UNIT_LEADERS = [
    ("Ngô Văn Dũng", "Trưởng Công an phường", "Công an phường", "0913100009", "congan@phuong.example.vn"),
    ("Đặng Thị Mai", "Trạm trưởng Trạm Y tế", "Trạm Y tế phường", "0913100010", "yte@phuong.example.vn"),
    ("Dương Văn Long", "Hiệu trưởng", "Trường THCS {place}", "0913100011", "thcs@phuong.example.vn"),
    ("Đinh Thị Hạnh", "Hiệu trưởng", "Trường Tiểu học {place}", "0913100012", None),
    ("Lý Thị Thúy", "Hiệu trưởng", "Trường Mầm non Hoa Sen", "0913100013", None),
    ("Mai Xuân Bảo", "Chủ tịch Hội Cựu chiến binh", "Hội Cựu chiến binh phường", "0913100014", None),
    ("Tạ Thị Ngọc", "Chủ tịch Hội Liên hiệp Phụ nữ", "Hội LHPN phường", "0913100015", "phunu@phuong.example.vn"),
    ("Cao Duy Khánh", "Bí thư Đoàn phường", "Đoàn TNCS Hồ Chí Minh phường", "0913100016", "doan@phuong.example.vn"),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Đức", "Thu", "Minh", "Ngọc", "Quang", "Thanh"]
GIVEN = ["An", "Bình", "Châm", "Dũng", "Giang", "Hải", "Hiền", "Khoa", "Loan", "Nam", "Phúc", "Quỳnh",
         "Sơn", "Tâm", "Thắng", "Uyên", "Việt", "Yến", "Hòa", "Lộc", "Trinh", "Tuấn", "Nga", "Kiên",
         "Lâm", "Hương", "Thịnh", "Vân", "Toàn", "Nhàn", "Hưng", "Lụa", "Quân", "Chi", "Đạt", "Huệ"]
TDP_POSTS = [("Bí thư chi bộ", "Chi bộ tổ dân phố"), ("Tổ trưởng tổ dân phố", "Tổ dân phố"),
             ("Tổ phó tổ dân phố", "Tổ dân phố"), ("Trưởng ban công tác Mặt trận", "Ban CTMT tổ dân phố")]


def conference_times(now: datetime) -> tuple[datetime, datetime]:
    """(start, end) in UTC: 08:00-11:30 ward time today, or tomorrow once today's meeting is over
    (so the invitees can still answer), never the minute the demo happened to load."""
    from civic.core.timeutil import local_to_utc, to_local

    day = to_local(now).date()
    start = local_to_utc(datetime.combine(day, time(8, 0)))
    end = local_to_utc(datetime.combine(day, time(11, 30)))
    if end <= now:
        start, end = start + timedelta(days=1), end + timedelta(days=1)
    return start, end


def _person(n: int) -> str:
    return f"{FAMILY[n % 12]} {MIDDLE[(n * 5) % 8]} {GIVEN[n % 36]}"


def load_demo() -> list[str]:
    from civic.accounts.models import User
    from civic.accounts.services import get_or_create_group
    from civic.core.timeutil import utcnow
    from civic.events.models import Event
    from civic.invitations import services as svc
    from civic.invitations.models import (
        AnswerChannel,
        Contact,
        ContactGroup,
        InvitationRole,
        InvitationStatus,
    )

    organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER))
    if organizer is None:
        return [_("Invitations skipped: the organizer account %(email)s is missing.", email=ORGANIZER)]
    ward = ward_settings(current_app.config)
    existing_phones = set(db.session.scalars(sa.select(Contact.phone).where(Contact.phone.is_not(None))))
    created = 0

    def contact(name, position, unit, phone, email=None, group=None):
        nonlocal created
        e164 = "+84" + phone[1:]
        if e164 in existing_phones:
            return db.session.scalar(sa.select(Contact).where(Contact.phone == e164))
        created += 1
        existing_phones.add(e164)
        unit = fill_ward(unit, ward)
        return svc.save_contact(None, full_name=name, position=position, unit=unit, residential_group=group,
                                phone=phone, email=email)

    def group(name, post_title=None):
        found = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name == name))
        return found or svc.create_contact_group(name, post_title=post_title)

    leaders = [contact(*row) for row in WARD_LEADERS]
    units = [contact(*row) for row in UNIT_LEADERS]
    g_leaders = group("Lãnh đạo Đảng ủy – HĐND – UBND – UBMTTQ phường")
    g_units = group("Lãnh đạo đơn vị trên địa bàn")
    if not g_leaders.contacts:
        g_leaders.contacts = leaders
        g_units.contacts = units
        db.session.commit()
    post_groups = [group(title, post_title=title) for title, _unit in TDP_POSTS]

    n = 0
    for number in range(1, 13):
        tdp = get_or_create_group(f"Tổ dân phố số {number}")
        db.session.commit()
        for title, unit_prefix in TDP_POSTS:
            n += 1
            post = svc.get_or_create_post(title, tdp)
            db.session.commit()
            if svc.current_holding(post) is not None:
                continue
            holder = contact(_person(n), title, f"{unit_prefix} số {number}", f"09{number:02d}{n:06d}",
                             None, tdp.name)
            if number == 3 and title == "Tổ trưởng tổ dân phố":
                # A hand-over: the previous tổ trưởng served until the end of 2020.
                previous = contact(_person(n + 50), "Nguyên Tổ trưởng tổ dân phố", "Tổ dân phố số 3",
                                   f"0987{n:06d}", None, tdp.name)
                svc.hand_over(post, previous, date(2016, 7, 1))
                svc.hand_over(post, holder, date(2021, 1, 1), note="Bầu lại nhiệm kỳ 2021-2023")
            else:
                svc.hand_over(post, holder, date(2019, 1, 1))
    total_contacts = db.session.scalar(sa.select(sa.func.count(Contact.id)))
    report = [_("Directory contacts: %(total)s (%(new)s new)", total=total_contacts, new=created)]

    event = db.session.scalar(sa.select(Event).where(Event.title == CONFERENCE))
    new_conference = event is None
    if event is None:
        start, end = conference_times(utcnow())
        event = Event(title=CONFERENCE, slug="hoi-nghi-trien-khai-nhiem-vu-nam-2021", starts_at=start,
                      ends_at=end, venue_name="Hội trường UBND phường",
                      venue_address=ward["address"], organizer_id=organizer.id, audience="invite_only",
                      status="published",
                      description_html="<p>Tổng kết công tác năm 2020, triển khai nhiệm vụ năm 2021.</p>")
        db.session.add(event)
        db.session.commit()
        svc.add_invitees(event, group_ids=[g_leaders.id])
        # Two people chair; everyone else is a delegate (the default).
        for inv in svc.list_invitations(event):
            if inv.position in ("Bí thư Đảng ủy phường", "Chủ tịch UBND phường"):
                svc.set_role(inv, InvitationRole.CHAIR)
        svc.add_invitees(event, group_ids=[g.id for g in post_groups] + [g_units.id], role=InvitationRole.DELEGATE)
        svc.save_letter_settings(
            event, number="05/GM-UBND", participants="Thường trực Đảng ủy, HĐND, UBND, UBMTTQ phường; "
            "Bí thư chi bộ, Tổ trưởng tổ dân phố, Trưởng ban công tác Mặt trận các tổ dân phố; "
            "lãnh đạo các đơn vị trên địa bàn.",
            agenda="1. Báo cáo kết quả thực hiện nhiệm vụ năm 2020.\n2. Triển khai nhiệm vụ năm 2021.\n"
                   "3. Khen thưởng các tập thể, cá nhân tiêu biểu.",
            contact_person="Đ/c Phạm Văn Hùng, Văn phòng UBND phường, 0243 856 1234",
            signer_title="TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", signer_name="Đỗ Mạnh Cường")
        invs = svc.list_invitations(event)
        for i, inv in enumerate(invs):
            if i % 5 == 0:
                svc.answer(inv, InvitationStatus.ATTEND, via=AnswerChannel.PHONE, recorded_by=organizer)
            elif i % 7 == 1:
                svc.answer(inv, InvitationStatus.DECLINE, reason="Đi công tác", via=AnswerChannel.LINK)
            elif i % 3 == 0:
                svc.answer(inv, InvitationStatus.ATTEND, via=AnswerChannel.LINK)
        substitute = next(i for i in invs if not i.answered)
        svc.answer(substitute, InvitationStatus.SUBSTITUTE, substitute_name="Nguyễn Thị Thu Trang",
                   substitute_position="Phó trưởng ban", reason="Bận công tác đột xuất", via=AnswerChannel.LINK,
                   consent=ConsentGiven())
        for inv in [i for i in invs if i.coming][:12]:
            svc.check_in(inv, organizer, "qr")
        svc.add_walk_in(event, "Trịnh Văn Kiên", "Phóng viên", "Báo Hà Nội mới", organizer)
    totals = svc.attendance_report(event)["totals"]
    report.append(_("Conference “%(title)s”: %(new)s new, %(invitees)s invitees, %(arrived)s checked in",
                    title=CONFERENCE, new=1 if new_conference else 0, invitees=len(svc.list_invitations(event)),
                    arrived=totals["attended"]))
    return report
