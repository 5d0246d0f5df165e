"""The rate limit on the cache production uses: Redis, shared by every web process."""

import socket

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from forms_app.intake.ratelimit import is_rate_limited

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")

REDIS_CACHE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mih-test",
    }
}


@override_settings(CACHES=REDIS_CACHE, FORMS_RATE_LIMIT=3, FORMS_RATE_LIMIT_WINDOW=60)
def test_limit_counts_in_redis_and_expires():
    caches["default"].clear()
    request = RequestFactory().post("/kontakt/", REMOTE_ADDR="192.0.2.10")
    assert [is_rate_limited(request, "form:1") for _ in range(4)] == [False] * 3 + [True]
    # Another site's form, and another client, count separately.
    assert not is_rate_limited(request, "form:2")
    other = RequestFactory().post("/kontakt/", REMOTE_ADDR="192.0.2.11")
    assert not is_rate_limited(other, "form:1")
    # The counter lives in Redis with the window as its lifetime, under a hashed key.
    client = caches["default"].client.get_client()
    keys = [key.decode() for key in client.keys("mih-test:*ratelimit*")]
    assert len(keys) == 3
    assert all("192.0.2" not in key for key in keys)
    assert 0 < client.ttl(keys[0]) <= 60
    caches["default"].clear()
