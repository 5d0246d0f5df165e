"""An editor of one company can neither see nor change the other company's site."""

import pytest
from wagtail.images.models import Image
from wagtail.models import Page

from home.models import CompanySettings, StandardPage
from tests.admin_forms import processor_formset_data
from tests.assertions import assert_permission_denied, assert_sent_to_login

pytestmark = pytest.mark.django_db

# Wagtail refuses an editor the other company's pages, settings and images with its
# permission_denied: a 302 to the dashboard, never a 403 or 404 (assert_permission_denied).


def page_on(site, slug):
    return StandardPage.objects.descendant_of(site.root_page).get(slug=slug)


def edit_post_data(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "intro": page.intro,
        "body-count": "0",
        "seo_title": "",
        "search_description": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "publish",
    }
    data.update(changes)
    return data


class TestPages:
    def test_editor_edits_and_publishes_own_site(self, editor_client, vvs_site):
        page = page_on(vvs_site, "om-os")
        response = editor_client.post(
            f"/admin/pages/{page.pk}/edit/", edit_post_data(page, title="Om MIH VVS")
        )
        assert response.status_code == 302, response.content[:2000]
        page.refresh_from_db()
        assert page.title == "Om MIH VVS" and page.live

    def test_editor_cannot_edit_other_sites_page(self, editor_client, el_site):
        page = page_on(el_site, "om-os")
        revisions = page.revisions.count()
        assert_permission_denied(editor_client.get(f"/admin/pages/{page.pk}/edit/"))
        response = editor_client.post(
            f"/admin/pages/{page.pk}/edit/", edit_post_data(page, title="Overtaget")
        )
        assert_permission_denied(response)
        page.refresh_from_db()
        assert page.title == "Om os" and page.revisions.count() == revisions

    def test_editor_cannot_add_or_delete_pages_on_other_site(self, editor_client, el_site):
        home = el_site.root_page
        assert_permission_denied(
            editor_client.get(f"/admin/pages/add/home/standardpage/{home.pk}/")
        )
        page = page_on(el_site, "ydelser")
        assert_permission_denied(editor_client.post(f"/admin/pages/{page.pk}/delete/"))
        assert Page.objects.filter(pk=page.pk).exists()

    def test_explorer_does_not_show_other_site(self, editor_client, vvs_site, el_site):
        html = editor_client.get(f"/admin/pages/{vvs_site.root_page.pk}/").content.decode()
        assert "Ydelser" in html
        # With a Danish and an English tree the editor's explorable root is the tree root, so
        # Wagtail will open the other site's (public) home page, but lists none of its pages.
        response = editor_client.get(f"/admin/pages/{el_site.root_page.pk}/")
        el_pages = Page.objects.descendant_of(el_site.root_page)
        assert el_pages.exists()
        for page in el_pages:
            assert f"/admin/pages/{page.pk}/edit/" not in response.content.decode()
        search = editor_client.get("/admin/pages/search/", {"q": "elinstallationer"})
        assert "Sikre elinstallationer" not in search.content.decode()


class TestSettings:
    def url(self, site):
        return f"/admin/settings/home/companysettings/{site.pk}/"

    def test_editor_changes_own_settings(self, editor_client, vvs_site):
        settings = CompanySettings.for_site(vvs_site)
        data = {
            "company_name": settings.company_name,
            "cvr_number": settings.cvr_number,
            "street_address": settings.street_address,
            "postcode": settings.postcode,
            "city": settings.city,
            "phone": "+45 11 11 11 11",
            "email": settings.email,
            "reply_within_days": settings.reply_within_days,
            "opening_hours": settings.opening_hours,
            "logo": settings.logo_id,
            "brand_colour": settings.brand_colour,
            "privacy_policy_page": settings.privacy_policy_page_id,
        }
        data.update(processor_formset_data(settings))
        response = editor_client.post(self.url(vvs_site), data)
        assert response.status_code == 302, response.content[:2000]
        assert CompanySettings.for_site(vvs_site).phone == "+45 11 11 11 11"

    def test_editor_cannot_see_or_change_other_sites_settings(self, editor_client, el_site):
        assert_permission_denied(editor_client.get(self.url(el_site)))
        response = editor_client.post(
            self.url(el_site), {"company_name": "Overtaget", "brand_colour": "#000000"}
        )
        assert_permission_denied(response)
        assert CompanySettings.for_site(el_site).company_name == "MIH El ApS"


class TestImages:
    def test_editor_sees_only_own_collection(self, editor_client, vvs_site, el_site):
        vvs_logo = CompanySettings.for_site(vvs_site).logo
        el_logo = CompanySettings.for_site(el_site).logo
        html = editor_client.get("/admin/images/").content.decode()
        assert vvs_logo.title in html and el_logo.title not in html
        assert_permission_denied(editor_client.get(f"/admin/images/{el_logo.pk}/"))
        assert_permission_denied(editor_client.post(f"/admin/images/{el_logo.pk}/delete/"))
        assert Image.objects.filter(pk=el_logo.pk).exists()


def test_anonymous_user_is_sent_to_login(client, sites):
    assert_sent_to_login(client.get("/admin/"))
