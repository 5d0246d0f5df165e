"""The quote form is cheap for anonymous visitors, and never stale.

Its policy, policy link, form class and blank inputs come from the page cache's per-process
memo (home/page_cache.py), which a publish drops: the very next request shows what an editor
published. Editors (a session) and previews never use the memo.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from forms_app.intake.consent import read_reference
from forms_app.models import FormField, FormPage
from home import page_cache
from home.models import CompanySettings
from tests.visitor import reference_in

from .test_consent_reference import live_revisions

VVS = "mihvvs.localhost"
QUOTE_FORM = "/tilbud/"


def get(client, path=QUOTE_FORM):
    response = client.get(path, HTTP_HOST=VVS)
    assert response.status_code == 200
    return response


def field_names(html):
    return re.findall(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', html)


def test_a_warm_quote_form_get_takes_no_queries(client, quote_page):
    get(client)
    with CaptureQueriesContext(connection) as ctx:
        response = get(client)
    assert len(ctx.captured_queries) == 0, [q["sql"][:120] for q in ctx.captured_queries]
    # Still the visitor's own page: a CSRF token, never stored in the cache.
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]


def test_the_warm_form_renders_exactly_as_the_first(client, quote_page):
    """The memoised inputs are the inputs: same HTML but for the per-visitor CSRF token."""

    def without_csrf(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    # One instant for both: the signed form reference carries a timestamp in seconds, which
    # made the two differ whenever a second turned between them.
    with freeze_time(timezone.now()):
        first = get(client).content.decode()
        client.cookies.clear()
        second = get(client).content.decode()
    assert without_csrf(second) == without_csrf(first)


def test_a_published_form_change_shows_on_the_very_next_get(client, quote_page, vvs_site):
    warm = get(client).content.decode()
    get(client)
    old_reference = reference_in(warm)
    assert "budget_i_kroner" not in field_names(warm)

    # An editor adds a field and changes the consent text, and publishes.
    quote_page = FormPage.objects.get(pk=quote_page.pk)
    quote_page.consent_text = "Jeg siger ja til de nye vilkår."
    quote_page.form_fields.add(
        FormField(label="Budget i kroner", clean_name="budget_i_kroner", field_type="number")
    )
    quote_page.save_revision().publish()

    html = get(client).content.decode()
    assert "budget_i_kroner" in field_names(html)
    assert "Budget i kroner" in html
    assert "Jeg siger ja til de nye vilkår." in html
    # The signed reference names the new revision.
    assert reference_in(html) != old_reference
    assert read_reference(reference_in(html)) == live_revisions(quote_page, vvs_site)


def test_a_published_policy_change_shows_on_the_very_next_get(client, quote_page, vvs_site):
    get(client)
    get(client)
    policy = CompanySettings.for_site(vvs_site).privacy_policy_page.specific
    policy.title = "Persondatapolitik 2031"
    policy.slug = "persondata-2031"
    policy.save_revision().publish()
    html = get(client).content.decode()
    assert "persondatapolitik 2031 <span" in html
    assert 'href="/persondata-2031/"' in html


def test_an_editor_gets_the_form_fresh_from_the_database(client, quote_page, vvs_editor):
    get(client)
    get(client)
    # A change that starts no new generation (a bulk update, no publish): the memo still holds
    # the old label for anonymous visitors, but a visitor with a session never uses the memo.
    FormField.objects.filter(page=quote_page, clean_name="navn").update(label="Dit fulde navn")
    client.force_login(vvs_editor)
    assert "Dit fulde navn" in get(client).content.decode()


def test_a_draft_with_a_new_field_builds_its_own_form_class(quote_page, vvs_site):
    """A preview renders the draft's fields (held in memory), even with the live form's class
    memoised for the current generation."""
    token = page_cache._current_generation.set("a-generation")
    try:
        live_class = FormPage.objects.get(pk=quote_page.pk).get_form_class()
        assert FormPage.objects.get(pk=quote_page.pk).get_form_class() is live_class
        draft = FormPage.objects.get(pk=quote_page.pk)
        draft.form_fields.add(
            FormField(label="Etage", clean_name="etage", field_type="singleline")
        )
        draft.save_revision()
        preview = FormPage.objects.get(pk=quote_page.pk).get_latest_revision_as_object()
        preview_class = preview.get_form_class()
        assert "etage" in preview_class.base_fields
        assert "etage" not in live_class.base_fields
        # And the live page still gets the live fields.
        assert FormPage.objects.get(pk=quote_page.pk).get_form_class() is live_class
    finally:
        page_cache._current_generation.reset(token)


@pytest.mark.parametrize("path", [QUOTE_FORM, "/kontakt/"])
def test_two_form_pages_never_share_inputs(client, quote_page, contact_page, path):
    get(client, QUOTE_FORM)
    get(client, "/kontakt/")
    html = get(client, path).content.decode()
    expected = quote_page if path == QUOTE_FORM else contact_page
    assert {f.clean_name for f in expected.form_fields.all()} != {
        f.clean_name
        for f in (contact_page if expected is quote_page else quote_page).form_fields.all()
    }
    for field in expected.form_fields.all():
        assert field.clean_name in field_names(html)
