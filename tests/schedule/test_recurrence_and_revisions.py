"""Services without HTTP: reception recurrence around Tết, a week generated from it, participants
through posts after a hand-over, and one message per invitee for a revision of several items."""

from __future__ import annotations

from datetime import date, time

import pytest

from civic.schedule.services import ScheduleError
from civic.schedule.services import reception as rec
from civic.schedule.services import weeks as svc

PLACE = "Phòng tiếp công dân, trụ sở UBND phường"


def _rule(post, weekday, policy, start=time(7, 30), end=time(11, 30)):
    return rec.save_rule(None, rec.RuleInput(post_id=post.id, weekdays=[weekday], starts_at=start, ends_at=end,
                                             place=PLACE, valid_from=date(2021, 1, 1), holiday_policy=policy))


def _addr(message) -> str:
    return message.to[0].rsplit("<", 1)[-1].rstrip(">")


def test_tet_week_one_session_skipped_one_moved(app, ward):
    # Tết Tân Sửu: mùng 1 is Friday 12/02/2021; the days off run from Thursday 11/02 (30 Tết) to 15/02.
    chairman = _rule(ward["posts"]["Chủ tịch UBND phường"], 3, "skip")
    vice = _rule(ward["posts"]["Phó Chủ tịch UBND phường"], 3, "previous", time(13, 30), time(17, 0))
    sessions = {(s.rule.id, s.original_on): s for s in rec.sessions_between(date(2021, 2, 8), date(2021, 2, 21))}
    skipped = sessions[(chairman.id, date(2021, 2, 11))]
    assert skipped.status == rec.SKIPPED and not skipped.takes_place
    moved = sessions[(vice.id, date(2021, 2, 11))]
    assert moved.status == rec.MOVED and moved.on == date(2021, 2, 10)
    assert sessions[(chairman.id, date(2021, 2, 18))].status == rec.SCHEDULED
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert "Tết Nguyên Đán" in skipped.explanation and "11/02/2021" in skipped.explanation
        assert moved.explanation.startswith("Dời sang")


def test_tet_week_is_generated_with_the_moved_session_and_no_skipped_one(app, ward, organizer):
    chairman = _rule(ward["posts"]["Chủ tịch UBND phường"], 3, "skip")
    _rule(ward["posts"]["Phó Chủ tịch UBND phường"], 3, "previous", time(13, 30), time(17, 0))
    svc.save_recurring(weekday=0, start=time(7, 30), content="Giao ban lãnh đạo UBND phường đầu tuần")
    tet = svc.create_week(2021, 6, organizer)  # 08/02 – 14/02/2021
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert svc.generate_recurring(tet, organizer, tet.version) == 2
    tet = svc.get_week(2021, 6)
    got = sorted((i.day, i.content, [p.id for p in i.chairs]) for i in tet.items)
    assert got[0][:2] == (date(2021, 2, 8), "Giao ban lãnh đạo UBND phường đầu tuần")
    assert got[1][0] == date(2021, 2, 10) and got[1][2] == [ward["posts"]["Phó Chủ tịch UBND phường"].id]
    assert not any(i.reception_rule_id == chairman.id for i in tet.items)
    # The week after: Monday 15/02 is still Tết, so no briefing; the chairman's Thursday is back.
    after = svc.create_week(2021, 7, organizer)
    svc.generate_recurring(after, organizer, after.version)
    after = svc.get_week(2021, 7)
    assert date(2021, 2, 15) not in {i.day for i in after.items}
    assert (date(2021, 2, 18), chairman.id) in {(i.day, i.reception_rule_id) for i in after.items}
    with pytest.raises(ScheduleError):  # each once
        svc.generate_recurring(after, organizer, after.version)


def test_a_session_cancelled_or_moved_by_hand(app, ward):
    rule = _rule(ward["posts"]["Chủ tịch UBND phường"], 3, "next")
    with pytest.raises(rec.ReceptionError):
        rec.set_override(rule, date(2021, 3, 4), "cancel", reason="")
    with pytest.raises(rec.ReceptionError):
        rec.set_override(rule, date(2021, 3, 5), "move", date(2021, 3, 8))  # a Friday: not a session day
    rec.set_override(rule, date(2021, 3, 4), "move", date(2021, 3, 5), "Chủ tịch dự hội nghị của Thành phố")
    rec.set_override(rule, date(2021, 3, 11), "cancel", reason="Trùng kỳ họp HĐND")
    by_day = {s.original_on: s for s in rec.sessions_between(date(2021, 3, 1), date(2021, 3, 14))}
    assert by_day[date(2021, 3, 4)].on == date(2021, 3, 5) and by_day[date(2021, 3, 11)].status == rec.CANCELLED


def test_reception_rule_bad_input(app, ward):
    post = ward["posts"]["Chủ tịch UBND phường"]
    with pytest.raises(rec.ReceptionError) as err:
        rec.save_rule(None, rec.RuleInput(post_id=987654, weekdays=[3], starts_at=time(8), ends_at=time(11),
                                          place=PLACE, valid_from=date(2021, 1, 1)))
    assert err.value.status == 404
    with pytest.raises(rec.ReceptionError):
        rec.save_rule(None, rec.RuleInput(post_id=post.id, weekdays=[3], starts_at=time(11), ends_at=time(8),
                                          place=PLACE, valid_from=date(2021, 1, 1)))
    _rule(post, 3, "next")
    with pytest.raises(rec.ReceptionError) as err:
        _rule(post, 3, "skip", time(9), time(10))
    assert err.value.status == 409
    assert len(rec.list_rules()) == 1


def test_participants_follow_their_post_after_a_hand_over(app, ward, organizer):
    from civic.invitations import services as inv
    from civic.schedule.services.participants import contact_ids_of

    week = svc.create_week(2021, 4, organizer)
    police = ward["posts"]["Trưởng Công an phường"]
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 26), start=time(8), content="Họp phương án an ninh",
                                           participants=[("post", police.id)]))
    assert contact_ids_of(item.participants) == {ward["people"]["Ngô Văn Dũng"].id}
    inv.hand_over(police, ward["people"]["Nguyễn Văn An"], date(2021, 1, 20))
    assert contact_ids_of(item.participants) == {ward["people"]["Nguyễn Văn An"].id}
    week = svc.get_week(2021, 4)
    svc.publish(week, organizer, week.version, replaces_letters=True)
    sent = [_addr(m) for m in app.extensions["mailman"].outbox]
    assert sent == ["an@example.vn"]


def test_one_revision_of_three_items_is_one_message_per_invitee(app, ward, organizer):
    from civic.schedule.services import outputs

    week = svc.create_week(2021, 4, organizer)
    group = ("group", ward["group"].id)
    contents = ["Họp Ban chỉ đạo bầu cử", "Kiểm tra khu vực bỏ phiếu", "Hội nghị triển khai nhiệm vụ năm 2021"]
    for day, content in zip((25, 26, 27), contents, strict=True):
        svc.add_item(week, svc.ItemData(day=date(2021, 1, day), start=time(8), content=content, place="Phòng họp 2",
                                        participants=[group]))
    untouched = svc.add_item(svc.get_week(2021, 4), svc.ItemData(day=date(2021, 1, 28), start=time(8),
                                                                  content="Giao ban", participants=[group]))
    week = svc.get_week(2021, 4)
    svc.publish(week, organizer, week.version, replaces_letters=True)
    outbox = app.extensions["mailman"].outbox
    before = len(outbox)
    week = svc.get_week(2021, 4)
    changes = []
    for item in [i for i in week.items if i.content in contents]:
        changes.append((item, svc.ItemData(day=item.day, start=time(14), content=item.content, place="Hội trường",
                                           participants=[group])))
    svc.update_items(week, changes, organizer, week.version)
    new = outbox[before:]
    assert sorted(_addr(m) for m in new) == ["an@example.vn", "bich@example.vn"]
    for message in new:
        assert all(c in message.body for c in contents) and "Giao ban" not in message.body
        assert "08 giờ 00’" in message.body and "14 giờ 00’" in message.body and "Hội trường" in message.body
    week = svc.get_week(2021, 4)
    revision = svc.get_revision(week, 1)
    assert week.revision == 1 and len(revision.changed_item_ids) == 3
    assert svc.get_item(week, untouched.id).changed_in is None
    old = {v["content"]: v for v in svc.get_revision(week, 0).snapshot}
    new_views = {v["content"]: v for v in revision.snapshot}
    assert all(old[c]["time"] == "08 giờ 00’" and new_views[c]["time"] == "14 giờ 00’" for c in contents)
    assert outputs.revision_label(1).endswith("(lần 1)")


def test_a_change_of_content_only_is_a_revision_but_tells_nobody(app, ward, organizer):
    week = svc.create_week(2021, 4, organizer)
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8), content="Giao ban",
                                           participants=[("group", ward["group"].id)]))
    week = svc.get_week(2021, 4)
    svc.publish(week, organizer, week.version, replaces_letters=True)
    before = len(app.extensions["mailman"].outbox)
    week = svc.get_week(2021, 4)
    svc.update_item(svc.get_item(week, item.id), svc.ItemData(day=date(2021, 1, 25), start=time(8),
                    content="Giao ban lãnh đạo đầu tuần", participants=[("group", ward["group"].id)]),
                    organizer, week.version)
    assert len(app.extensions["mailman"].outbox) == before
    week = svc.get_week(2021, 4)
    assert week.revision == 1 and svc.get_item(week, item.id).changed_in == 1
