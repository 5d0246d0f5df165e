"""A visitor chooses cookies in the banner, with JavaScript and without, and withdraws again
from the footer's "Cookie-indstillinger"."""

import re

import pytest

from cookie_consent.models import ConsentRecord

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cookie_names(context):
    return {item["name"] for item in context.cookies()}


def check_banner(page):
    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    # A labelled region in normal flow, after the skip link; the phone number stays visible.
    expect(page.get_by_role("region", name=re.compile("cookies", re.I))).to_be_visible()
    assert banner.evaluate("el => getComputedStyle(el).position") == "static"
    expect(page.locator(".site-header")).to_be_visible()
    reject = banner.locator('button[value="reject_all"]')
    accept = banner.locator('button[value="accept_all"]')
    reject_box, accept_box = reject.bounding_box(), accept.bounding_box()
    assert reject_box["width"] == pytest.approx(accept_box["width"], abs=1)
    assert reject_box["height"] == pytest.approx(accept_box["height"], abs=1)
    assert reject_box["y"] == pytest.approx(accept_box["y"], abs=1)  # side by side
    assert reject.evaluate("el => getComputedStyle(el).backgroundColor") == accept.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    expect(banner.locator('input[name="statistics"]')).not_to_be_checked()
    return banner


def withdraw_from_the_footer(page, context):
    page.locator("footer [data-cookie-settings-link]").click()
    page.wait_for_url(re.compile(r"/cookies/$"))
    form = page.locator("#cookie-settings-form")
    expect(form.locator('input[name="statistics"]')).to_be_checked()  # pre-filled
    consent_id = str(ConsentRecord.objects.first().consent_id)
    assert consent_id in page.locator(".cookie-settings__id").inner_text()
    form.locator('input[name="statistics"]').uncheck()
    form.locator('button[value="save"]').click()
    page.wait_for_url(re.compile(r"/cookies/\?saved=1$"))
    expect(page.locator(".cookie-settings__saved")).to_be_visible()
    assert "mih_visitor" not in cookie_names(context)
    latest = ConsentRecord.objects.first()
    assert latest.method == ConsentRecord.Method.WITHDRAW
    assert str(latest.consent_id) == consent_id and latest.statistics is False
    # Afvis alle from the same page later: a plain rejection now, still no statistics cookie.
    page.locator('#cookie-settings-form button[value="reject_all"]').click()
    page.wait_for_url(re.compile(r"/cookies/\?saved=1$"))
    assert ConsentRecord.objects.first().method == ConsentRecord.Method.REJECT_ALL
    assert "mih_visitor" not in cookie_names(context)
    page.goto(page.url.split("/cookies/")[0] + "/ydelser/")
    expect(page.locator("#cookie-banner")).to_have_count(0)


def test_with_javascript_the_banner_goes_in_place(page, site_url, sites, screenshot):
    context = page.context
    page.goto(site_url("mihvvs", "/ydelser/"))
    banner = check_banner(page)
    expect(banner).to_be_focused()
    screenshot(page, "cookie-banner-phone")
    assert "mih_visitor" not in cookie_names(context)

    page.evaluate("window.__same_page = true")
    banner.locator('button[value="accept_all"]').click()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    assert page.evaluate("window.__same_page") is True  # no reload
    assert page.url.endswith("/ydelser/")
    expect(page.locator("#main")).to_be_focused()
    expect(page.locator("#cookie-status")).to_have_text(re.compile(r"\S"))
    assert {"mih_consent", "mih_visitor"} <= cookie_names(context)
    entry = ConsentRecord.objects.get()
    assert entry.method == ConsentRecord.Method.ACCEPT_ALL and entry.statistics

    page.reload()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    withdraw_from_the_footer(page, context)


def test_without_javascript_the_plain_form_works(browser, site_url, sites):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="da-DK"
    )
    try:
        page = context.new_page()
        page.goto(site_url("mihel", "/om-os/"))
        banner = check_banner(page)
        expect(banner).to_be_focused()  # autofocus, no script needed
        assert "mih_visitor" not in cookie_names(context)
        banner.locator('button[value="accept_all"]').click()
        page.wait_for_url(re.compile(r"/om-os/$"))
        expect(page.locator("#cookie-banner")).to_have_count(0)
        assert {"mih_consent", "mih_visitor"} <= cookie_names(context)
        entry = ConsentRecord.objects.get()
        assert entry.method == ConsentRecord.Method.ACCEPT_ALL
        assert entry.site.root_page.slug == "mihel"
        withdraw_from_the_footer(page, context)
    finally:
        context.close()


def test_rejecting_in_the_banner_sets_no_statistics_cookie(page, site_url, sites):
    page.goto(site_url("mihvvs", "/en/"))
    banner = check_banner(page)
    banner.locator('button[value="reject_all"]').click()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    assert "mih_consent" in cookie_names(page.context)
    assert "mih_visitor" not in cookie_names(page.context)
    entry = ConsentRecord.objects.get()
    assert (entry.method, entry.language) == (ConsentRecord.Method.REJECT_ALL, "en")
