"""A customer-service employee logs in, finds a quote in the inbox and puts it on hold."""

import re

import pytest

from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_puts_a_quote_on_legal_hold(browser, site_url, vvs_staff, submission, screenshot):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.goto(site_url("mihvvs", "/admin/login/"))
    page.locator("input[name=username]").fill(vvs_staff.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log ind", re.I)).click()

    page.goto(site_url("mihvvs", "/admin/henvendelser/"))
    expect(page.get_by_role("cell", name="Mette Hansen")).to_be_visible()
    expect(page.get_by_role("cell", name="Jens Ølgaard")).to_be_visible()
    screenshot(page, "inbox")
    # Wagtail's search box refreshes the results in place; our search folds case ("mette").
    page.get_by_role("textbox", name=re.compile("Søg|Search", re.I)).fill("mette")
    expect(page.get_by_role("cell", name="Jens Ølgaard")).to_have_count(0)
    expect(page.get_by_role("cell", name="Mette Hansen")).to_be_visible()
    assert "q=mette" in page.url
    page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    expect(page.get_by_text("Utæt blandingsbatteri.")).to_be_visible()

    # The browser itself refuses a hold without a reason (the server does too: unit tests).
    reason = page.get_by_label("Intern note (kun for medarbejdere)")
    expect(reason).to_have_attribute("required", "")
    page.get_by_label("Hvad personen får at vide").select_option("legal_claim")
    reason.fill("Kunden har klaget over fugen; advokat involveret")
    page.get_by_role("button", name="Sæt tilbageholdelse").click()
    expect(page.get_by_text("Kunden har klaget over fugen; advokat involveret")).to_be_visible()
    expect(page.get_by_text(re.compile("^Retskrav eller reklamationssag"))).to_be_visible()
    screenshot(page, "inbox-detail")

    # Back in the inbox, Wagtail's filter drawer finds what is on hold.
    page.goto(site_url("mihvvs", "/admin/henvendelser/"))
    page.locator("button[aria-label*='ilt']").first.click()
    page.get_by_role("button", name="Juridisk tilbageholdelse").click()
    page.locator("select[name=legal_hold]").select_option("true")
    expect(page.get_by_role("cell", name="Jens Ølgaard")).to_have_count(0)
    expect(page.get_by_role("cell", name="Mette Hansen")).to_be_visible()
    expect(page.get_by_text("Juridisk tilbageholdelse: Ja")).to_be_visible()
    screenshot(page, "inbox-filtered")
    context.close()

    submission.refresh_from_db()
    assert submission.legal_hold and submission.legal_hold_category == "legal_claim"
    assert submission.legal_hold_reason == "Kunden har klaget over fugen; advokat involveret"
