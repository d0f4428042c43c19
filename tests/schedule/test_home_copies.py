"""The home page's next reception session comes from a per-process copy (civic.core.refcache),
page cache off: a change to a rule, a cancelled session or a new holder's name shows at once."""

from __future__ import annotations

from datetime import time, timedelta

from civic.schedule.services import reception as rec


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _daily_rule(ward, place):
    from civic.core.timeutil import local_today

    return rec.save_rule(None, rec.RuleInput(
        post_id=ward["posts"]["Chủ tịch UBND phường"].id, weekdays=list(range(7)), starts_at=time(0, 0),
        ends_at=time(23, 59), place=place, valid_from=local_today() - timedelta(days=7), holiday_policy="next"))


def _statements(client) -> list[str]:
    from sqlalchemy import event

    from civic.extensions import db

    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _home(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def test_a_changed_rule_shows_on_the_next_home_render(app, client, ward):
    rule = _daily_rule(ward, "Phòng tiếp dân tầng 1")
    assert "Phòng tiếp dân tầng 1" in _home(client)
    assert not [s for s in _statements(client) if "reception_rules" in s]  # the copy is in use
    rec.save_rule(rule, rec.RuleInput(
        post_id=rule.post_id, weekdays=list(range(7)), starts_at=time(0, 0), ends_at=time(23, 59),
        place="Hội trường tầng 2", valid_from=rule.valid_from, holiday_policy="next"))
    assert "Hội trường tầng 2" in _home(client)


def test_a_renamed_holder_shows_on_the_next_home_render(app, client, ward):
    from civic.invitations import services as inv

    _daily_rule(ward, "Phòng tiếp dân tầng 1")
    assert "Đỗ Mạnh Cường" in _home(client)
    holder = ward["people"]["Đỗ Mạnh Cường"]
    inv.save_contact(holder, full_name="Đỗ Mạnh Hùng", position=holder.position, unit=holder.unit,
                     email=holder.email, legal_basis=holder.legal_basis)
    page = _home(client)
    assert "Đỗ Mạnh Hùng" in page and "Đỗ Mạnh Cường" not in page
