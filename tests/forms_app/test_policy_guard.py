"""The privacy policy cannot vanish under the forms.

A policy that a site's live forms link to (the site's ``CompanySettings.privacy_policy_page``
or a translation of it), or that a submission's proof names, cannot be unpublished or moved
to another site, one at a time or in bulk. Other pages can.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Locale, Page

from forms_app.models import FormPage
from home.models import CompanySettings, StandardPage
from home.sites import site_roots
from tests.admin_forms import settings_form_data
from tests.factories import FormSubmissionFactory

pytestmark = pytest.mark.django_db

UNPUBLISH_REFUSED = (
    "The privacy policy “%(title)s” cannot be unpublished: the site's forms link to it, or "
    "submissions or visitors' cookie choices refer to it as the policy their consent was "
    "given under. Edit and publish it instead."
)
MOVE_REFUSED = (
    "The privacy policy “%(title)s” cannot be moved to another site: the site's forms link "
    "to it, or submissions or visitors' cookie choices refer to it as the policy their "
    "consent was given under."
)
HOST = "mihvvs.localhost"


def danish(message, title):
    """``message`` as an editor sees it (Danish admin), whether or not it is translated yet."""
    with translation.override("da"):
        return translation.gettext(message) % {"title": title}


def messages_of(response):
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def is_live(page):
    return Page.objects.get(pk=page.pk).live


def unpublish(client, page, **data):
    url = reverse("wagtailadmin_pages:unpublish", args=[page.pk])
    return client.post(url, data, HTTP_HOST=HOST)


def bulk(client, action, pages, **data):
    query = "&".join(f"id={page.pk}" for page in pages)
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", action))
    return client.post(f"{url}?{query}&next=/admin/pages/", data, HTTP_HOST=HOST)


def assert_refused(response, policy, message=UNPUBLISH_REFUSED, location=None):
    assert response.status_code == 302
    assert response["Location"] == (
        location or reverse("wagtailadmin_pages:edit", args=[policy.pk])
    )
    assert messages_of(response) == [danish(message, policy.title)]


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def policy(vvs_site):
    return CompanySettings.for_site(vvs_site).privacy_policy_page


@pytest.fixture
def el_policy(el_site):
    return CompanySettings.for_site(el_site).privacy_policy_page


@pytest.fixture
def about_page(vvs_site):
    return StandardPage.objects.child_of(vvs_site.root_page).get(slug="om-os")


@pytest.fixture
def el_services(el_site):
    """A page on the other site with no child of the about page's slug."""
    return StandardPage.objects.child_of(el_site.root_page).get(slug="ydelser")


def unpublish_forms(site):
    """Every form page of ``site``, in every language, taken offline."""
    for root in site_roots(site):
        for form_page in FormPage.objects.descendant_of(root).live():
            form_page.unpublish()


class TestUnpublish:
    def test_policy_the_forms_link_to_stays_published(self, admin_client, policy):
        response = unpublish(admin_client, policy)
        assert_refused(response, policy)
        assert is_live(policy)

    def test_english_translation_stays_published(self, admin_client, policy):
        english = policy.get_translation(Locale.objects.get(language_code="en"))
        assert_refused(unpublish(admin_client, english), english)
        assert is_live(english)

    def test_home_page_with_its_descendants_is_refused(self, admin_client, vvs_site, policy):
        home = vvs_site.root_page
        response = unpublish(admin_client, home, include_descendants="on")
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[home.pk])
        assert messages_of(response) == [danish(UNPUBLISH_REFUSED, policy.title)]
        assert is_live(home) and is_live(policy)

    def test_policy_of_a_site_without_live_forms_may_go(self, admin_client, el_site, el_policy):
        unpublish_forms(el_site)
        response = unpublish(admin_client, el_policy)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_explore", args=[el_site.root_page_id])
        assert not is_live(el_policy)

    def test_policy_a_submission_names_stays_published_without_live_forms(
        self, admin_client, el_site, el_policy
    ):
        el_quote = FormPage.objects.descendant_of(el_site.root_page).get(slug="tilbud")
        FormSubmissionFactory(page=el_quote)
        unpublish_forms(el_site)
        assert_refused(unpublish(admin_client, el_policy), el_policy)
        assert is_live(el_policy)

    def test_policy_a_cookie_choice_names_stays_published_without_live_forms(
        self, admin_client, el_site, el_policy
    ):
        from cookie_consent.models import BannerTextVersion, ConsentRecord

        banner = BannerTextVersion.objects.create(
            site=el_site, language="da", heading="Cookies", text="Tekst", digest="0" * 64
        )
        ConsentRecord.objects.create(
            site=el_site,
            method=ConsentRecord.Method.REJECT_ALL,
            language="da",
            banner_text=banner,
            policy_revision=el_policy.live_revision,
        )
        unpublish_forms(el_site)
        assert_refused(unpublish(admin_client, el_policy), el_policy)
        assert is_live(el_policy)

    def test_unrelated_page_is_unpublished(self, admin_client, about_page, vvs_site):
        response = unpublish(admin_client, about_page)
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "wagtailadmin_explore", args=[vvs_site.root_page_id]
        )
        assert not is_live(about_page)


class TestMove:
    @pytest.fixture(autouse=True)
    def room_on_the_other_site(self, el_policy):
        """One policy per site: without this, Wagtail's own checks would refuse the move."""
        el_policy.delete()

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_policy_is_not_moved_to_another_site(
        self, admin_client, policy, el_site, vvs_site, method
    ):
        url = reverse("wagtailadmin_pages:move_confirm", args=[policy.pk, el_site.root_page_id])
        response = getattr(admin_client, method)(url, HTTP_HOST=HOST)
        assert_refused(response, policy, MOVE_REFUSED)
        assert Page.objects.get(pk=policy.pk).get_parent().pk == vvs_site.root_page_id
        assert is_live(policy)

    def test_unrelated_page_moves_to_another_site(self, admin_client, about_page, el_services):
        url = reverse("wagtailadmin_pages:move_confirm", args=[about_page.pk, el_services.pk])
        response = admin_client.post(url, HTTP_HOST=HOST)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_explore", args=[el_services.pk])
        assert Page.objects.get(pk=about_page.pk).get_parent().pk == el_services.pk


class TestBulk:
    def test_bulk_unpublish_keeps_everything_published(self, admin_client, policy, about_page):
        response = bulk(admin_client, "unpublish", [about_page, policy])
        assert_refused(response, policy, location="/admin/pages/")
        assert is_live(policy) and is_live(about_page)

    def test_bulk_unpublish_of_an_ancestor_with_descendants(self, admin_client, policy, vvs_site):
        home = vvs_site.root_page
        response = bulk(admin_client, "unpublish", [home], include_descendants="on")
        assert_refused(response, policy, location="/admin/pages/")
        assert is_live(home) and is_live(policy)

    def test_bulk_unpublish_of_unrelated_pages(self, admin_client, about_page):
        response = bulk(admin_client, "unpublish", [about_page])
        assert response.status_code == 302
        assert not is_live(about_page)

    def test_bulk_move_to_another_site_is_refused(
        self, admin_client, policy, el_site, el_policy, vvs_site
    ):
        # Room for it there (one policy per site), so Wagtail's own checks let it through.
        el_policy.delete()
        response = bulk(admin_client, "move", [policy], chooser=el_site.root_page_id)
        assert_refused(response, policy, MOVE_REFUSED, location="/admin/pages/")
        assert Page.objects.get(pk=policy.pk).get_parent().pk == vvs_site.root_page_id

    def test_bulk_move_of_unrelated_pages(self, admin_client, about_page, el_services):
        response = bulk(admin_client, "move", [about_page], chooser=el_services.pk)
        assert response.status_code == 302
        assert response["Location"] == "/admin/pages/"
        assert Page.objects.get(pk=about_page.pk).get_parent().pk == el_services.pk


# Expiry and the company settings ------------------------------------------------------------
# A scheduled expiry is an unpublish that happens later; clearing the settings' policy, or
# choosing another site's, unlinks the consent text. Both are refused while forms collect
# consent.

EXPIRY_REFUSED = (
    "The privacy policy cannot expire: the site's forms link to it, or submissions refer to "
    "it as the policy their consent was given under."
)


def field_errors(error, field):
    with translation.override("da"):
        return [str(message) for message in error.value.message_dict[field]]


def test_policy_in_use_cannot_be_scheduled_to_expire(policy):
    policy.expire_at = timezone.now() + datetime.timedelta(days=7)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert field_errors(error, "expire_at") == [danish(EXPIRY_REFUSED, "")]


def test_policy_of_a_site_without_forms_may_expire(policy, vvs_site):
    for root in site_roots(vvs_site):  # Danish and English
        for form_page in FormPage.objects.live().descendant_of(root):
            form_page.unpublish()
    policy.expire_at = timezone.now() + datetime.timedelta(days=7)
    policy.full_clean()  # no error


def settings_url(site):
    return reverse("wagtailsettings:edit", args=["home", "companysettings", site.pk])


def settings_data(site, **changes):
    return settings_form_data(site, **changes)


def test_settings_cannot_drop_the_policy_while_forms_ask_for_consent(admin_client, vvs_site):
    response = admin_client.post(
        settings_url(vvs_site), settings_data(vvs_site, privacy_policy_page=None), HTTP_HOST=HOST
    )
    assert response.status_code == 200
    with translation.override("da"):
        expected = translation.gettext(
            "The site's forms ask for consent under the privacy policy chosen here: choose "
            "the site's privacy policy page."
        )
    assert response.context["form"].errors["privacy_policy_page"] == [expected]
    assert CompanySettings.for_site(vvs_site).privacy_policy_page_id is not None


def test_settings_cannot_point_at_the_other_companys_policy(
    admin_client, vvs_site, policy, el_policy
):
    response = admin_client.post(
        settings_url(vvs_site),
        settings_data(vvs_site, privacy_policy_page=el_policy.pk),
        HTTP_HOST=HOST,
    )
    assert response.status_code == 200
    with translation.override("da"):
        expected = translation.gettext("Choose the privacy policy page of this site.")
    assert response.context["form"].errors["privacy_policy_page"] == [expected]
    assert CompanySettings.for_site(vvs_site).privacy_policy_page_id == policy.pk


def test_settings_save_with_the_sites_own_policy(admin_client, vvs_site, policy):
    response = admin_client.post(
        settings_url(vvs_site),
        settings_data(vvs_site, company_name="MIH VVS A/S"),
        HTTP_HOST=HOST,
    )
    assert response.status_code == 302
    saved = CompanySettings.for_site(vvs_site)
    assert (saved.company_name, saved.privacy_policy_page_id) == ("MIH VVS A/S", policy.pk)
