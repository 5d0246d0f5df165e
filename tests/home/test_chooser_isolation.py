"""The page chooser (browse and search) only offers an editor pages on their own site."""

import pytest
from django.urls import reverse
from wagtail.models import Locale, Page

from tests.assertions import assert_permission_denied

pytestmark = pytest.mark.django_db

EL_HOME_TITLE = "Sikre elinstallationer til hjem og erhverv"
VVS_HOME_TITLE = "VVS-arbejde, du kan regne med"


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def html_of(response):
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def titles_in(site):
    return set(Page.objects.descendant_of(site.root_page, inclusive=True).values_list("title"))


@pytest.fixture
def el_only_titles(vvs_site, el_site):
    """Titles of the El site's pages that no VVS page shares (so "Kontakt" is left out)."""
    titles = {title for (title,) in titles_in(el_site) - titles_in(vvs_site)}
    assert EL_HOME_TITLE in titles
    return titles


def assert_none_of(titles, html):
    shown = [title for title in titles if title in html]
    assert not shown, f"other site's pages shown: {shown}"


def test_chooser_urls():
    assert reverse("wagtailadmin_choose_page") == "/admin/choose-page/"
    assert reverse("wagtailadmin_choose_page_child", args=[7]) == "/admin/choose-page/7/"
    assert reverse("wagtailadmin_choose_page_search") == "/admin/choose-page/search/"


class TestEditor:
    def test_root_lists_only_own_site(self, editor_client, el_only_titles):
        html = html_of(editor_client.get(reverse("wagtailadmin_choose_page")))
        assert VVS_HOME_TITLE in html
        assert_none_of(el_only_titles, html)

    def test_own_site_children_are_listed(self, editor_client, vvs_site):
        url = reverse("wagtailadmin_choose_page_child", args=[vvs_site.root_page.pk])
        html = html_of(editor_client.get(url))
        assert VVS_HOME_TITLE in html and "Ydelser" in html and "Persondatapolitik" in html

    def test_other_site_cannot_be_browsed(self, editor_client, el_site, el_only_titles):
        url = reverse("wagtailadmin_choose_page_child", args=[el_site.root_page.pk])
        response = editor_client.get(url)
        # Wagtail's permission_denied: a redirect to the dashboard, not the other site's pages.
        assert_permission_denied(response)
        assert_none_of(el_only_titles, response.content.decode())

    def test_other_site_child_cannot_be_browsed(self, editor_client, el_site):
        services = el_site.root_page.get_children().get(slug="ydelser")
        url = reverse("wagtailadmin_choose_page_child", args=[services.pk])
        assert_permission_denied(editor_client.get(url))

    def test_search_finds_nothing_on_other_site(self, editor_client, el_only_titles):
        url = reverse("wagtailadmin_choose_page_search")
        for query in ("elinstallationer", "Sikre", "Ladestandere"):
            assert_none_of(el_only_titles, html_of(editor_client.get(url, {"q": query})))

    def test_search_finds_own_pages(self, editor_client):
        url = reverse("wagtailadmin_choose_page_search")
        html = html_of(editor_client.get(url, {"q": "VVS-arbejde"}))
        assert VVS_HOME_TITLE in html
        html = html_of(editor_client.get(url, {"q": "Persondatapolitik"}))
        assert "Persondatapolitik" in html

    def test_translation_of_own_site_is_visible(self, editor_client, vvs_site, el_site):
        # setup_sites made both English home pages through wagtail-localize.
        english = Locale.objects.get(language_code="en")
        vvs_en = vvs_site.root_page.get_translation(english).title
        el_en = el_site.root_page.get_translation(english).title
        html = html_of(editor_client.get(reverse("wagtailadmin_choose_page"), {"locale": "en"}))
        assert vvs_en in html and el_en not in html


class TestSuperuser:
    def test_root_lists_both_sites(self, superuser_client):
        html = html_of(superuser_client.get(reverse("wagtailadmin_choose_page")))
        assert VVS_HOME_TITLE in html and EL_HOME_TITLE in html

    def test_other_site_can_be_browsed(self, superuser_client, el_site):
        url = reverse("wagtailadmin_choose_page_child", args=[el_site.root_page.pk])
        html = html_of(superuser_client.get(url))
        assert EL_HOME_TITLE in html and "Persondatapolitik" in html

    def test_search_finds_both_sites(self, superuser_client):
        url = reverse("wagtailadmin_choose_page_search")
        html = html_of(superuser_client.get(url, {"q": "elinstallationer"}))
        assert EL_HOME_TITLE in html
        html = html_of(superuser_client.get(url, {"q": "VVS-arbejde"}))
        assert VVS_HOME_TITLE in html
