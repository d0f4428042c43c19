"""One loader per schedule object (civic.schedule.access): hidden is 404, visible but not
yours to manage is 403, for the pages and the API alike."""

from __future__ import annotations

from datetime import date, time

import pytest

from civic.schedule import access
from civic.schedule.services import ScheduleError
from civic.schedule.services import weeks as svc


def _code(call) -> int:
    with pytest.raises(ScheduleError) as caught:
        call()
    return caught.value.code


def test_a_draft_week_is_hidden_from_residents_and_managed_by_editors(week, organizer, make_user):
    resident = make_user(role="resident", email="dan@example.vn")
    assert access.viewable_week(organizer, 2021, 4) is week
    assert access.viewable_week(resident, 2021, 4) is None
    assert access.viewable_week(None, 2021, 4) is None
    assert access.managed_week(organizer, week.id) is week
    assert _code(lambda: access.managed_week(resident, week.id)) == 404
    assert _code(lambda: access.managed_week(organizer, 987654)) == 404
    assert _code(lambda: access.managed_week_at(organizer, 2021, 60)) == 404


def test_a_published_week_is_seen_by_all_and_refused_to_non_editors(week, organizer, make_user):
    resident = make_user(role="resident", email="dan@example.vn")
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8, 0), content="Giao ban"),
                        organizer, week.version)
    svc.publish(week, organizer, week.version)
    assert access.viewable_week(resident, 2021, 4) is week
    assert _code(lambda: access.managed_week(resident, week.id)) == 403
    assert access.managed_item(organizer, week.id, item.id) == (week, item)
    assert _code(lambda: access.managed_item(organizer, week.id, 987654)) == 404


def test_a_reception_rule_is_404_when_missing_and_403_for_editors(ward, organizer, make_user):
    from civic.schedule.services import reception as rec

    editor = make_user(role="editor", email="bientap@example.vn")
    rule = rec.save_rule(None, rec.RuleInput(post_id=ward["posts"]["Chủ tịch UBND phường"].id, weekdays=[3],
                                             starts_at=time(7, 30), ends_at=time(11, 30), place="Phòng tiếp dân",
                                             valid_from=date(2021, 1, 1)))
    assert access.managed_rule(organizer, rule.id) is rule
    assert _code(lambda: access.managed_rule(editor, rule.id)) == 403
    assert _code(lambda: access.managed_rule(organizer, 987654)) == 404
