"""Proper Danish on the public sites: the review's corrections (ux-review.md, 5a) as a visitor
meets them. The admin side is tests/i18n/test_admin_danish.py."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.visitor import post_form

pytestmark = pytest.mark.django_db

OVERRIDES = settings.BASE_DIR / "locale_overrides"


@pytest.fixture(autouse=True)
def danish_catalogues(settings):
    from django.core.management import call_command

    if OVERRIDES not in map(Path, settings.LOCALE_PATHS):
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, OVERRIDES]
    call_command("compile_translations", verbosity=0)


def page(client, host, path):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, (host, path)
    return response.content.decode()


def test_each_form_says_what_it_sends(client, sites):
    assert ">Send forespørgsel</button>" in page(client, "mihvvs.localhost", "/tilbud/")
    assert ">Send besked</button>" in page(client, "mihvvs.localhost", "/kontakt/")
    assert ">Send request</button>" in page(client, "mihvvs.localhost", "/en/get-a-quote/")
    assert ">Send message</button>" in page(client, "mihvvs.localhost", "/en/contact/")


def test_django_messages_match_our_labels(client, sites):
    response = post_form(client, "/kontakt/", {"navn": "", "e_mail": "nope", "besked": "Hej"})
    html = response.content.decode()
    assert "Skal udfyldes." in html
    assert "Indtast en gyldig e-mailadresse, f.eks. navn@eksempel.dk." in html
    assert "påkrævet" not in html and "e-mail-adresse" not in html


def test_thank_you_and_contents_headings(client, sites):
    response = post_form(
        client,
        "/kontakt/",
        {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"},
    )
    assert response.status_code == 302
    thanks = page(client, "mihvvs.localhost", response["Location"])
    assert "<h1>Tak for din henvendelse</h1>" in thanks
    policy = page(client, "mihvvs.localhost", "/persondatapolitik/")
    assert ">Indholdsfortegnelse</h2>" in policy
    assert "tilbudsformular" in policy and "tilbudsmodul" not in policy


def test_demo_copy_is_proper_danish_and_each_firm_its_own(client, sites):
    vvs = page(client, "mihvvs.localhost", "/")
    assert "VVS-arbejde, du kan regne med" in vvs
    assert "ser på opgaven" in vvs
    assert "Akutvagt (døgnet rundt): " in vvs
    assert "faglærte VVS-montører" in page(client, "mihvvs.localhost", "/om-os/")
    assert "uddannede elektrikere" in page(client, "mihel.localhost", "/om-os/")
    assert "boligens elinstallation" in page(client, "mihel.localhost", "/ydelser/")
    assert "Adressen, hvor arbejdet skal udføres." in page(client, "mihvvs.localhost", "/tilbud/")
