"""Visit statistics counted on the server: page views, visits, unique and returning
visitors, entry pages and referrers, on Redis and on the local-memory store."""

import logging
import time
import uuid

import pytest
from django.test import override_settings

from analytics.flush import flush
from analytics.models import DailyPageStat, DailyReferrerStat, DailySiteStat
from tests.analytics.conftest import BROWSER, EL, VVS, consent_cookies, view

pytestmark = pytest.mark.django_db

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/141.0 Safari/537.36"


def site_stat(site, day=None):
    flush()
    rows = DailySiteStat.objects.filter(site=site)
    if day is not None:
        rows = rows.filter(day=day)
    row = rows.first()
    if row is None:
        return {"page_views": 0, "visits": 0, "visitors": 0, "returning_visitors": 0}
    return {
        name: getattr(row, name)
        for name in ("page_views", "visits", "visitors", "returning_visitors")
    }


def pages(site):
    flush()
    return {row.path: (row.views, row.entries) for row in DailyPageStat.objects.filter(site=site)}


def referrers(site):
    flush()
    return {
        (row.kind, row.source): row.visits for row in DailyReferrerStat.objects.filter(site=site)
    }


def test_visitors_without_consent_counted_by_address_and_user_agent(client, store, vvs_site):
    for _ in range(2):
        assert view(client, "/", ip="192.0.2.10").status_code == 200
    # The same network (/24) and browser: the same visitor.
    assert view(client, "/ydelser/", ip="192.0.2.99").status_code == 200
    assert site_stat(vvs_site) == {
        "page_views": 3,
        "visits": 1,
        "visitors": 1,
        "returning_visitors": 0,
    }
    # Another browser on the same address: another visitor.
    view(client, "/", ip="192.0.2.10", ua=CHROME)
    # Another network: another visitor; IPv6 counts its /48.
    view(client, "/", ip="198.51.100.7")
    view(client, "/", ip="2001:db8:1:2::1")
    view(client, "/", ip="2001:db8:1:ffff::2")
    assert site_stat(vvs_site) == {
        "page_views": 7,
        "visits": 4,
        "visitors": 4,
        "returning_visitors": 0,
    }
    assert pages(vvs_site) == {"/": (6, 4), "/ydelser/": (1, 0)}
    # No statistics cookie for anyone who did not choose it; counting sets no cookie at all.
    response = view(client, "/en/")
    assert response.status_code == 200
    assert "mih_visitor" not in response.cookies


def test_each_site_counts_its_own(client, store, vvs_site, el_site):
    view(client, "/", host=VVS)
    view(client, "/", host=EL)
    view(client, "/en/", host=EL)
    assert site_stat(vvs_site)["page_views"] == 1
    assert site_stat(el_site) == {
        "page_views": 2,
        "visits": 1,
        "visitors": 1,
        "returning_visitors": 0,
    }
    assert pages(el_site) == {"/": (1, 1), "/en/": (1, 0)}


def test_visitor_with_consent_counted_by_cookie_and_returning_on_a_later_day(
    client, store, vvs_site, today
):
    first_day = today.day.strftime("%Y%m%d")
    cookie_id = uuid.uuid4().hex
    # A page before the choice (counted by address and browser), then "Accepter alle": on the
    # day the cookie is set it counts by address and browser still, so this is one visitor
    # and one visit, not two.
    view(client, "/", ip="192.0.2.10")
    consent_cookies(client, statistics=True, visitor_id=cookie_id, first_day=first_day)
    view(client, "/ydelser/", ip="192.0.2.10")
    assert site_stat(vvs_site, today.day) == {
        "page_views": 2,
        "visits": 1,
        "visitors": 1,
        "returning_visitors": 0,
    }
    # The next day they come back from another address and browser: the cookie identifies
    # them, a returning visitor.
    today.move(1)
    view(client, "/", ip="198.51.100.1")
    view(client, "/ydelser/", ip="203.0.113.5", ua=CHROME)
    assert site_stat(vvs_site, today.day) == {
        "page_views": 2,
        "visits": 1,
        "visitors": 1,
        "returning_visitors": 1,
    }
    # Another visitor with consent on the same address and browser: their own cookie.
    other = client.__class__()
    consent_cookies(other, statistics=True, visitor_id=uuid.uuid4().hex, first_day=first_day)
    view(other, "/", ip="198.51.100.1")
    assert site_stat(vvs_site, today.day)["visitors"] == 2
    assert site_stat(vvs_site, today.day)["returning_visitors"] == 2


def test_a_visitor_cookie_without_statistics_consent_is_not_used(client, store, vvs_site, today):
    # Statistics declined (or withdrawn): a leftover visitor cookie is ignored.
    old_day = "20200101"
    consent_cookies(client, statistics=False, visitor_id=uuid.uuid4().hex, first_day=old_day)
    view(client, "/", ip="192.0.2.10")
    view(client, "/", ip="192.0.2.10", ua=CHROME)
    stat = site_stat(vvs_site)
    assert stat["visitors"] == 2  # by address and browser, so two browsers are two
    assert stat["returning_visitors"] == 0


@pytest.mark.parametrize(
    "path,extra",
    [
        (
            "/",
            {
                "HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            },
        ),
        ("/", {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; bingbot/2.0)"}),
        ("/", {"HTTP_USER_AGENT": "curl/8.5.0"}),
        ("/", {"HTTP_USER_AGENT": ""}),
        ("/", {"HTTP_SEC_PURPOSE": "prefetch;prerender"}),
        ("/findes-ikke/", {}),
        ("/en/does-not-exist/", {}),
        ("/admin/", {}),
        ("/admin/login/", {}),
        ("/healthz/", {}),
        ("/sitemap.xml", {}),
        ("/cookies/", {}),
        ("/en/cookies/", {}),
        ("/static/css/site.css", {}),
        ("/brand/0b5394.css", {}),
        ("/documents/1/missing.pdf", {}),
    ],
)
def test_not_counted(client, store, vvs_site, path, extra):
    kwargs = {"HTTP_USER_AGENT": BROWSER, **extra}
    client.get(path, HTTP_HOST=VVS, REMOTE_ADDR="192.0.2.10", **kwargs)
    assert site_stat(vvs_site)["page_views"] == 0
    assert not DailyPageStat.objects.exists()


def test_other_methods_and_logged_in_users_not_counted(client, store, vvs_site, superuser):
    client.head("/", HTTP_HOST=VVS, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=BROWSER)
    client.post("/", HTTP_HOST=VVS, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=BROWSER)
    client.options("/", HTTP_HOST=VVS, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=BROWSER)
    client.force_login(superuser)
    assert view(client, "/").status_code == 200
    assert view(client, "/en/").status_code == 200
    assert site_stat(vvs_site)["page_views"] == 0
    client.logout()
    view(client, "/")
    assert site_stat(vvs_site)["page_views"] == 1


def test_pages_from_the_page_cache_are_counted(client, store, vvs_site):
    # A visitor with a current choice (no banner) gets the stored page on the second view.
    consent_cookies(client, statistics=False)
    first = view(client, "/ydelser/")
    second = view(client, "/ydelser/", ip="198.51.100.3")
    assert first.status_code == second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert site_stat(vvs_site) == {
        "page_views": 2,
        "visits": 2,
        "visitors": 2,
        "returning_visitors": 0,
    }
    assert pages(vvs_site) == {"/ydelser/": (2, 2)}


@override_settings(ANALYTICS_VISIT_GAP_SECONDS=1)
def test_visits_entries_and_referrers(client, store, vvs_site, el_site):
    google = "https://www.google.dk/search?q=vvs+k%C3%B8benhavn"
    view(client, "/ydelser/", HTTP_REFERER=google)
    # Inside the visit: no new entry, and no referrer (not even an external one).
    view(client, "/", HTTP_REFERER="http://mihvvs.localhost/ydelser/")
    view(client, "/", HTTP_REFERER="https://www.example.com/links")
    assert site_stat(vvs_site)["visits"] == 1
    assert referrers(vvs_site) == {("search", "Google"): 1}
    # A gap longer than ANALYTICS_VISIT_GAP_SECONDS: a new visit, entering at /.
    time.sleep(2.1)
    view(client, "/", HTTP_REFERER="https://www.example.com/links")
    # Other visitors: from the other company's site, another website, other search engines,
    # our own site (no referrer), and no Referer at all.
    view(client, "/kontakt/", ip="10.0.1.1", HTTP_REFERER="http://mihel.localhost/en/")
    view(client, "/", ip="10.0.2.1", HTTP_REFERER="https://duckduckgo.com/")
    view(client, "/", ip="10.0.3.1", HTTP_REFERER="https://www.bing.com/search?q=x")
    view(client, "/", ip="10.0.4.1", HTTP_REFERER="https://www.google.com/")
    view(client, "/", ip="10.0.5.1", HTTP_REFERER="http://www.mihvvs.localhost/")
    view(client, "/en/", ip="10.0.6.1")
    assert site_stat(vvs_site) == {
        "page_views": 10,
        "visits": 8,
        "visitors": 7,
        "returning_visitors": 0,
    }
    assert referrers(vvs_site) == {
        ("search", "Google"): 2,
        ("search", "DuckDuckGo"): 1,
        ("search", "Bing"): 1,
        ("other", "example.com"): 1,
        ("own", "mihel.localhost"): 1,
    }
    assert pages(vvs_site) == {
        "/ydelser/": (1, 1),
        "/": (7, 5),
        "/kontakt/": (1, 1),
        "/en/": (1, 1),
    }
    # The referring page's path and query are never kept, only the host.
    sources = DailyReferrerStat.objects.values_list("source", flat=True)
    assert not any("/" in source or "q=" in source for source in sources)


def test_counting_never_logs_personal_data(client, store, vvs_site, caplog):
    caplog.set_level(logging.DEBUG)
    view(client, "/", ip="203.0.113.57", ua="Mozilla/5.0 UniqueAgent-4711")
    view(client, "/", ip="203.0.113.57", ua="Googlebot/2.1 UniqueAgent-4712")
    flush()
    for secret in ("203.0.113", "UniqueAgent"):
        assert secret not in caplog.text
