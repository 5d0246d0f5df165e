"""Counting on both stores: a redis-server of our own (configured as production configures
the cache, ``cms.settings.base.redis_cache_settings``) and the local-memory cache with
write-through to the database (development and the rest of the test suite)."""

import datetime
import os
import uuid

import pytest
import redis
from django.core.cache import cache
from django.http import HttpResponse
from django.test import override_settings
from django.utils import timezone

from analytics import days, stores
from cms.settings.base import redis_cache_settings
from cookie_consent.cookie import CONSENT_COOKIE, VISITOR_COOKIE, Consent, write_consent
from tests.redis_server import REDIS_SERVER, RedisServer

VVS = "mihvvs.localhost"
EL = "mihel.localhost"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
PREFIX = "analytics-test"


@pytest.fixture(scope="session")
def private_redis():
    if not os.path.exists(REDIS_SERVER):
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing")
        pytest.skip("no redis-server")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def reset_stores():
    stores._redis_store.__init__()
    stores._local_store.__init__()


@pytest.fixture
def redis_cache(private_redis, sites):
    """The default cache on our redis-server (emptied), as in production."""
    raw = redis.Redis.from_url(private_redis.url)
    raw.flushdb()
    reset_stores()
    with override_settings(CACHES={"default": redis_cache_settings(private_redis.url, PREFIX)}):
        yield raw
    reset_stores()
    raw.flushdb()
    raw.close()


@pytest.fixture
def local_cache(sites):
    reset_stores()
    cache.clear()
    yield None
    reset_stores()


@pytest.fixture(params=["redis", "local"])
def store(request):
    """Each test using it runs on Redis and on the local-memory cache."""
    return request.getfixturevalue(f"{request.param}_cache")


class Today:
    """The statistics day, movable (``analytics.days.today``)."""

    def __init__(self, monkeypatch):
        self.day = timezone.localdate()
        monkeypatch.setattr(days, "today", lambda: self.day)

    def move(self, delta_days):
        self.day += datetime.timedelta(days=delta_days)


@pytest.fixture
def today(monkeypatch):
    return Today(monkeypatch)


def view(client, path="/", host=VVS, ip="192.0.2.10", ua=BROWSER, **extra):
    return client.get(path, HTTP_HOST=host, REMOTE_ADDR=ip, HTTP_USER_AGENT=ua, **extra)


def consent_cookies(client, statistics=True, visitor_id=None, first_day=None, epoch=0):
    """Give ``client`` a current consent cookie (and, with statistics, a visitor cookie)."""
    response = HttpResponse()
    write_consent(response, Consent(uuid.uuid4(), epoch, statistics))
    client.cookies[CONSENT_COOKIE] = response.cookies[CONSENT_COOKIE].value
    if visitor_id is not None:
        client.cookies[VISITOR_COOKIE] = f"{visitor_id}.{first_day}"
