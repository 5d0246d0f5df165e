"""A fully qualified hostname with its trailing dot ("mihel.dk.") is the same site as without.

Browsers send the dot when a visitor types it; without normalising it, ``www.mihel.dk.``
was served as the default site (MIH VVS) and an MIH El enquiry was stored under MIH VVS.
"""

import pytest

from forms_app.models import FormSubmission
from tests.visitor import post_form

pytestmark = pytest.mark.django_db

CONTACT = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}


def test_trailing_dot_host_stores_the_enquiry_under_its_own_site(client, el_site):
    response = post_form(client, "/kontakt/", CONTACT, host="mihel.localhost.")
    assert response.status_code == 302
    assert FormSubmission.objects.get().site == el_site


def test_trailing_dot_host_renders_its_own_company(client, el_site):
    response = client.get("/", HTTP_HOST="mihel.localhost.")
    assert response.status_code == 200
    assert "kontakt@mihel.dk" in response.content.decode()


@pytest.mark.parametrize(
    ("host", "location"),
    [
        ("www.mihel.localhost.", "http://mihel.localhost/kontakt/?a=1"),
        ("www.mihel.localhost.:8123", "http://mihel.localhost:8123/kontakt/?a=1"),
        ("WWW.MIHEL.LOCALHOST.", "http://mihel.localhost/kontakt/?a=1"),
    ],
)
def test_www_with_trailing_dot_redirects_to_the_canonical_hostname(
    client, el_site, host, location
):
    response = client.get("/kontakt/?a=1", HTTP_HOST=host)
    assert response.status_code == 301
    assert response["Location"] == location


def test_www_with_trailing_dot_post_is_not_stored_under_the_default_site(client, el_site):
    """A form posted to www.<host>. is redirected like any other request, never stored under
    the default company."""
    response = client.post("/kontakt/", CONTACT, HTTP_HOST="www.mihel.localhost.")
    assert response.status_code == 301
    assert response["Location"] == "http://mihel.localhost/kontakt/"
    assert not FormSubmission.objects.exists()
