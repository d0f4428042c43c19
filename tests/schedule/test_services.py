"""Schedule services without HTTP: building, revisions, participants through posts, messages."""

from __future__ import annotations

from datetime import date, time

import pytest

from civic.schedule.services import ScheduleConflict, ScheduleError
from civic.schedule.services import weeks as svc


def _data(**kw):
    base = {"day": date(2021, 1, 25), "start": time(8, 0), "content": "Giao ban lãnh đạo UBND phường",
            "place": "Phòng họp tầng 2"}
    base.update(kw)
    return svc.ItemData(**base)


def _outbox(app):
    return app.extensions["mailman"].outbox


def _addr(message) -> str:
    return message.to[0].rsplit("<", 1)[-1].rstrip(">")


def _to(app, address):
    return [m for m in _outbox(app) if _addr(m) == address]


def test_item_outside_its_week_and_end_before_start_are_refused(week):
    with pytest.raises(ScheduleError, match="25/01/2021"):
        svc.add_item(week, _data(day=date(2021, 2, 1)))
    with pytest.raises(ScheduleError):
        svc.add_item(week, _data(start=time(9, 0), end=time(8, 0)))
    with pytest.raises(ScheduleError):
        svc.add_item(week, _data(chair_post_ids=[99999]))
    assert week.items == []


def test_session_from_time_and_sorted_by_day(week):
    svc.add_item(week, _data(day=date(2021, 1, 27), start=time(14, 0), content="Kiểm tra công tác bầu cử"))
    svc.add_item(week, _data())
    week = svc.get_week(2021, 4)
    assert [i.content for i in week.items] == ["Giao ban lãnh đạo UBND phường", "Kiểm tra công tác bầu cử"]
    assert [i.session for i in week.items] == ["sang", "chieu"]


def test_publishing_an_empty_week_is_refused(week):
    with pytest.raises(ScheduleError, match="chưa có mục nào"):
        svc.publish(week, expected_version=week.version)
    assert not week.is_published


def test_a_racing_second_editor_is_told(week):
    seen = week.version
    svc.add_item(week, _data(), expected_version=seen)
    with pytest.raises(ScheduleConflict):
        svc.add_item(week, _data(content="Họp Ban chỉ đạo bầu cử"), expected_version=seen)
    assert len(svc.get_week(2021, 4).items) == 1


def test_chair_follows_a_hand_over(week, ward):
    from civic.invitations import services as inv
    from civic.schedule.services.outputs import chair_text

    item = svc.add_item(week, _data(chair_post_ids=[ward["posts"]["Chủ tịch UBND phường"].id]))
    assert "Đỗ Mạnh Cường" in chair_text(item)
    inv.hand_over(ward["posts"]["Chủ tịch UBND phường"], ward["people"]["Vũ Thị Lan"], date(2021, 1, 20))
    assert "Vũ Thị Lan" in chair_text(item) and "Đỗ Mạnh Cường" not in chair_text(item)


def test_participants_resolve_through_posts_groups_units(week, ward):
    from civic.schedule.services.participants import contact_ids_of

    item = svc.add_item(week, _data(participants=[
        ("post", ward["posts"]["Trưởng Công an phường"].id), ("group", ward["group"].id),
        ("unit", "Hội Cựu chiến binh phường"), ("text", "Đại diện Báo Hà Nội mới")]))
    ids = contact_ids_of(item.participants)
    names = {ward["people"][n].id for n in ("Ngô Văn Dũng", "Nguyễn Văn An", "Trần Thị Bích", "Mai Xuân Bảo")}
    assert ids == names


def test_publish_sends_one_message_per_invitee_listing_their_items(app, week, ward, organizer):
    group = ("group", ward["group"].id)
    for day, content in [(25, "Họp Ban chỉ đạo bầu cử"), (26, "Kiểm tra khu vực bỏ phiếu"),
                         (28, "Hội nghị triển khai nhiệm vụ năm 2021")]:
        svc.add_item(week, _data(day=date(2021, 1, day), content=content, participants=[group]))
    svc.add_item(week, _data(day=date(2021, 1, 29), content="Họp có giấy mời riêng", participants=[group],
                             separate_letter=True))
    reached = svc.publish(week, organizer, week.version, replaces_letters=True)
    assert reached == 2
    mails = _to(app, "an@example.vn")
    assert len(mails) == 1
    body = mails[0].body
    for content in ("Họp Ban chỉ đạo bầu cử", "Kiểm tra khu vực bỏ phiếu", "Hội nghị triển khai nhiệm vụ năm 2021"):
        assert content in body
    assert "giấy mời riêng" not in body
    assert body.count("/giay-moi/") == 3


def test_revision_moving_an_item_tells_its_participants_once_old_to_new(app, week, ward, organizer):
    from civic.schedule.services import outputs

    a = svc.add_item(week, _data(content="Họp Ban chỉ đạo bầu cử", participants=[("group", ward["group"].id)]))
    b = svc.add_item(week, _data(day=date(2021, 1, 26), content="Kiểm tra khu vực bỏ phiếu",
                                 participants=[("group", ward["group"].id),
                                               ("post", ward["posts"]["Trưởng Công an phường"].id)]))
    svc.add_item(week, _data(day=date(2021, 1, 27), content="Tiếp công dân",
                             participants=[("post", ward["posts"]["Phó Chủ tịch UBND phường"].id)]))
    svc.publish(week, organizer, week.version, replaces_letters=True)
    before = len(_outbox(app))
    week = svc.get_week(2021, 4)
    item = svc.get_item(week, b.id)
    data = _data(day=date(2021, 1, 26), start=time(14, 0), content=item.content, place="Hội trường tổ dân phố số 3",
                 participants=[("group", ward["group"].id), ("post", ward["posts"]["Trưởng Công an phường"].id)])
    svc.update_item(item, data, organizer, week.version)
    new = _outbox(app)[before:]
    assert sorted(_addr(m) for m in new) == ["an@example.vn", "bich@example.vn", "ca@example.vn"]
    assert "08 giờ 00’" in new[0].body and "14 giờ 00’" in new[0].body and "Hội trường tổ dân phố số 3" in new[0].body
    week = svc.get_week(2021, 4)
    assert week.revision == 1
    assert svc.get_item(week, b.id).changed_in == 1 and svc.get_item(week, a.id).changed_in is None
    # The previous version stays readable.
    old = next(v for v in svc.get_revision(week, 0).snapshot if v["id"] == b.id)
    assert old["time"] == "08 giờ 00’" and old["place"] == "Phòng họp tầng 2"
    assert outputs.revision_label(1).endswith("(lần 1)")


def test_adding_a_participant_invites_just_them_and_twice_is_refused(app, week, ward, organizer):
    item = svc.add_item(week, _data(participants=[("group", ward["group"].id)]))
    svc.publish(week, organizer, week.version, replaces_letters=True)
    before = len(_outbox(app))
    week = svc.get_week(2021, 4)
    svc.add_participants(svc.get_item(week, item.id), [("post", ward["posts"]["Trưởng Công an phường"].id)],
                         organizer, week.version)
    assert [_addr(m) for m in _outbox(app)[before:]] == ["ca@example.vn"]
    week = svc.get_week(2021, 4)
    with pytest.raises(ScheduleError):
        svc.add_participants(svc.get_item(week, item.id), [("contact", ward["people"]["Ngô Văn Dũng"].id)],
                             organizer, week.version)


def test_cancelling_keeps_the_item_struck_with_its_reason(app, week, ward, organizer):
    item = svc.add_item(week, _data(participants=[("group", ward["group"].id)]))
    svc.publish(week, organizer, week.version, replaces_letters=True)
    week = svc.get_week(2021, 4)
    with pytest.raises(ScheduleError):
        svc.cancel_item(svc.get_item(week, item.id), "", organizer, week.version)
    svc.cancel_item(svc.get_item(week, item.id), "Lãnh đạo đi họp cấp trên", organizer, week.version)
    week = svc.get_week(2021, 4)
    kept = svc.get_item(week, item.id)
    assert kept.is_cancelled and kept.cancel_reason == "Lãnh đạo đi họp cấp trên"
    assert any("Lãnh đạo đi họp cấp trên" in m.body for m in _to(app, "an@example.vn"))


def test_copy_last_week_and_recurring_items(app, organizer, ward):
    last = svc.create_week(2021, 3, organizer)
    svc.add_item(last, _data(day=date(2021, 1, 18), content="Giao ban đầu tuần"))
    week = svc.create_week(2021, 4, organizer)
    assert svc.copy_last_week(week, None, organizer, week.version) == 1
    svc.save_recurring(weekday=3, start=time(8, 0), end=time(11, 0), content="Chủ tịch UBND phường tiếp công dân",
                       chair_post_ids=[ward["posts"]["Chủ tịch UBND phường"].id])
    week = svc.get_week(2021, 4)
    assert svc.generate_recurring(week, organizer, week.version) == 1
    week = svc.get_week(2021, 4)
    with pytest.raises(ScheduleError):
        svc.generate_recurring(week, organizer, week.version)
    assert [(i.day, i.content) for i in week.items] == [
        (date(2021, 1, 25), "Giao ban đầu tuần"), (date(2021, 1, 28), "Chủ tịch UBND phường tiếp công dân")]


def test_docx_reads_back(app, week, ward, organizer):
    import io

    from docx import Document

    from civic.config import ward_settings
    from civic.schedule.services import outputs

    svc.add_item(week, _data(chair_post_ids=[ward["posts"]["Chủ tịch UBND phường"].id]))
    svc.publish(week, organizer, week.version, replaces_letters=True)
    week = svc.get_week(2021, 4)
    views = [outputs.item_view(i) for i in week.items]
    with app.test_request_context():
        data = outputs.docx_bytes(week, views, ward_settings(app.config), 0)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Tuần thứ 04 từ ngày 25/01/2021 đến ngày 31/01/2021" in text
    assert "THỨ HAI (25/01/2021)" in text and "08 giờ 00’" in text and "LỊCH NÀY THAY THƯ MỜI HỌP" in text
    assert "Đỗ Mạnh Cường" in text
