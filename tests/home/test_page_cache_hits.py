"""A page-cache hit runs as little as possible, and still carries every security header."""

import pytest
from django.core.cache import cache

from home.middleware import CanonicalHostMiddleware, ContentSecurityPolicyMiddleware

VVS = "mihvvs.localhost"
SECURITY_HEADERS = [
    "Content-Security-Policy",
    "Permissions-Policy",
    "Cross-Origin-Resource-Policy",
    "Cross-Origin-Opener-Policy",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Content-Language",
    "Content-Type",
    "Cache-Control",
    "Vary",
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", ["/", "/persondatapolitik/", "/en/"])
def test_a_hit_carries_the_headers_of_the_miss(client, sites, path):
    miss = client.get(path, HTTP_HOST=VVS)
    hit = client.get(path, HTTP_HOST=VVS)
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    for name in SECURITY_HEADERS:
        assert name in miss, name
        assert hit[name] == miss[name], name
    assert hit.content == miss.content


def test_a_hit_runs_no_middleware_below_the_cache(client, sites, monkeypatch):
    calls = []
    for cls, method in (
        (ContentSecurityPolicyMiddleware, "process_response"),
        (CanonicalHostMiddleware, "__call__"),
    ):
        original = getattr(cls, method)

        def counted(self, *args, _original=original, _name=cls.__name__, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, counted)
    client.get("/", HTTP_HOST=VVS)
    assert calls  # the miss renders through all of them
    calls.clear()
    assert client.get("/", HTTP_HOST=VVS)["X-Page-Cache"] == "hit"
    assert calls == []


def test_a_www_host_is_still_redirected(client, sites, settings):
    settings.ALLOWED_HOSTS = ["*"]
    client.get("/", HTTP_HOST=VVS)
    response = client.get("/", HTTP_HOST=f"www.{VVS}")
    assert response.status_code == 301
    assert response["Location"] == f"http://{VVS}/"


def test_a_get_with_an_oversized_body_is_refused_not_served_from_the_cache(client, sites):
    client.get("/", HTTP_HOST=VVS)
    response = client.generic("GET", "/", data=b"", HTTP_HOST=VVS, CONTENT_LENGTH=str(10**12))
    assert response.status_code == 413
