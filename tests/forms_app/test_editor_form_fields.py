"""Issue 13, editors: the form builder's panels ("Formularfelt" per field, the autofill choice,
where new fields land) and no submissions count or link for editors who cannot read them.

New wording is checked through ``gettext``, so these tests hold before and after the Danish
catalogue has the new messages.
"""

import html as html_lib
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from forms_app.models import FormField, FormPage
from tests.factories import VVS_EDITORS, VVS_STAFF, FormSubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def da(message):
    with translation.override("da"):
        return gettext(message)


@pytest.fixture
def quote_page(vvs_site):
    return FormPage.objects.descendant_of(vvs_site.root_page).get(slug="tilbud")


@pytest.fixture
def with_submission(quote_page):
    FormSubmissionFactory()
    return quote_page


@pytest.fixture
def editor_and_staff(sites):
    """Edits the MIH VVS pages and may read the site's submissions."""
    return UserFactory(username="vvs-begge", groups=[VVS_EDITORS, VVS_STAFF])


def admin_get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def edit_page(client, user, page):
    return admin_get(client, user, reverse("wagtailadmin_pages:edit", args=[page.pk]))


def listing(client, user, parent):
    return admin_get(client, user, reverse("wagtailadmin_explore", args=[parent.pk]))


def submissions_url(page):
    return reverse("wagtailforms:list_submissions", args=[page.pk])


def menu_urls(html):
    """The URLs of the admin sidebar's menu items."""
    props = re.search(r'<script id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S)
    return set(re.findall(r'"url": "([^"]+)"', props.group(1)))


# -- the form-field panels ------------------------------------------------------------------


def test_each_field_is_headed_in_the_singular_and_offers_autofill(client, vvs_editor, quote_page):
    html = html_lib.unescape(edit_page(client, vvs_editor, quote_page))
    singular = capfirst(da("form field"))
    # "Formularfelt 1", "Formularfelt 2", … (not "Formularfelter 1").
    headings = re.findall(
        rf"{re.escape(singular)}<span data-inline-panel-child-count></span>", html
    )
    assert len(headings) >= quote_page.form_fields.count()
    assert f"{da('Form fields')}<span data-inline-panel-child-count>" not in html
    assert da("Form fields") in html  # the panel's own heading
    # The editor's autofill choice, for every field.
    for index in range(quote_page.form_fields.count()):
        select = re.search(rf'<select name="form_fields-{index}-autofill".*?</select>', html, re.S)
        assert select, f"no autofill choice for field {index}"
        assert 'value="off"' in select.group(0)
        assert 'value="postal-code"' in select.group(0)
    # The panel says where photo fields and the consent go.
    with translation.override("da"):
        assert (
            gettext(
                "Visitors see the fields in this order, except that photo fields always come "
                "after the other fields, just before the consent checkbox. So a new field can "
                "simply be added at the end."
            )
            in html
        )


def test_autofill_is_refused_on_a_field_it_cannot_apply_to(quote_page):
    field = FormField(page=quote_page, label="Nyhedsbrev", field_type="checkbox", autofill="email")
    with pytest.raises(ValidationError) as error:
        field.clean()
    assert "autofill" in error.value.message_dict
    FormField(page=quote_page, label="Mobil", field_type="singleline", autofill="tel").clean()
    FormField(page=quote_page, label="Nyhedsbrev", field_type="checkbox", autofill="").clean()


# -- no submissions count or link for editors who cannot read them --------------------------


def test_an_editor_without_submission_permission_sees_no_count_or_link(
    client, vvs_editor, with_submission, vvs_site
):
    page = with_submission
    html = edit_page(client, vvs_editor, page)
    assert submissions_url(page) not in html
    for message in ("Total submissions", "Latest submission"):
        assert da(message) not in html
    assert "data-panel-heading-text>Henvendelser til denne side" not in html

    html = listing(client, vvs_editor, vvs_site.root_page)
    assert page.title in html  # the form page is listed, with its "…" menu
    assert submissions_url(page) not in html
    # Nor Wagtail's "Forms" menu (its index lists the forms whose submissions one may read).
    assert reverse("wagtailforms:index") not in menu_urls(html)
    # And what is not linked does not open either.
    client.force_login(vvs_editor)
    assert client.get(submissions_url(page)).status_code in (302, 403)


def test_an_editor_who_may_read_submissions_sees_count_and_links(
    client, editor_and_staff, with_submission, vvs_site
):
    page = with_submission
    html = edit_page(client, editor_and_staff, page)
    assert re.search(rf'<a href="{re.escape(submissions_url(page))}">1</a>', html)
    assert da("Total submissions") in html

    html = listing(client, editor_and_staff, vvs_site.root_page)
    assert f'href="{submissions_url(page)}"' in html
    assert reverse("wagtailforms:index") in menu_urls(html)
    assert client.get(submissions_url(page)).status_code == 200


def test_a_form_without_submissions_shows_no_count_even_to_staff(
    client, editor_and_staff, quote_page
):
    html = edit_page(client, editor_and_staff, quote_page)
    assert submissions_url(quote_page) not in html


def test_the_listing_links_submissions_only_on_form_pages(client, editor_and_staff, vvs_site):
    html = listing(client, editor_and_staff, vvs_site.root_page)
    form_ids = set(FormPage.objects.descendant_of(vvs_site.root_page).values_list("pk", flat=True))
    linked = {int(pk) for pk in re.findall(r'href="/admin/forms/submissions/(\d+)/"', html)}
    assert linked and linked <= form_ids
