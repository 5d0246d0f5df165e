"""The Redis side: what is kept there and for how long, the flush into the database (absolute,
idempotent), closing a day (its hashes and salt deleted), and an outage (pages unaffected)."""

import logging
import time
import uuid

import pytest
import redis
from django.core.management import call_command
from django.test import override_settings

from analytics import stores
from analytics.days import day_key
from analytics.flush import flush
from analytics.models import DailyPageStat, DailyReferrerStat, DailySiteStat
from cms import redis_cache as resilient
from cms.settings.base import redis_cache_settings
from forms_app.management.commands.run_worker import flush_statistics
from tests.analytics.conftest import PREFIX, consent_cookies, view
from tests.redis_server import redis_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

IP, UA = "203.0.113.57", "Mozilla/5.0 (X11) UniqueAgent/4711"


def totals(site):
    return DailySiteStat.objects.filter(site=site).values(
        "day", "page_views", "visits", "visitors", "returning_visitors"
    )


def all_rows():
    rows = []
    for model in (DailySiteStat, DailyPageStat, DailyReferrerStat):
        rows += [str(value) for row in model.objects.values() for value in row.values()]
    return rows


def visitor_hashes(raw):
    stores.send_pending()
    hashes = set()
    for key in raw.scan_iter(f"{PREFIX}:*visitors"):
        hashes |= {member.decode() for member in raw.smembers(key)}
    return hashes


def test_flush_writes_absolute_totals_idempotently(client, redis_cache, vvs_site):
    view(client, "/", HTTP_REFERER="https://www.ecosia.org/search?q=vvs")
    view(client, "/ydelser/")
    assert not DailySiteStat.objects.exists()  # nothing in the database until a flush
    flush()
    first = list(totals(vvs_site))
    pages = set(DailyPageStat.objects.values_list("path", "views", "entries"))
    flush()
    flush()
    assert list(totals(vvs_site)) == first
    assert first[0]["page_views"] == 2 and first[0]["visits"] == 1
    assert set(DailyPageStat.objects.values_list("path", "views", "entries")) == pages
    assert list(DailyReferrerStat.objects.values_list("kind", "source", "visits")) == [
        ("search", "Ecosia", 1)
    ]
    # More views: the next flush writes the new totals (not the difference twice).
    view(client, "/", ip="198.51.100.9")
    call_command("flush_statistics", verbosity=0)
    assert totals(vvs_site).get()["page_views"] == 3
    assert totals(vvs_site).get()["visitors"] == 2


def test_what_redis_holds_and_for_how_long(client, redis_cache, vvs_site, today):
    view(client, "/", ip=IP, ua=UA)
    stores.send_pending()
    keys = {key.decode() for key in redis_cache.scan_iter(f"{PREFIX}:*analytics*")}
    day = day_key(today.day)
    # No address or user agent anywhere in Redis, neither in a key nor in a value.
    for key in keys:
        assert "203.0.113" not in key and "UniqueAgent" not in key
        kind = redis_cache.type(key).decode()
        values = {
            "hash": lambda k: redis_cache.hgetall(k),
            "set": lambda k: redis_cache.smembers(k),
            "string": lambda k: redis_cache.get(k),
        }[kind](key)
        assert b"203.0.113" not in repr(values).encode()
        assert b"UniqueAgent" not in repr(values).encode()
        ttl = redis_cache.ttl(key)
        if key.endswith(":analytics:days"):
            assert ttl == -1  # the small index of days still to flush
        elif ":visit:" in key:
            assert 0 < ttl <= 1800  # ANALYTICS_VISIT_GAP_SECONDS
        elif key.endswith(":salt"):
            assert 0 < ttl <= 24 * 3600 + 3600 + 60  # until just after the Danish day ends
            assert len(redis_cache.get(key)) == 32
        else:
            assert 0 < ttl <= 2 * 24 * 3600
    assert any(key.endswith(f"{day}:salt") for key in keys)


def test_no_address_user_agent_or_hash_reaches_the_database_or_log(
    client, redis_cache, vvs_site, caplog
):
    caplog.set_level(logging.DEBUG)
    cookie_id = uuid.uuid4().hex
    view(client, "/", ip=IP, ua=UA, HTTP_REFERER="https://example.org/")
    view(client, "/en/", ip="2001:db8:beef::1", ua=UA)
    consent_cookies(client, statistics=True, visitor_id=cookie_id, first_day="20250101")
    view(client, "/ydelser/", ip=IP, ua=UA)
    hashes = visitor_hashes(redis_cache)
    assert len(hashes) == 3
    flush()
    secrets = {IP, "203.0.113.0", "2001:db8:beef", "UniqueAgent", cookie_id, *hashes}
    rows = all_rows()
    assert rows
    for secret in secrets:
        assert not any(secret in value for value in rows)
        assert secret not in caplog.text


def test_closing_a_day_deletes_its_hashes_and_salt(client, redis_cache, vvs_site, today):
    today.move(-1)
    yesterday = today.day
    view(client, "/", ip=IP, ua=UA)
    view(client, "/ydelser/", ip="198.51.100.1")
    assert visitor_hashes(redis_cache)
    today.move(1)
    view(client, "/", ip=IP, ua=UA)  # today's counting goes on beside it
    flush()
    assert DailySiteStat.objects.get(site=vvs_site, day=yesterday).visitors == 2
    assert DailySiteStat.objects.get(site=vvs_site, day=today.day).visitors == 1
    left = {key.decode() for key in redis_cache.scan_iter(f"{PREFIX}:*")}
    old = day_key(yesterday)
    # Only the marker that the day is closed remains of it (no hash, no salt, no counts).
    assert [key for key in left if old in key] == [f"{PREFIX}:1:analytics:{old}:closed"]
    # A view still arriving for the closed day changes nothing (and the flush is final).
    stores.current_store().record(stores_view(yesterday, vvs_site.pk, "/", "f" * 32))
    flush()
    assert DailySiteStat.objects.get(site=vvs_site, day=yesterday).page_views == 2
    left = {key.decode() for key in redis_cache.scan_iter(f"{PREFIX}:*")}
    assert [key for key in left if old in key] == [f"{PREFIX}:1:analytics:{old}:closed"]


def stores_view(day, site_id, path, visitor):
    from analytics.counting import View

    return View(day, site_id, path, visitor, False, None)


def test_a_lost_redis_never_lowers_the_stored_totals(client, redis_cache, vvs_site):
    for ip in ("192.0.2.1", "198.51.100.1", "203.0.113.1"):
        view(client, "/", ip=ip)
    flush()
    redis_cache.flushdb()  # Redis restarted without its data
    stores._redis_store.__init__()
    view(client, "/", ip="192.0.2.1")
    flush()
    row = DailySiteStat.objects.get(site=vvs_site)
    assert (row.page_views, row.visitors) == (3, 3)


def test_redis_outage_never_fails_or_slows_a_page(
    client,
    redis_server,  # noqa: F811
    vvs_site,
    monkeypatch,
    caplog,
):
    monkeypatch.setattr(resilient, "BREAKER_SECONDS", 0.3)
    monkeypatch.setattr(stores, "PAUSE_SECONDS", 0.3)
    stores._redis_store.__init__()
    with override_settings(CACHES={"default": redis_cache_settings(redis_server.url, "outage")}):
        assert view(client, "/", ip=IP, ua=UA).status_code == 200
        redis_server.stop()
        caplog.set_level(logging.WARNING)
        for _ in range(3):
            started = time.monotonic()
            assert view(client, "/", ip=IP, ua=UA).status_code == 200
            assert time.monotonic() - started < 1.5  # at most the socket timeouts
        # The worker's flush fails, is logged, and the worker goes on.
        assert flush_statistics() is False
        assert "Visit statistics flush failed" in caplog.text
        assert "203.0.113" not in caplog.text and "UniqueAgent" not in caplog.text
        redis_server.start()
        time.sleep(0.4)
        for _ in range(5):
            view(client, "/ydelser/", ip=IP, ua=UA)
            time.sleep(0.1)
        assert flush_statistics() is True
    stores._redis_store.__init__()
    row = DailySiteStat.objects.get(site=vvs_site)
    assert row.page_views >= 1  # counted again once Redis is back
    assert DailyPageStat.objects.filter(path="/ydelser/").exists()
    raw = redis.Redis.from_url(redis_server.url)
    raw.flushdb()
    raw.close()
