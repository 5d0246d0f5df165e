"""A visitor with a leak or a power cut opens the site on a phone (390x844): the call button and
the emergency line are on the first screen, big enough to hit with a thumb."""

import json
import re

import pytest

from tests.browser.conftest import ARTIFACTS

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLD = 844
NUMBERS = {
    "mihvvs": ("tel:+4512345678", "tel:+4520304050", "rgb(11, 83, 148)"),  # #0b5394
    "mihel": ("tel:+4587654321", "tel:+4560708090", "rgb(180, 95, 6)"),  # #b45f06
}


def first_screen(page, name):
    """A PNG of what the phone shows before any scrolling."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def check_touch_target(link):
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    return box


@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_call_buttons_are_on_the_first_screen_after_the_cookie_choice(
    page, site_url, sites, screenshot, key
):
    tel, emergency_tel, brand = NUMBERS[key]
    page.goto(site_url(key, "/"))
    page.get_by_role("button", name="Afvis alle").click()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    page.goto(site_url(key, "/"))  # a fresh page view with the choice made: no banner
    expect(page.locator("#cookie-banner")).to_have_count(0)
    assert page.evaluate("window.scrollY") == 0

    call = page.locator(f'.site-header a.call[href="{tel}"]')
    box = check_touch_target(call)
    assert box["y"] >= 0 and box["y"] + box["height"] <= FOLD, box
    assert call.evaluate("el => getComputedStyle(el).backgroundColor") == brand
    assert call.evaluate("el => getComputedStyle(el).color") == "rgb(255, 255, 255)"
    assert re.search(r"\+45 \d\d \d\d \d\d \d\d", call.inner_text())

    emergency = page.locator(f'.site-header a.call--emergency[href="{emergency_tel}"]')
    emergency_box = check_touch_target(emergency)
    assert emergency_box["y"] + emergency_box["height"] <= FOLD, emergency_box
    assert emergency.evaluate("el => getComputedStyle(el).borderTopColor") == brand
    # The whole width of the phone, nothing cut off at the right.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for link in (call, emergency):
        assert link.evaluate("el => el.scrollWidth <= el.clientWidth")
    first_screen(page, f"phone-header-{key}")
    screenshot(page, f"phone-header-{key}-full")


def test_english_page_has_the_same_call_buttons(page, site_url, sites):
    page.goto(site_url("mihvvs", "/en/"))
    page.get_by_role("button", name=re.compile("Reject all|Afvis alle")).click()
    page.goto(site_url("mihvvs", "/en/"))
    call = page.locator('.site-header a.call[href="tel:+4512345678"]')
    box = check_touch_target(call)
    assert box["y"] + box["height"] <= FOLD
    expect(page.locator(".site-header a.call--emergency")).to_contain_text("24 hours a day")
    first_screen(page, "phone-header-mihvvs-en")


@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_where_the_call_button_lands_while_the_cookie_banner_is_shown(page, site_url, sites, key):
    """Measured, not asserted against the fold: the banner (cookie_consent) comes before the
    header. Written to test-artifacts/phone-header-with-banner-<key>.json for the report."""
    tel, _emergency_tel, _brand = NUMBERS[key]
    page.goto(site_url(key, "/"))
    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    call = page.locator(f'.site-header a.call[href="{tel}"]')
    box = check_touch_target(call)
    banner_box = banner.bounding_box()
    measured = {
        "viewport": [390, FOLD],
        "banner_top": banner_box["y"],
        "banner_height": banner_box["height"],
        "call_top": box["y"],
        "call_bottom": box["y"] + box["height"],
        "above_the_fold": box["y"] + box["height"] <= FOLD,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"phone-header-with-banner-{key}.json").write_text(json.dumps(measured))
    first_screen(page, f"phone-header-with-banner-{key}")
    # Reachable: below the banner, in the page's normal flow, one scroll away.
    assert box["y"] >= banner_box["y"] + banner_box["height"]
    call.scroll_into_view_if_needed()
    box = call.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= FOLD


def test_desktop_keeps_the_call_buttons_in_the_header_row(browser, site_url, sites):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    page = context.new_page()
    try:
        page.goto(site_url("mihvvs", "/"))
        page.get_by_role("button", name="Afvis alle").click()
        page.goto(site_url("mihvvs", "/"))
        header = page.locator(".site-header").bounding_box()
        for selector in (".site-header a.call", ".site-header a.call--emergency"):
            box = check_touch_target(page.locator(selector).first)
            assert box["y"] + box["height"] <= header["y"] + header["height"]
        assert header["height"] <= 200, header
        first_screen(page, "desktop-header-mihvvs")
    finally:
        context.close()
