"""The small parts: referrer grouping, address truncation, the bot list."""

import pytest

from analytics.bots import _listed, is_bot
from analytics.counting import excluded_path, truncated_address
from analytics.referrers import classify

OWN = {"mihvvs.dk"}
SITES = frozenset({"mihvvs.dk", "mihel.dk"})


@pytest.mark.parametrize(
    "referer,expected",
    [
        ("", None),
        ("not a url", None),
        ("https://mihvvs.dk/kontakt/", None),
        ("https://www.mihvvs.dk/", None),
        ("https://mihel.dk/en/", ("own", "mihel.dk")),
        ("https://www.mihel.dk/", ("own", "mihel.dk")),
        ("https://www.google.com/", ("search", "Google")),
        ("https://www.google.dk/search?q=x", ("search", "Google")),
        ("https://google.co.uk/", ("search", "Google")),
        ("android-app://com.google.android.googlequicksearchbox/", ("search", "Google")),
        ("https://www.bing.com/search?q=vvs", ("search", "Bing")),
        ("https://duckduckgo.com/", ("search", "DuckDuckGo")),
        ("https://dk.search.yahoo.com/", ("search", "Yahoo")),
        ("https://www.ecosia.org/", ("search", "Ecosia")),
        ("https://yandex.ru/", ("search", "Yandex")),
        ("https://www.baidu.com/", ("search", "Baidu")),
        ("https://www.startpage.com/", ("search", "Startpage")),
        ("https://www.qwant.com/", ("search", "Qwant")),
        ("https://search.brave.com/search?q=x", ("search", "Brave Search")),
        ("https://google.example.com/", ("other", "google.example.com")),
        ("https://www.facebook.com/some/post?fbclid=1", ("other", "facebook.com")),
        ("http://Example.DK:8080/x", ("other", "example.dk")),
        ("ftp://example.com/", None),
    ],
)
def test_referrer_grouping(referer, expected):
    assert classify(referer, OWN, SITES) == expected


@pytest.mark.parametrize(
    "address,network",
    [
        ("192.0.2.123", "192.0.2.0"),
        ("2001:db8:abcd:12:1::7", "2001:db8:abcd::"),
        ("::ffff:198.51.100.77", "198.51.100.0"),
        ("", ""),
        ("unknown", ""),
    ],
)
def test_address_truncated_to_its_network(address, network):
    assert truncated_address(address) == network


def test_bots_from_the_maintained_list_memoised():
    _listed.cache_clear()
    assert is_bot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert is_bot("")
    assert is_bot("   ")
    browser = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
    assert not is_bot(browser)
    assert not is_bot(browser)
    assert _listed.cache_info().hits == 1


@pytest.mark.parametrize(
    "path,excluded",
    [
        ("/", False),
        ("/en/", False),
        ("/ydelser/", False),
        ("/admin/pages/3/", True),
        ("/en/cookies/", True),
        ("/cookies/", True),
        ("/sitemap.xml", True),
        ("/documents/1/a.pdf", True),
        ("/healthz/", True),
    ],
)
def test_excluded_paths(path, excluded):
    assert excluded_path(path) is excluded


def test_deploy_check_warns_when_statistics_are_off_for_want_of_redis(settings):
    from analytics.checks import check_statistics_backend

    settings.DEBUG = False
    settings.ANALYTICS_ENABLED = False
    settings.PAGE_CACHE_ENABLED = False  # production.py without REDIS_URL
    assert [warning.id for warning in check_statistics_backend()] == ["analytics.W001"]
    settings.PAGE_CACHE_ENABLED = True  # Redis there, statistics turned off on purpose
    assert check_statistics_backend() == []
    settings.ANALYTICS_ENABLED = True
    settings.PAGE_CACHE_ENABLED = False
    assert check_statistics_backend() == []


def test_production_counts_only_with_redis():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.ANALYTICS_ENABLED)"
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "x" * 60,
        "SITE_HOSTNAMES": "mihvvs=mihvvs.dk,mihel=mihel.dk",
    }
    base.pop("REDIS_URL", None)
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    without = subprocess.run(run, env=base, capture_output=True, text=True, check=True)
    with_redis = subprocess.run(
        run,
        env={**base, "REDIS_URL": "redis://127.0.0.1:6379/0"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert without.stdout.strip() == "False"
    assert with_redis.stdout.strip() == "True"
