"""With REDIS_URL the daily per-recipient count lives in Redis: every web worker shares it."""

from __future__ import annotations

import pytest

from civic.core import ratelimits


@pytest.fixture
def app_config(redis_url):
    import redis

    # The SQLite and PostgreSQL runs of this test share the worker's Redis database: start at zero.
    redis.Redis.from_url(redis_url).flushdb()
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_url, "CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY": 2}


def test_recipient_cap_is_counted_in_redis(app, redis_url):
    import redis

    with app.test_request_context("/su-kien/1/tra-loi", method="POST"):
        assert ratelimits.count_message("+84912345678") and ratelimits.count_message("+84912345678")
        assert not ratelimits.recipient_allowed("+84912345678")
        assert not ratelimits.count_message("+84912345678")
        assert ratelimits.recipient_allowed("lan@example.vn")
        assert ratelimits.recipient_retry_after("+84912345678") <= 24 * 3600
    keys = redis.Redis.from_url(redis_url).keys("*civic-recipient*")
    assert keys and not any(b"84912345678" in k for k in keys)  # only a hash of the number
