"""A customer-service employee logs in, finds a quote in the inbox and puts it on hold."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from forms_app.models import FormSubmission
from home.setup import setup_sites

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kundeservice-test-123"


@pytest.fixture
def staff_and_quote(transactional_db):
    setup_sites()
    user = get_user_model().objects.create_user("service", password=PASSWORD)
    user.groups.add(Group.objects.get(name="MIH VVS kundeservice"))
    Client().post(
        "/tilbud/",
        {
            "navn": "Mette Hansen",
            "adresse": "Søndergade 12",
            "postnummer": "4000",
            "telefon": "12 34 56 78",
            "e_mail": "mette@example.dk",
            "beskrivelse_af_opgaven": "Utæt blandingsbatteri.",
            "samtykke": "on",
        },
        HTTP_HOST="mihvvs.localhost",
    )
    return user, FormSubmission.objects.get()


def test_staff_puts_a_quote_on_legal_hold(browser, site_url, staff_and_quote, screenshot):
    _user, submission = staff_and_quote
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.goto(site_url("mihvvs", "/admin/login/"))
    page.locator("input[name=username]").fill("service")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log ind", re.I)).click()

    page.goto(site_url("mihvvs", "/admin/henvendelser/"))
    expect(page.get_by_role("cell", name="Mette Hansen")).to_be_visible()
    screenshot(page, "inbox")
    page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    expect(page.get_by_text("Utæt blandingsbatteri.")).to_be_visible()

    # The browser itself refuses a hold without a reason (the server does too: unit tests).
    reason = page.get_by_label("Begrundelse for tilbageholdelsen")
    expect(reason).to_have_attribute("required", "")
    page.get_by_label("Begrundelse for tilbageholdelsen").fill("Reklamationssag")
    page.get_by_role("button", name="Tilbagehold").click()
    expect(page.get_by_text("Reklamationssag")).to_be_visible()
    screenshot(page, "inbox-detail")
    context.close()

    submission.refresh_from_db()
    assert submission.legal_hold and submission.legal_hold_reason == "Reklamationssag"
