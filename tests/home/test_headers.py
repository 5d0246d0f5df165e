"""Security headers: a strict CSP on public pages, a workable one on the admin, and the rest."""

import re

import pytest
from django.http import HttpResponse
from django.test import override_settings
from wagtail.models import Page

from home.middleware import ContentSecurityPolicyMiddleware
from home.models import CompanySettings, HomePage, PrivacyPolicyPage

pytestmark = pytest.mark.django_db

VVS = {"HTTP_HOST": "mihvvs.localhost"}
PUBLIC_PATHS = ["/", "/persondatapolitik/", "/tilbud/", "/en/", "/findes-ikke/"]


def directives(response):
    """``{"script-src": ["'self'"], ...}`` of the response's Content-Security-Policy."""
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_have_a_strict_policy(client, sites, path):
    response = client.get(path, **VVS)
    assert response.status_code in (200, 404)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "nonce-" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_carry_nothing_inline(client, sites, path):
    """What the policy forbids is not in the pages: no inline script, style or handler."""
    html = client.get(path, **VVS).content.decode()
    # A JSON-LD data block (schema.org, home/seo.py) is never executed and needs no CSP.
    assert not re.search(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/ld\+json")', html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_policy_is_the_same_for_every_response(client, sites):
    """No nonce or per-response hash: a page cache may serve one stored response to all."""
    first = client.get("/", **VVS)["Content-Security-Policy"]
    assert client.get("/", **VVS)["Content-Security-Policy"] == first
    assert client.get("/", HTTP_HOST="mihel.localhost")["Content-Security-Policy"] == first


def test_the_brand_colour_comes_from_a_stylesheet_named_by_it(client, sites):
    el_root = HomePage.objects.get(slug="mihel", locale__language_code="da")
    company = CompanySettings.for_site(el_root.get_site())
    company.brand_colour = "#8A1C1C"
    company.save()

    html = client.get("/", HTTP_HOST="mihel.localhost").content.decode()
    assert '<link rel="stylesheet" href="/brand/8a1c1c.css">' in html

    css = client.get("/brand/8a1c1c.css")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    # The colour, and the darker shades derived from it for hover and text on light grounds.
    assert (
        css.content.decode().strip()
        == ":root{--brand:#8a1c1c;--brand-dark:#751818;--brand-text:#8a1c1c}"
    )
    assert "immutable" in css["Cache-Control"]
    assert "max-age=31536000" in css["Cache-Control"]
    # Nothing but six hex digits makes a stylesheet.
    assert client.get("/brand/8a1c1c;}body{display:none.css").status_code == 404
    assert client.get("/brand/red.css").status_code == 404


def test_the_admin_gets_its_own_policy(client, superuser):
    for path in ("/admin/login/", "/admin/henvendelser/"):
        if path != "/admin/login/":
            client.force_login(superuser)
        policy = directives(client.get(path, **VVS))
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["object-src"] == ["'none'"]
        # Wagtail's live preview frames the admin's own pages.
        assert policy["frame-ancestors"] == ["'self'"]


def test_the_preview_gets_the_public_policy_framed_by_the_admin(sites):
    policy_page = PrivacyPolicyPage.objects.filter(locale__language_code="da").first()
    response = Page.objects.get(pk=policy_page.pk).specific.make_preview_request()
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_media_on_another_host_is_an_allowed_image_source(rf, sites):
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "mih-media", "custom_domain": "media.mihvvs.dk"},
        },
    }
    with override_settings(STORAGES=storages):
        middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
        response = middleware(rf.get("/"))
    policy = directives(response)
    assert policy["img-src"] == ["'self'", "data:", "https://media.mihvvs.dk"]


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/static/css/site.css"])
def test_permissions_and_resource_policies_everywhere(client, sites, path):
    response = client.get(path, **VVS)
    assert response.status_code == 200
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_referrer_and_opener_policies(client, sites):
    response = client.get("/", **VVS)
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
