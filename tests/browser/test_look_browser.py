"""Both home pages at 390 px and 1280 px, as a visitor's browser shows them: the hero picture
loads (WebP) and everything the page loads stays under 30 KB from the site's own host.
Screenshots go to test-artifacts/ to look at."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = ((390, 844), (1280, 800))


@pytest.mark.parametrize("key", ["mihel", "mihvvs"])
def test_home_page_hero_and_weight(browser, site_url, sites, key):
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)

    def serve_media(route):  # the live server (DEBUG off) serves no media: hand the files
        path = media_root / route.request.url.split("/media/", 1)[1]
        content_type = "image/webp" if path.suffix == ".webp" else "image/png"
        route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)

    for width, height in VIEWPORTS:
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            page.route("**/media/**", serve_media)
            responses = []
            page.on("response", lambda response: responses.append(response))  # noqa: B023
            page.goto(site_url(key, "/"))
            page.wait_for_load_state("networkidle")
            hero = page.locator(".hero__media img")
            assert hero.evaluate("img => img.complete && img.naturalWidth > 0")
            assert hero.evaluate("img => img.currentSrc").endswith(".webp")
            page.screenshot(path=artifacts / f"look-{key}-home-{width}.png", full_page=True)
            # Transfer size as production sends it: text gzipped (WhiteNoise, the proxy).
            sizes = []
            for response in responses:
                body = response.body()
                text = response.headers.get("content-type", "").startswith(
                    ("text/", "application/")
                )
                sizes.append((response.url, len(gzip.compress(body)) if text else len(body)))
            assert sum(size for _url, size in sizes) < 30 * 1024, sizes
            own = site_url(key, "/")
            assert all(url.startswith(own) for url, _size in sizes), sizes
        finally:
            context.close()
