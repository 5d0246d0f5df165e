"""Both sites: resolution by host, per-site settings, page rules, setup idempotency."""

import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import override_settings
from freezegun import freeze_time
from wagtail.images.models import Image
from wagtail.models import (
    GroupCollectionPermission,
    GroupPagePermission,
    GroupSitePermission,
    Page,
    Revision,
    Site,
)

from home.models import CompanySettings, HomePage, PrivacyPolicyPage, StandardPage
from home.setup import setup_sites
from tests import factories

pytestmark = pytest.mark.django_db


def get(client, host, path="/"):
    return client.get(path, HTTP_HOST=host)


class TestSiteResolution:
    def test_each_hostname_serves_its_own_company(self, client, vvs_site, el_site):
        vvs = get(client, "mihvvs.localhost").content.decode()
        el = get(client, "mihel.localhost").content.decode()
        assert "MIH VVS ApS" in vvs and "MIH El ApS" not in vvs.split("<footer")[1]
        assert "MIH El ApS" in el and "kontakt@mihvvs.dk" not in el
        assert "VVS-arbejde, du kan regne med" in vvs
        assert "Sikre elinstallationer" in el

    def test_port_does_not_matter(self, client, el_site):
        """`make run` serves on any PORT; the site is found by hostname alone."""
        response = get(client, "mihel.localhost:8123")
        assert response.status_code == 200
        assert "kontakt@mihel.dk" in response.content.decode()

    def test_unknown_host_falls_back_to_the_default_site(self, client, vvs_site):
        assert vvs_site.is_default_site
        assert "kontakt@mihvvs.dk" in get(client, "localhost").content.decode()

    def test_www_redirects_to_the_canonical_hostname(self, client, vvs_site):
        response = get(client, "www.mihvvs.localhost", "/persondatapolitik/?a=1")
        assert response.status_code == 301
        assert response["Location"] == "http://mihvvs.localhost/persondatapolitik/?a=1"

    def test_page_of_one_site_is_not_served_on_the_other(self, client, el_site):
        assert get(client, "mihel.localhost", "/ydelser/").status_code == 200
        # The VVS tree's path does not leak through the El hostname.
        assert get(client, "mihel.localhost", "/mihvvs/ydelser/").status_code == 404

    @override_settings(SITE_HOSTNAMES={"mihvvs": "mihvvs.dk", "mihel": "mihel.dk"})
    def test_production_hostnames_come_from_configuration(self, client, sites):
        setup_sites()  # a deploy re-runs setup with the production SITE_HOSTNAMES
        assert set(Site.objects.values_list("hostname", flat=True)) == {"mihvvs.dk", "mihel.dk"}
        assert "kontakt@mihel.dk" in get(client, "mihel.dk").content.decode()
        assert get(client, "www.mihel.dk")["Location"] == "http://mihel.dk/"


class TestCompanySettings:
    def test_header_and_footer_render_the_sites_own_settings(self, client, el_site):
        settings = CompanySettings.for_site(el_site)
        settings.cvr_number = "11223344"
        settings.opening_hours = "Mandag 8–16"
        settings.brand_colour = "#123abc"
        settings.save()
        html = get(client, "mihel.localhost").content.decode()
        assert "11223344" in html
        assert "Mandag 8–16" in html
        # The brand colour arrives as a stylesheet named by it (home/brand.py): no inline style.
        assert '<link rel="stylesheet" href="/brand/123abc.css">' in html
        assert 'href="tel:+4587654321"' in html
        assert re.search(r'<img[^>]+alt="MIH El ApS"', html)
        assert 'lang="da"' in html
        # Navigation from the root's menu pages, footer link to this site's policy.
        assert 'href="/ydelser/"' in html and 'href="/om-os/"' in html
        assert 'href="/persondatapolitik/"' in html

    def test_settings_are_separate_per_site(self, vvs_site, el_site):
        vvs, el = CompanySettings.for_site(vvs_site), CompanySettings.for_site(el_site)
        assert (vvs.company_name, el.company_name) == ("MIH VVS ApS", "MIH El ApS")
        assert vvs.logo_id != el.logo_id
        assert vvs.privacy_policy_page.get_site() == vvs_site
        assert el.privacy_policy_page.get_site() == el_site

    def test_no_external_resources(self, client, vvs_site):
        html = get(client, "mihvvs.localhost", "/persondatapolitik/").content.decode()
        assert not re.search(r'(src|href)="(https?:)?//(?!mihvvs\.localhost)[^"]+\.(css|js)', html)


class TestPageTypeRules:
    def test_home_pages_only_at_the_tree_root(self, vvs_site):
        root = Page.get_first_root_node()
        assert HomePage.can_create_at(root)
        assert not HomePage.can_create_at(vvs_site.root_page)

    def test_content_pages_only_inside_a_site(self, vvs_site):
        root = Page.get_first_root_node()
        home = vvs_site.root_page.specific
        services = StandardPage.objects.child_of(home).get(slug="ydelser")
        assert not StandardPage.can_create_at(root)
        assert StandardPage.can_create_at(home) and StandardPage.can_create_at(services)
        assert not PrivacyPolicyPage.can_create_at(services)

    def test_one_policy_per_site(self, vvs_site):
        home = vvs_site.root_page.specific
        assert not PrivacyPolicyPage.can_create_at(home)  # demo content already has one
        assert PrivacyPolicyPage.allowed_subpage_models() == []


class TestPrivacyPolicyPage:
    def policy(self, site):
        return CompanySettings.for_site(site).privacy_policy_page

    def test_sections_table_of_contents_and_anchors(self, client, vvs_site):
        html = get(client, "mihvvs.localhost", "/persondatapolitik/").content.decode()
        for number in range(1, 7):
            assert re.search(rf'<h2 id="{number}-[a-z0-9-]+">{number}\. ', html)
        toc = re.search(r'<nav class="policy__toc".*?</nav>', html, re.S).group(0)
        anchors = re.findall(r'href="#([^"]+)"', toc)
        # Every section, the register of data processors the page adds after section 3, and the
        # template's own controller (first) and complaint (last) sections.
        assert len(anchors) == len(set(anchors)) == len(self.policy(vvs_site).sections) + 3
        for anchor in anchors:
            assert f'id="{anchor}"' in html

    def test_duplicate_headings_get_unique_anchors(self):
        page = factories.PrivacyPolicyPageFactory.build(
            sections=[
                ("section", {"heading": "Samme", "level": "2", "body": ""}),
                ("section", {"heading": "Samme", "level": "2", "body": ""}),
            ]
        )
        assert [a for a, *_ in page.table_of_contents] == ["samme", "samme-2"]

    def test_version_and_date_come_from_the_publish_history(self, client, vvs_site):
        policy = self.policy(vvs_site)
        html = get(client, "mihvvs.localhost", "/persondatapolitik/").content.decode()
        assert "Version 1" in html

        with freeze_time("2027-03-05 10:00:00"):
            policy.title = "Persondatapolitik 2027"  # a new text: a new version
            policy.save_revision().publish()
        html = get(client, "mihvvs.localhost", "/persondatapolitik/").content.decode()
        assert "Version 2" in html
        assert '<time datetime="2027-03-05T11:00:00+01:00">5. marts 2027</time>' in html

        # A draft is not a new version: readers still see what is live.
        policy.refresh_from_db()
        policy.save_revision()
        html = get(client, "mihvvs.localhost", "/persondatapolitik/").content.decode()
        assert "Version 2" in html and "Version 3" not in html

    def test_old_revision_keeps_its_own_version(self, vvs_site):
        policy = self.policy(vvs_site)
        first = policy.live_revision_id
        policy.title = "Persondatapolitik 2027"
        policy.save_revision().publish()
        policy.refresh_from_db()
        assert policy.get_publication(first)[0] == 1
        assert policy.get_publication()[0] == 2


class TestSetupIsIdempotent:
    @staticmethod
    def counts():
        return {
            model.__name__: model.objects.count()
            for model in (
                Page,
                Revision,
                Site,
                Image,
                Group,
                CompanySettings,
                GroupPagePermission,
                GroupCollectionPermission,
                GroupSitePermission,
            )
        }

    def test_running_setup_again_changes_nothing(self, sites):
        before = self.counts()
        latest = {p.pk: p.latest_revision_id for p in Page.objects.all()}
        setup_sites()
        assert self.counts() == before
        assert {p.pk: p.latest_revision_id for p in Page.objects.all()} == latest

    def test_setup_keeps_editor_changes(self, vvs_site):
        settings = CompanySettings.for_site(vvs_site)
        settings.phone = "+45 99 99 99 99"
        settings.save()
        setup_sites()
        assert CompanySettings.for_site(vvs_site).phone == "+45 99 99 99 99"

    def test_wagtails_welcome_page_is_replaced(self, sites):
        assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail").exists()
        assert Site.objects.count() == 2

    def test_editor_groups_exist_with_admin_access(self, sites):
        for name in ("MIH VVS redaktører", "MIH El redaktører"):
            group = Group.objects.get(name=name)
            assert group.permissions.filter(codename="access_admin").exists()
        assert Permission.objects.filter(codename="change_companysettings").exists()


class TestReviewedBehaviour:
    def test_www_redirect_keeps_the_visitors_port_not_the_servers(self, client, vvs_site):
        response = client.get("/a/", HTTP_HOST="www.mihvvs.localhost", SERVER_PORT="8000")
        assert response["Location"] == "http://mihvvs.localhost/a/"
        response = client.get("/a/", HTTP_HOST="www.mihvvs.localhost:8123")
        assert response["Location"] == "http://mihvvs.localhost:8123/a/"

    def test_pages_stay_danish_whatever_the_browser_asks_for(self, client, vvs_site):
        html = client.get(
            "/persondatapolitik/", HTTP_HOST="mihvvs.localhost", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert '<html lang="da">' in html
        assert "Senest opdateret" in html and "Gå til indholdet" in html

    def test_republishing_an_old_draft_is_a_new_version(self, vvs_site):
        policy = CompanySettings.for_site(vvs_site).privacy_policy_page
        policy.title = "Persondatapolitik (udkast)"
        draft = policy.save_revision()  # made first, published last
        policy.refresh_from_db()
        policy.title = "Persondatapolitik 2027"
        policy.save_revision().publish()  # version 2
        draft.publish()  # version 3, although its id is lower
        policy.refresh_from_db()
        assert policy.live_revision_id == draft.pk
        assert policy.get_publication()[0] == 3

    @pytest.mark.parametrize("path", ["/", "/ydelser/", "/persondatapolitik/", "/en/"])
    def test_content_pages_set_no_cookie(self, client, vvs_site, path):
        # Policy section 2: cookies only where a service needs them (the forms' CSRF cookie).
        response = client.get(path, HTTP_HOST="mihvvs.localhost")
        assert response.status_code == 200
        assert not response.cookies

    def test_forms_set_only_browser_session_cookies(self, client, vvs_site):
        response = client.get("/kontakt/", HTTP_HOST="mihvvs.localhost")
        cookie = response.cookies["csrftoken"]
        assert not cookie["max-age"] and not cookie["expires"]

    @pytest.mark.parametrize(
        "path", ["/", "/ydelser/", "/persondatapolitik/", "/tilbud/", "/kontakt/", "/nope/"]
    )
    def test_no_resources_from_other_hosts(self, client, vvs_site, path):
        html = client.get(path, HTTP_HOST="mihvvs.localhost").content.decode()
        # Everything the browser loads (hreflang alternates are links to pages, not loads).
        assets = re.findall(r'<(?:script|img|iframe)[^>]+src="([^"]+)"', html)
        assets += re.findall(
            r'<link[^>]+rel="(?:stylesheet|icon|preload)"[^>]+href="([^"]+)"', html
        )
        assert assets, "every page loads at least the stylesheet"
        assert all(not re.match(r"^(https?:)?//", url) for url in assets), assets


class TestSetupRespectsEditors:
    def test_deleted_demo_page_is_not_recreated(self, vvs_site):
        StandardPage.objects.descendant_of(vvs_site.root_page).get(slug="om-os").delete()
        setup_sites()
        assert not StandardPage.objects.descendant_of(vvs_site.root_page).filter(slug="om-os")

    def test_renamed_policy_is_not_duplicated(self, vvs_site):
        policy = CompanySettings.for_site(vvs_site).privacy_policy_page
        policy.slug = "privatliv"
        policy.save_revision().publish()
        setup_sites()
        assert PrivacyPolicyPage.objects.descendant_of(vvs_site.root_page).count() == 1

    def test_site_name_and_port_set_by_an_admin_survive(self, vvs_site):
        vvs_site.site_name, vvs_site.port = "MIH VVS", 443
        vvs_site.save()
        setup_sites()
        vvs_site.refresh_from_db()
        assert (vvs_site.site_name, vvs_site.port) == ("MIH VVS", 443)

    def test_make_run_gives_the_sites_the_port_it_serves_on(self, client, sites):
        # `make run` runs `setup_sites --port $(PORT)`: "Vis live" and every absolute page
        # URL then lead to the development server, whatever port it was started on.
        call_command("setup_sites", port=8123, stdout=io.StringIO())
        for site in Site.objects.all():
            assert site.port == 8123
            assert site.root_page.specific.full_url.startswith(f"http://{site.hostname}:8123/")
        html = client.get("/", HTTP_HOST="mihvvs.localhost:8123").content.decode()
        assert 'href="http://mihvvs.localhost:8123/en/"' in html  # the language switcher


@pytest.mark.parametrize(
    ("colour", "ok"), [("#0b5394", True), ("#b45f06", True), ("#ffcc00", False), ("red", False)]
)
def test_brand_colour_must_be_readable_under_white_text(colour, ok):
    from django.core.exceptions import ValidationError

    from home.models import validate_brand_colour

    if ok:
        validate_brand_colour(colour)
    else:
        with pytest.raises(ValidationError):
            validate_brand_colour(colour)
