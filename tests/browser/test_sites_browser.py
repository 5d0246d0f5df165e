"""A visitor on a phone opens both sites and reads the privacy policy."""

import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_sees_each_company_and_its_policy(page, site_url, sites, screenshot):
    page.goto(site_url("mihvvs"))
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.get_by_role("img", name="MIH VVS ApS").is_visible()
    assert "kontakt@mihvvs.dk" in page.locator("footer").inner_text()
    screenshot(page, "mihvvs-home")

    page.locator("footer").get_by_role("link", name="Persondatapolitik").click()
    page.wait_for_url(re.compile(r"/persondatapolitik/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Persondatapolitik"
    assert "Version 1" in page.locator(".policy__meta").inner_text()
    # The table of contents jumps to the section.
    page.get_by_role("link", name="6. Sikkerhed").click()
    assert page.url.endswith("#6-sikkerhed")
    expect(page.locator('[id="6-sikkerhed"]')).to_be_in_viewport()
    screenshot(page, "mihvvs-policy")

    page.goto(site_url("mihel"))
    assert page.get_by_role("img", name="MIH El ApS").is_visible()
    footer = page.locator("footer").inner_text()
    assert "kontakt@mihel.dk" in footer and "mihvvs" not in footer
    nav = page.get_by_role("navigation", name="Hovedmenu")
    assert nav.get_by_role("link", name="Ydelser").is_visible()
    screenshot(page, "mihel-home")
