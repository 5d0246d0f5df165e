"""A visitor switches to English and writes through the English contact form."""

import re

import pytest

from forms_app.models import FormSubmission

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_switches_to_english_and_sends_the_contact_form(page, site_url, sites, screenshot):
    page.goto(site_url("mihel", "/kontakt/"))
    assert page.locator("html").get_attribute("lang") == "da"
    page.get_by_role("navigation", name="Sprog").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/contact/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact")

    page.get_by_label("Name").fill("Ann Smith")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Message").fill("Could you check our fuse box?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Please tick the box")
    page.get_by_label(re.compile("I consent to MIH El ApS")).check()
    screenshot(page, "english-contact")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/en/contact/thank-you/(\?ref=.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your message")

    submission = FormSubmission.objects.get()
    assert submission.consent_language == "en"
    assert submission.form_data["besked"] == "Could you check our fuse box?"
    assert submission.site.hostname == "mihel.localhost"
