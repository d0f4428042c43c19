"""Demo: three weeks of the ward leaders' work schedule in January 2021 (the year's first
conference, the run-up to the election of 23/5/2021). Week 03 stands in for the invitation
letters, with answers in; week 04 has a revision that moves a meeting. Idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.extensions import db

OFFICE = "Văn phòng HĐND và UBND phường"
HALL = "Hội trường UBND phường"
ROOM = "Phòng họp tầng 2, trụ sở UBND phường"

# title -> the position of the contact (from the invitations demo) who holds it
POSTS = [("Chủ tịch UBND phường", "Chủ tịch UBND phường"), ("Phó Chủ tịch UBND phường", "Phó Chủ tịch UBND phường"),
         ("Bí thư Đảng ủy phường", "Bí thư Đảng ủy phường"), ("Chủ tịch HĐND phường", "Chủ tịch HĐND phường"),
         ("Trưởng Công an phường", "Trưởng Công an phường")]


def _item(day, h, m, content, *, chairs=(), place=ROOM, unit=OFFICE, parts=(), note="", end=None, letter=False,
          public=True):
    from civic.schedule.services.weeks import ItemData

    return ItemData(day=day, start=time(h, m), end=end, content=content, place=place, preparing_unit=unit,
                    chair_post_ids=list(chairs), participants=list(parts), participants_note=note,
                    separate_letter=letter, is_public=public)


def _posts() -> dict:
    """The leaders' posts with their holders, and the invitation groups the weeks invite."""
    from civic.invitations import services as inv
    from civic.invitations.models import Contact, ContactGroup

    posts = {}
    for title, position in POSTS:
        post = inv.get_or_create_post(title, None)
        db.session.commit()
        holder = db.session.scalar(sa.select(Contact).where(Contact.position == position).order_by(Contact.id))
        if holder is not None and inv.current_holding(post) is None:
            inv.hand_over(post, holder, date(2016, 7, 1))
        posts[title] = post.id
    leaders = db.session.scalar(sa.select(ContactGroup.id).where(ContactGroup.name.like("Lãnh đạo Đảng ủy%")))
    units = db.session.scalar(sa.select(ContactGroup.id).where(ContactGroup.name == "Lãnh đạo đơn vị trên địa bàn"))
    posts["g_leaders"] = [("group", leaders)] if leaders else []
    posts["g_units"] = [("group", units)] if units else []
    return posts


def _week2(svc, editor, posts) -> None:
    ct, pct, bt = posts["Chủ tịch UBND phường"], posts["Phó Chủ tịch UBND phường"], posts["Bí thư Đảng ủy phường"]
    g_leaders = posts["g_leaders"]
    # Week 02 (11–17/01/2021): an ordinary week.
    w2 = svc.create_week(2021, 2, editor)
    svc.generate_recurring(w2, editor, w2.version)
    w2 = svc.get_week(2021, 2)
    for data in [
        _item(date(2021, 1, 12), 14, 0, "Họp Ban chỉ đạo công tác bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp "
              "nhiệm kỳ 2021-2026 của phường: phân công nhiệm vụ các thành viên", chairs=[bt, ct], parts=g_leaders),
        _item(date(2021, 1, 13), 8, 0, "Kiểm tra công tác vệ sinh môi trường, trật tự đô thị trên các tuyến phố",
              chairs=[pct], place="Các tổ dân phố số 1, 2, 5", unit="Công chức Địa chính – Xây dựng – Đô thị",
              parts=[("post", posts["Trưởng Công an phường"])]),
        _item(date(2021, 1, 15), 14, 0, "Duyệt báo cáo tổng kết công tác năm 2020 và chương trình công tác năm 2021",
              chairs=[ct], note="Các đồng chí Phó Chủ tịch UBND; công chức Văn phòng – Thống kê"),
    ]:
        svc.add_item(w2, data, editor, w2.version)
    w2 = svc.get_week(2021, 2)
    svc.publish(w2, editor, w2.version, replaces_letters=False)



def _week3(svc, editor, posts) -> int:
    from civic.invitations import services as inv

    ct, bt = posts["Chủ tịch UBND phường"], posts["Bí thư Đảng ủy phường"]
    g_leaders, g_units = posts["g_leaders"], posts["g_units"]
    # Week 03 (18–24/01/2021): stands in for the invitation letters; answers are in.
    w3 = svc.create_week(2021, 3, editor)
    svc.generate_recurring(w3, editor, w3.version)
    w3 = svc.get_week(2021, 3)
    for data in [
        _item(date(2021, 1, 19), 8, 0, "Hội nghị tổng kết công tác năm 2020, triển khai nhiệm vụ phát triển kinh tế – "
              "xã hội, quốc phòng – an ninh năm 2021", chairs=[bt, ct], place=HALL, end=time(11, 30),
              parts=g_leaders + g_units, note="Đại diện lãnh đạo Phòng Văn hóa – Thông tin quận"),
        _item(date(2021, 1, 20), 14, 0, "Hội nghị hiệp thương lần thứ nhất thỏa thuận cơ cấu, thành phần, số lượng "
              "người được giới thiệu ứng cử đại biểu HĐND phường", chairs=[bt], place=HALL,
              unit="Ban Thường trực Ủy ban MTTQ phường", parts=g_leaders, letter=True),
        _item(date(2021, 1, 22), 8, 30, "Làm việc với Công an phường về phương án bảo đảm an ninh trật tự dịp Tết "
              "Nguyên đán Tân Sửu", chairs=[ct], parts=[("post", posts["Trưởng Công an phường"])], public=False),
    ]:
        svc.add_item(w3, data, editor, w3.version)
    w3 = svc.get_week(2021, 3)
    svc.publish(w3, editor, w3.version, replaces_letters=True)
    answered = 0
    w3 = svc.get_week(2021, 3)
    for item in w3.items:
        if item.event_id is None:
            continue
        from civic.events.services import get_event

        # The meeting is in the past: the answers are written as they came in, by link and phone.
        for i, invitation in enumerate(inv.list_invitations(get_event(item.event_id))):
            if i % 3 == 0:
                invitation.status, invitation.answered_via = "attend", "link"
            elif i % 5 == 1:
                invitation.status, invitation.reason, invitation.answered_via = "decline", "Trùng lịch họp của quận", "link"
            elif i % 7 == 2:
                invitation.status, invitation.answered_via = "substitute", "phone"
                invitation.substitute_name, invitation.substitute_position = "Nguyễn Thị Minh Thư", "Phó trưởng đơn vị"
            else:
                continue
            invitation.answered_at = item.starts_at - timedelta(days=2)
            answered += 1
    db.session.commit()

    return answered


def _week4(svc, editor, posts) -> None:
    ct, pct, bt = posts["Chủ tịch UBND phường"], posts["Phó Chủ tịch UBND phường"], posts["Bí thư Đảng ủy phường"]
    # Week 04 (25–31/01/2021): published, then a meeting moves (lần 1).
    w4 = svc.create_week(2021, 4, editor)
    svc.generate_recurring(w4, editor, w4.version)
    w4 = svc.get_week(2021, 4)
    moved = svc.add_item(w4, _item(date(2021, 1, 26), 8, 0, "Kiểm tra cơ sở vật chất, phương án bố trí các khu vực "
                                   "bỏ phiếu", chairs=[pct], place="Nhà văn hóa tổ dân phố số 4",
                                   note="Thành viên Tiểu ban An ninh, trật tự và y tế"), editor, w4.version)
    w4 = svc.get_week(2021, 4)
    svc.add_item(w4, _item(date(2021, 1, 28), 14, 0, "Gặp mặt, chúc Tết các gia đình chính sách, người có công "
                           "tiêu biểu trên địa bàn phường", chairs=[bt, ct], place=HALL,
                           unit="Công chức Lao động – Thương binh và Xã hội"), editor, w4.version)
    w4 = svc.get_week(2021, 4)
    svc.publish(w4, editor, w4.version, replaces_letters=False)
    w4 = svc.get_week(2021, 4)
    item = svc.get_item(w4, moved.id)
    svc.update_item(item, _item(date(2021, 1, 27), 14, 0, item.content, chairs=[pct], place="Trường Tiểu học phường",
                                note=item.participants_note), editor, w4.version)


def load_demo() -> list[str]:
    from civic.accounts.models import User
    from civic.schedule.services import weeks as svc

    if svc.get_week(2021, 2) is not None:
        return [_("Work schedule: already loaded")]
    editor = db.session.scalar(sa.select(User).where(User.email == "tochuc@phuong.example.vn"))
    posts = _posts()
    ct = posts["Chủ tịch UBND phường"]
    svc.save_recurring(weekday=0, start=time(7, 30), end=time(8, 30), chair_post_ids=[ct],
                       content="Giao ban lãnh đạo UBND phường đầu tuần",
                       participants_note="Các đồng chí Phó Chủ tịch UBND; công chức các bộ phận chuyên môn")
    # The chairman's Thursday citizen reception comes from the reception rule (demo_reception, loaded first).

    _week2(svc, editor, posts)
    answered = _week3(svc, editor, posts)
    _week4(svc, editor, posts)
    return [_("Work schedule: 3 weeks, %(answers)s answers to the week that stands in for the letters",
              answers=answered)]
