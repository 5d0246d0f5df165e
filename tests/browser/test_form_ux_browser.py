"""Issue 13 on a phone (390×844): the error summary takes the focus, the browser can autofill,
an expired CSRF cookie gives the form back, and the thank-you page shows a reference."""

import re

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext

from forms_app.models import FormSubmission

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def da(message):
    with translation.override("da"):
        return gettext(message)


def fill_quote(page):
    page.get_by_label("Navn").fill("Mette Hansen")
    page.get_by_label("Adresse").fill("Søndergade 12")
    page.get_by_label("Postnummer").fill("4000")
    page.get_by_label("Telefon").fill("12 34 56 78")
    page.get_by_label("E-mail").fill("mette@example.dk")
    page.get_by_label("Beskrivelse af opgaven").fill("Utæt blandingsbatteri.")


def test_empty_quote_form_moves_focus_to_the_error_summary(page, site_url, sites, screenshot):
    page.goto(site_url("mihvvs", "/tilbud/"))
    # The browser can fill the visitor's details in.
    tokens = page.eval_on_selector_all(
        "form.public-form [autocomplete]",
        "els => Object.fromEntries(els.map(e => [e.name, [e.autocomplete, e.inputMode]]))",
    )
    assert tokens["navn"] == ["name", ""]
    assert tokens["adresse"] == ["street-address", ""]
    assert tokens["postnummer"] == ["postal-code", "numeric"]
    assert tokens["telefon"] == ["tel", "tel"]
    assert tokens["e_mail"] == ["email", "email"]

    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert page.title().startswith(f"{da('Error')}: ")
    # Every invalid input shows its error border (not only the textarea).
    colour = page.eval_on_selector("#id_navn", "e => getComputedStyle(e).borderTopColor")
    assert colour == "rgb(176, 0, 32)"
    screenshot(page, "form-ux-errors-phone")

    # A link in the summary takes the visitor to the field.
    summary.get_by_role("link", name=re.compile("^Adresse")).click()
    expect(page.get_by_label("Adresse")).to_be_focused()
    # No photo was chosen, so no "choose them again" note.
    expect(page.locator("#id_billeder_af_installationen_photos")).to_have_count(0)


@override_settings(CSRF_FAILURE_VIEW="forms_app.intake.csrf_failure.csrf_failure")
def test_lost_csrf_cookie_gives_the_form_back(page, site_url, sites, photo_file, screenshot):
    page.goto(site_url("mihvvs", "/tilbud/"))
    fill_quote(page)
    page.get_by_label("Billeder af installationen").set_input_files(str(photo_file))
    page.get_by_label(re.compile("Jeg giver samtykke")).check()
    # The browser restarted and restored the tab: its session cookie is gone.
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()

    notice = page.locator("#form-notice")
    expect(notice).to_contain_text(da("Your message was not sent"))
    expect(notice).to_be_focused()
    expect(notice.locator('a[href="tel:+4512345678"]')).to_be_visible()
    assert page.get_by_label("Navn").input_value() == "Mette Hansen"
    assert page.get_by_label("Beskrivelse af opgaven").input_value() == "Utæt blandingsbatteri."
    expect(page.get_by_label(re.compile("Jeg giver samtykke"))).not_to_be_checked()
    expect(page.locator("#id_billeder_af_installationen_photos")).to_be_visible()
    assert FormSubmission.objects.count() == 0
    screenshot(page, "form-ux-csrf-phone")

    # Sent again from this page, with a fresh cookie and token, it arrives.
    page.get_by_label("Billeder af installationen").set_input_files(str(photo_file))
    page.get_by_label(re.compile("Jeg giver samtykke")).check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/tilbud/tak/\?ref="))
    submission = FormSubmission.objects.get()
    expect(page.locator(".thanks-reference")).to_contain_text(
        re.compile(rf"VVS-\d{{4}}-{submission.pk:05d}")
    )


def test_thank_you_page_shows_the_reference(page, site_url, sites, photo_file, screenshot):
    page.goto(site_url("mihvvs", "/tilbud/"))
    fill_quote(page)
    page.get_by_label("Billeder af installationen").set_input_files(str(photo_file))
    page.get_by_label(re.compile("Jeg giver samtykke")).check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/tilbud/tak/\?ref="))
    submission = FormSubmission.objects.get()
    expect(page.locator(".thanks-reference strong")).to_have_text(
        re.compile(rf"^VVS-\d{{4}}-{submission.pk:05d}$")
    )
    expect(page.locator("main")).to_contain_text("1")
    screenshot(page, "form-ux-thank-you-phone")
