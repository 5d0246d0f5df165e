"""A visitor on a phone asks for a quote with a photo of the installation."""

import re

import pytest

from forms_app.models import FormSubmission, SubmissionPhoto

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_sends_a_quote_request_with_a_photo(page, site_url, sites, photo_file, screenshot):
    page.goto(site_url("mihvvs"))
    page.get_by_role("link", name="Få et uforpligtende tilbud").click()
    page.wait_for_url(re.compile(r"/tilbud/$"))

    # Sending without consent shows the Danish error and keeps what was typed.
    page.get_by_label("Navn").fill("Mette Hansen")
    page.get_by_label("Adresse").fill("Søndergade 12")
    page.get_by_label("Postnummer").fill("4000")
    page.get_by_label("Telefon").fill("12 34 56 78")
    page.get_by_label("E-mail").fill("mette@example.dk")
    page.get_by_label("Beskrivelse af opgaven").fill("Utæt blandingsbatteri.")
    page.get_by_label("Billeder af installationen").set_input_files(str(photo_file))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Sæt kryds for at give dit samtykke")
    assert page.get_by_label("Navn").input_value() == "Mette Hansen"
    assert FormSubmission.objects.count() == 0
    screenshot(page, "quote-missing-consent")

    page.get_by_label("Billeder af installationen").set_input_files(str(photo_file))
    page.get_by_label(re.compile("Jeg giver samtykke")).check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/tilbud/tak/(\?ref=.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak for din henvendelse")
    screenshot(page, "quote-thank-you")

    submission = FormSubmission.objects.get()
    assert submission.email == "mette@example.dk"
    assert submission.site.hostname == "mihvvs.localhost"
    assert SubmissionPhoto.objects.filter(submission=submission).count() == 1
