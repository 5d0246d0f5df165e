"""The consent proof names what the visitor was shown, not what is live when they press send.

Each rendered form carries a signed reference of its form and policy revisions. If an editor
publishes a new form or policy revision between GET and POST, or the reference is missing or
tampered with, the form is shown again with the new text and nothing is stored.
"""

import re

import pytest
from django.core import signing
from django.utils import translation

from forms_app.intake.consent import REFERENCE_SALT, read_reference
from forms_app.intake.forms import CONSENT_FIELD, REFERENCE_FIELD
from forms_app.models import FormSubmission
from home.models import CompanySettings
from tests.visitor import reference_in

pytestmark = pytest.mark.django_db

CHANGED = (
    "The form or our privacy policy changed while you were filling it in. Please read the "
    "consent text again and send the form once more."
)


def danish(message):
    """``message`` as a Danish visitor sees it, whether or not it is translated yet."""
    with translation.override("da"):
        return translation.gettext(message)


def load(client, path="/tilbud/"):
    """The reference a freshly loaded form carries."""
    response = client.get(path, HTTP_HOST="mihvvs.localhost")
    assert response.status_code == 200
    return reference_in(response.content.decode())


def send(client, data, reference, path="/tilbud/"):
    payload = {**data, REFERENCE_FIELD: reference}
    return client.post(path, payload, HTTP_HOST="mihvvs.localhost")


def consent_input(html):
    return re.search(r'<input type="checkbox" name="samtykke"[^>]*>', html).group(0)


def live_revisions(page, vvs_site):
    page.refresh_from_db()
    policy = CompanySettings.for_site(vvs_site).privacy_policy_page
    policy.refresh_from_db()
    return {"form": page.live_revision_id, "policy": policy.live_revision_id}


def assert_shown_again(response, quote_data, current):
    """Status 200, nothing stored, the message on the unticked consent box, what the visitor
    typed kept, and the page carries the reference of what it shows now."""
    assert response.status_code == 200
    assert not FormSubmission.objects.exists()
    form = response.context["form"]
    assert form.is_bound
    assert form.errors == {CONSENT_FIELD: [danish(CHANGED)]}
    html = response.content.decode()
    assert danish(CHANGED) in html
    assert 'role="alert"' in html
    assert " checked" not in consent_input(html)
    assert 'aria-invalid="true"' in consent_input(html)
    assert f'value="{quote_data["navn"]}"' in html
    assert read_reference(reference_in(html)) == current


@pytest.fixture
def policy(vvs_site):
    return CompanySettings.for_site(vvs_site).privacy_policy_page


def test_normal_submission_stores_the_revisions_of_its_reference(
    client, quote_page, quote_data, policy, vvs_site
):
    reference = load(client)
    shown = read_reference(reference)
    assert shown == live_revisions(quote_page, vvs_site)
    assert None not in shown.values()
    response = send(client, quote_data, reference)
    assert response.status_code == 302 and response["Location"].startswith("/tilbud/tak/?ref=")
    submission = FormSubmission.objects.get()
    assert submission.form_revision_id == shown["form"] == quote_page.live_revision_id
    assert submission.policy_revision_id == shown["policy"] == policy.live_revision_id
    assert submission.policy_page_id == policy.pk
    assert REFERENCE_FIELD not in submission.form_data


def test_policy_published_between_get_and_post_shows_the_form_again(
    client, quote_page, quote_data, policy, vvs_site
):
    reference = load(client)
    old_policy_revision = read_reference(reference)["policy"]
    # An editor publishes a new policy revision while the visitor types.
    policy.title = "Persondatapolitik 2027"
    policy.save_revision().publish()
    response = send(client, quote_data, reference)
    current = live_revisions(quote_page, vvs_site)
    assert current["policy"] != old_policy_revision
    assert_shown_again(response, quote_data, current)
    # The consent text now links the new revision of the policy.
    html = response.content.decode()
    assert "persondatapolitik 2027 <span" in html
    # Sent again from the page they now see, the proof names the new revision.
    response = send(client, quote_data, reference_in(html))
    assert response.status_code == 302
    assert FormSubmission.objects.get().policy_revision_id == current["policy"]


def test_form_published_between_get_and_post_shows_the_form_again(
    client, quote_page, quote_data, vvs_site
):
    reference = load(client)
    quote_page.consent_text = "Jeg accepterer de nye vilkår for behandling af mine oplysninger."
    quote_page.save_revision().publish()
    response = send(client, quote_data, reference)
    current = live_revisions(quote_page, vvs_site)
    assert current["form"] != read_reference(reference)["form"]
    assert_shown_again(response, quote_data, current)
    html = response.content.decode()
    assert "Jeg accepterer de nye vilkår for behandling af mine oplysninger." in html
    response = send(client, quote_data, reference_in(html))
    assert response.status_code == 302
    submission = FormSubmission.objects.get()
    assert submission.form_revision_id == current["form"]
    assert submission.consent_text.startswith("Jeg accepterer de nye vilkår")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="tampered"),
        pytest.param(
            lambda token: signing.dumps(
                {**read_reference(token), "policy": read_reference(token)["policy"] - 1},
                salt="another.salt",
            ),
            id="signed-for-something-else",
        ),
        pytest.param(lambda token: "", id="missing"),
    ],
)
def test_bad_reference_shows_the_form_again(client, quote_page, quote_data, vvs_site, forge):
    reference = forge(load(client))
    response = send(client, quote_data, reference)
    assert_shown_again(response, quote_data, live_revisions(quote_page, vvs_site))


def test_reference_of_another_form_is_not_accepted(client, quote_page, quote_data, vvs_site):
    reference = load(client, "/kontakt/")
    assert signing.loads(reference, salt=REFERENCE_SALT)  # genuine, but for the contact form
    response = send(client, quote_data, reference)
    assert_shown_again(response, quote_data, live_revisions(quote_page, vvs_site))
