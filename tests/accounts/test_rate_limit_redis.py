"""With REDIS_URL the limiter counts in Redis, so every gunicorn worker shares the limit."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import text
from tests.conftest import get_csrf


@pytest.fixture
def app_config(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return {"RATELIMIT_STORAGE_URI": redis_url}


def test_login_limit_is_shared_through_redis(app, make_user, redis_url):
    import redis

    user = make_user()
    # Two clients stand for two server processes; the count lives in Redis.
    first, second = app.test_client(), app.test_client()
    token1, token2 = get_csrf(first, "/dang-nhap"), get_csrf(second, "/dang-nhap")
    for i in range(10):
        client, token = (first, token1) if i % 2 else (second, token2)
        response = client.post("/dang-nhap", data={"csrf_token": token, "email": user.email, "password": "sai-mat-khau-9"})
        assert response.status_code == 401
    blocked = first.post("/dang-nhap", data={"csrf_token": token1, "email": user.email, "password": user.test_password})
    assert blocked.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in text(blocked)
    # The counter really is in Redis (in-memory storage would leave it empty).
    assert any(b"accounts.login" in key for key in redis.Redis.from_url(redis_url).keys("*"))
