"""A Redis outage mid-run: pages still render, forms still post, and both recover by themselves.

The cache is a redis-server of our own, configured exactly as production configures it
(``cms.settings.base.redis_cache_settings``); the test kills it, freezes it and restarts it.
"""

import logging
import os
import signal
import time

import pytest
import redis
from django.test import override_settings

from cms import redis_cache
from cms.settings.base import redis_cache_settings
from forms_app.models import FormSubmission
from tests.redis_server import redis_server  # noqa: F401 - fixture
from tests.visitor import post_form

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.path.exists("/usr/bin/redis-server"), reason="no redis-server"),
]

PREFIX = "outage"
HOST = "mihvvs.localhost"
VISITOR = "192.0.2.77"
PAGES = ["/", "/persondatapolitik/", "/ydelser/", "/kontakt/", "/tilbud/", "/en/"]
CONTACT = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}


@pytest.fixture
def redis_cache_on(redis_server, monkeypatch, sites):  # noqa: F811
    monkeypatch.setattr(redis_cache, "BREAKER_SECONDS", 0.3)
    with override_settings(CACHES={"default": redis_cache_settings(redis_server.url, PREFIX)}):
        yield redis_server


def ratelimit_keys(server):
    client = redis.Redis.from_url(server.url)
    try:
        return client.keys(f"{PREFIX}:*ratelimit*")
    finally:
        client.close()


def get_all(client):
    """Each page's status and the slowest response's time."""
    statuses, slowest = {}, 0.0
    for path in PAGES:
        started = time.monotonic()
        statuses[path] = client.get(path, HTTP_HOST=HOST, REMOTE_ADDR=VISITOR).status_code
        slowest = max(slowest, time.monotonic() - started)
    return statuses, slowest


def test_pages_and_forms_survive_redis_going_away_and_coming_back(client, redis_cache_on, caplog):
    server = redis_cache_on
    every_page_ok = dict.fromkeys(PAGES, 200)

    statuses, _ = get_all(client)
    assert statuses == every_page_ok
    assert post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR).status_code == 302
    # Its two counters: every post, and the stored submissions (forms_app.intake.ratelimit).
    assert len(ratelimit_keys(server)) == 2

    server.stop()  # killed, as a crash: connections are refused
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        statuses, slowest = get_all(client)
        assert statuses == every_page_ok
        assert slowest < 1.0
        started = time.monotonic()
        response = post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR)
        assert response.status_code == 302
        assert time.monotonic() - started < 2.0
    assert FormSubmission.objects.count() == 2
    # The open rate limit and the cache outage are logged, without the visitor's address.
    messages = [record.getMessage() for record in caplog.records]
    assert any("Form rate limit not applied" in message for message in messages)
    assert any("Redis cache unavailable (ConnectionError)" in message for message in messages)
    assert not any(VISITOR in message for message in messages)
    assert not any(record.levelno >= logging.ERROR for record in caplog.records)

    server.start()  # same port, empty
    time.sleep(0.4)  # past the breaker's pause
    assert ratelimit_keys(server) == []
    statuses, _ = get_all(client)
    assert statuses == every_page_ok
    assert post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR).status_code == 302
    # Counting resumed by itself: the post's counters (every post, stored submissions) are in
    # Redis again.
    assert len(ratelimit_keys(server)) == 2


@override_settings(FORMS_RATE_LIMIT=1)
def test_the_rate_limit_bites_again_after_recovery(client, redis_cache_on):
    server = redis_cache_on
    server.stop()
    # Fails open while Redis is down: more posts than the limit all go through.
    for _ in range(3):
        assert post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR).status_code == 302
    server.start()
    time.sleep(0.4)
    assert post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR).status_code == 302
    assert post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR).status_code == 429


def test_a_frozen_redis_costs_a_request_one_timeout_not_one_per_cache_call(client, redis_cache_on):
    """SIGSTOP: connections hang instead of being refused (a network partition)."""
    server = redis_cache_on
    statuses, _ = get_all(client)  # connected and warm
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        statuses, slowest = get_all(client)
        assert statuses == dict.fromkeys(PAGES, 200)
        # One 0.5 s socket timeout opens the breaker; the next 0.3 s make no Redis call.
        assert slowest < 1.5
        started = time.monotonic()
        assert post_form(client, "/kontakt/", CONTACT, REMOTE_ADDR=VISITOR).status_code == 302
        assert time.monotonic() - started < 2.5
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
