"""Issue 13's "Done when" on a phone (390×844), for the sites and languages the other browser
tests leave out: test_phone_header_browser.py and test_form_ux_browser.py walk MIH VVS in
Danish (and its English header); here MIH El in Danish and both sites in English.

One visitor per case on the quote form: the call link is in the header above the fold, the
browser can autofill the form, an empty post puts the focus on the error summary, a post whose
cookies were all lost on the way (a restarted browser) gives the form back with what was
typed, and the post after that lands on a thank-you page with the reference number.
"""

import os
import re

import pytest

from forms_app.models import FormSubmission

if os.environ.get("CI"):  # CI installs Playwright: a missing one fails there
    from playwright.sync_api import expect
else:
    expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ci_requires_browser"),
]

FOLD = 844
CASES = {
    # site, language: (form path, thank-you path, call link, reject-cookies button, prefix)
    ("mihel", "da"): ("/tilbud/", "/tilbud/tak/", "tel:+4587654321", "Afvis alle", "EL"),
    ("mihel", "en"): (
        "/en/get-a-quote/",
        "/en/get-a-quote/thank-you/",
        "tel:+4587654321",
        "Reject all",
        "EL",
    ),
    ("mihvvs", "en"): (
        "/en/get-a-quote/",
        "/en/get-a-quote/thank-you/",
        "tel:+4512345678",
        "Reject all",
        "VVS",
    ),
}
# The quote form's fields (named by their Danish key in both languages): what the visitor types
# and the autofill token and keyboard the browser is told about.
TYPED = {
    "navn": ("Mette Hansen", "name", ""),
    "adresse": ("Søndergade 12", "street-address", ""),
    "postnummer": ("4000", "postal-code", "numeric"),
    "telefon": ("12 34 56 78", "tel", "tel"),
    "e_mail": ("mette@example.dk", "email", "email"),
    "beskrivelse_af_opgaven": ("Utæt blandingsbatteri.", None, None),
}


def fill(page):
    for name, (value, _token, _mode) in TYPED.items():
        page.locator(f'form.public-form [name="{name}"]').fill(value)


def consent(page):
    return page.locator("form.public-form input[type=checkbox][required]").last


@pytest.mark.parametrize("case", CASES, ids=lambda case: "-".join(case))
def test_quote_form_on_a_phone(page, site_url, sites, photo_file, screenshot, case):
    key, language = case
    form_path, thanks_path, tel, reject, prefix = CASES[case]
    assert page.viewport_size == {"width": 390, "height": FOLD}

    # The cookie question answered once; then the form page as the visitor sees it.
    page.goto(site_url(key, form_path))
    page.get_by_role("button", name=reject).click()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    page.goto(site_url(key, form_path))
    assert page.locator("html").get_attribute("lang") == language

    # Call us, first screen.
    call = page.locator(f'.site-header a[href="{tel}"]').first
    expect(call).to_be_visible()
    box = call.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= FOLD, box

    # Forms that fill themselves.
    tokens = page.eval_on_selector_all(
        "form.public-form input, form.public-form textarea",
        "els => Object.fromEntries(els.map(e => [e.name, [e.autocomplete, e.inputMode]]))",
    )
    for name, (_value, token, mode) in TYPED.items():
        if token is not None:
            assert tokens[name] == [token, mode], (name, tokens[name])

    # An empty post: the error summary has the focus.
    page.locator("form.public-form [type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    expect(summary).to_be_in_viewport()
    screenshot(page, f"done-when-errors-{key}-{language}")

    # Never lose what they typed: every cookie lost between showing the form and sending it.
    page.goto(site_url(key, form_path))
    fill(page)
    page.locator('form.public-form input[type="file"]').set_input_files(str(photo_file))
    consent(page).check()
    page.context.clear_cookies()
    page.locator("form.public-form [type=submit]").click()
    page.wait_for_load_state()
    notice = page.locator("#form-notice")
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()
    expect(notice.locator(f'a[href="{tel}"]')).to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    for name, (value, _token, _mode) in TYPED.items():
        assert page.locator(f'form.public-form [name="{name}"]').input_value() == value, name
    assert FormSubmission.objects.count() == 0
    screenshot(page, f"done-when-csrf-{key}-{language}")

    # Sent again from that page: a thank-you page with the reference number.
    page.locator('form.public-form input[type="file"]').set_input_files(str(photo_file))
    consent(page).check()
    page.locator("form.public-form [type=submit]").click()
    page.wait_for_url(re.compile(re.escape(thanks_path) + r"\?ref="))
    submission = FormSubmission.objects.get()
    assert submission.site.root_page.slug == key
    assert submission.consent_language == language
    expect(page.locator(".thanks-reference strong")).to_have_text(
        re.compile(rf"^{prefix}-\d{{4}}-{submission.pk:05d}$")
    )
    screenshot(page, f"done-when-thanks-{key}-{language}")
