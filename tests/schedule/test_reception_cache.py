"""The home page is cached for anonymous visitors; its "next reception session" must not be stale."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from civic.schedule.services import reception as rec


@pytest.fixture
def app_config():
    return {"CIVIC_PAGE_CACHE": 1, "CIVIC_PAGE_CACHE_STORE": "memory", "RATELIMIT_ENABLED": False}


def _home(app):
    return app.test_client().get("/")


def test_a_new_or_changed_reception_rule_shows_on_the_cached_home_page_at_once(app, ward):
    from civic.core.timeutil import local_today

    _home(app)
    assert _home(app).headers.get("X-Page-Cache") == "hit"
    assert "Tiếp công dân" not in _home(app).get_data(as_text=True)
    rule = rec.save_rule(None, rec.RuleInput(
        post_id=ward["posts"]["Chủ tịch UBND phường"].id, weekdays=list(range(7)), starts_at=time(7, 30),
        ends_at=time(23, 59), place="Phòng tiếp dân tầng 1", valid_from=local_today() - timedelta(days=7),
        holiday_policy="skip"))
    page = _home(app).get_data(as_text=True)
    assert "Phòng tiếp dân tầng 1" in page and "Đỗ Mạnh Cường" in page
    rec.save_rule(rule, rec.RuleInput(
        post_id=rule.post_id, weekdays=list(range(7)), starts_at=time(7, 30), ends_at=time(23, 59),
        place="Hội trường tầng 2", valid_from=rule.valid_from, holiday_policy="skip"))
    assert "Hội trường tầng 2" in _home(app).get_data(as_text=True)
