"""Found by search engines (home/seo.py): robots.txt and the sitemap per site, each page's
meta description, canonical link and Open Graph tags, the company as schema.org JSON-LD, and
English dates on English pages."""

import json
import re
from datetime import date
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation
from wagtail.models import Page, PageViewRestriction

from home import seo
from home.models import CompanySettings, PrivacyPolicyPage, StandardPage
from home.sites import site_roots

pytestmark = pytest.mark.django_db

VVS = "mihvvs.localhost"
EL = "mihel.localhost"
SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def get(client, path, host=VVS, **extra):
    return client.get(path, HTTP_HOST=host, **extra)


class Head(HTMLParser):
    """The ``<meta>`` and ``<link>`` tags of a page: ``{name or property: [content, …]}``."""

    def __init__(self, text):
        super().__init__()
        self.meta, self.links = {}, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            key = attrs.get("name") or attrs.get("property")
            self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)

    def one(self, key):
        values = self.meta.get(key, [])
        assert len(values) == 1, (key, values)
        return values[0]

    def canonical(self):
        found = [link["href"] for link in self.links if link.get("rel") == "canonical"]
        return found[0] if len(found) == 1 else found or None


def head(response):
    assert response.status_code == 200
    text = response.content.decode()
    return Head(text[: text.index("</head>")])


def business(response):
    found = JSON_LD.findall(response.content.decode())
    assert len(found) == 1
    return json.loads(found[0])


def publish(page, **fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


def english(page):
    return page.get_translation(translation_locale("en"))


def translation_locale(code):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=code)


# -- robots.txt ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", [VVS, EL])
def test_robots_names_the_sites_own_sitemap_and_keeps_crawlers_out_of_admin_and_cookies(
    client, sites, host
):
    response = get(client, "/robots.txt", host)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    for path in ["/admin/", "/cookies/", "/en/cookies/"]:
        assert f"Disallow: {path}" in lines
    # Each live form's thank-you page, in both languages.
    assert "Disallow: /tilbud/tak/" in lines
    assert "Disallow: /kontakt/tak/" in lines
    assert "Disallow: /en/get-a-quote/thank-you/" in lines
    assert "Disallow: /" not in lines
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        f"Sitemap: http://{host}/sitemap.xml"
    ]


def test_robots_does_not_name_a_restricted_forms_paths(client, vvs_site):
    from wagtail.models import PageViewRestriction

    from forms_app.models import FormPage

    quote = FormPage.objects.descendant_of(vvs_site.root_page).get(slug="tilbud")
    PageViewRestriction.objects.create(
        page=quote, restriction_type=PageViewRestriction.PASSWORD, password="hemmelig"
    )
    lines = get(client, "/robots.txt", VVS).content.decode().splitlines()
    assert "Disallow: /tilbud/tak/" not in lines
    assert "Disallow: /kontakt/tak/" in lines


def test_robots_uses_the_scheme_and_port_the_visitor_used(client, sites):
    response = get(client, "/robots.txt", f"{VVS}:8443", secure=True)
    assert f"Sitemap: https://{VVS}:8443/sitemap.xml" in response.content.decode()


def test_a_form_only_on_one_site_is_disallowed_only_there(client, sites):
    vvs_home = sites["mihvvs"].root_page
    form = vvs_home.get_children().get(slug="tilbud").specific
    form.copy(update_attrs={"slug": "akut", "title": "Akut"}, keep_live=True)
    assert "Disallow: /akut/tak/" in get(client, "/robots.txt", VVS).content.decode()
    assert "/akut/" not in get(client, "/robots.txt", EL).content.decode()


def test_an_unknown_host_is_asked_to_crawl_nothing_and_has_no_sitemap(client, sites):
    response = get(client, "/robots.txt", "203.0.113.7")
    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["User-agent: *", "Disallow: /"]
    assert get(client, "/sitemap.xml", "203.0.113.7").status_code == 404


def test_a_trailing_dot_host_is_its_site(client, sites):
    response = get(client, "/robots.txt", f"{EL}.")
    assert "Disallow: /admin/" in response.content.decode()
    assert get(client, "/sitemap.xml", f"{EL}.").status_code == 200


# -- the sitemap -----------------------------------------------------------------------------


def sitemap(client, host):
    response = get(client, "/sitemap.xml", host)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own sitemap
    entries = {}
    for url in root.findall("sm:url", SITEMAP_NS):
        loc = url.find("sm:loc", SITEMAP_NS).text
        entries[loc] = {
            "lastmod": url.find("sm:lastmod", SITEMAP_NS).text,
            "alternates": {
                link.get("hreflang"): link.get("href")
                for link in url.findall("xhtml:link", SITEMAP_NS)
            },
        }
    return entries


@pytest.mark.parametrize(("key", "host"), [("mihvvs", VVS), ("mihel", EL)])
def test_the_sitemap_lists_both_languages_with_hreflang_pairs(client, sites, key, host):
    entries = sitemap(client, host)
    live = Page.objects.none()
    for root in site_roots(sites[key]):
        live |= Page.objects.descendant_of(root, inclusive=True)
    assert len(entries) == live.live().public().count() == 12
    assert all(loc.startswith(f"http://{host}/") for loc in entries)
    pairs = [
        ("/", "/en/"),
        ("/ydelser/", "/en/services/"),
        ("/persondatapolitik/", "/en/privacy-policy/"),
        ("/tilbud/", "/en/get-a-quote/"),
    ]
    for danish, english_path in pairs:
        da, en = f"http://{host}{danish}", f"http://{host}{english_path}"
        expected = {"da": da, "en": en, "x-default": da}
        # Both pages of a pair name the same three alternates, each other included.
        assert entries[da]["alternates"] == expected
        assert entries[en]["alternates"] == expected
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entries[da]["lastmod"])


def test_the_sitemap_holds_only_its_own_sites_live_public_pages(client, sites):
    el_home = sites["mihel"].root_page
    only_el = el_home.add_child(instance=StandardPage(title="Ladestandere", slug="ladestandere"))
    only_el.save_revision().publish()
    draft = el_home.add_child(instance=StandardPage(title="Kladde", slug="kladde", live=False))
    private = el_home.add_child(instance=StandardPage(title="Intern", slug="intern"))
    private.save_revision().publish()
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    el = sitemap(client, EL)
    vvs = sitemap(client, VVS)
    assert f"http://{EL}/ladestandere/" in el
    # Untranslated: no alternates (hreflang pairs only for a translated page).
    assert el[f"http://{EL}/ladestandere/"]["alternates"] == {}
    assert not any("ladestandere" in loc for loc in vvs)
    assert not any(draft.slug in loc or private.slug in loc for loc in el)
    assert not any("/admin/" in loc for loc in el)


def test_the_sitemap_and_robots_answer_from_the_memo_without_queries_when_warm(client, sites):
    get(client, "/sitemap.xml", VVS)
    get(client, "/robots.txt", VVS)
    with CaptureQueriesContext(connection) as queries:
        assert get(client, "/sitemap.xml", VVS).status_code == 200
        assert get(client, "/robots.txt", VVS).status_code == 200
    assert len(queries) == 0


def test_a_publish_shows_in_the_sitemap_at_once(client, sites, django_capture_on_commit_callbacks):
    sitemap(client, VVS)
    home = sites["mihvvs"].root_page
    with django_capture_on_commit_callbacks(execute=True):
        page = home.add_child(instance=StandardPage(title="Nyhed", slug="nyhed"))
        page.save_revision().publish()
    assert f"http://{VVS}/nyhed/" in sitemap(client, VVS)


# -- meta description, canonical link, Open Graph -------------------------------------------


def test_danish_page_meta_and_open_graph(client, sites):
    page = StandardPage.objects.get(
        slug="ydelser", locale__language_code="da", url_path__startswith="/mihvvs/"
    )
    publish(page, search_description="VVS-ydelser i Roskilde: bad, varme og vand.")
    tags = head(get(client, "/ydelser/"))
    url = f"http://{VVS}/ydelser/"
    assert tags.one("description") == "VVS-ydelser i Roskilde: bad, varme og vand."
    assert tags.canonical() == url
    assert tags.one("og:url") == url
    assert tags.one("og:type") == "website"
    assert tags.one("og:title") == page.title
    assert tags.one("og:description") == "VVS-ydelser i Roskilde: bad, varme og vand."
    assert tags.one("og:site_name") == "MIH VVS ApS"
    assert tags.one("og:locale") == "da_DK"
    assert tags.one("og:locale:alternate") == "en_GB"
    assert (
        tags.one("og:image")
        == f"http://{VVS}/media/{CompanySettings.for_site(sites['mihvvs']).logo.file.name}"
    )
    assert "robots" not in tags.meta


def test_english_page_meta_and_open_graph(client, sites):
    tags = head(get(client, "/en/services/", EL))
    page = english(StandardPage.objects.get(slug="ydelser", url_path__startswith="/mihel/"))
    url = f"http://{EL}/en/services/"
    assert tags.canonical() == url
    assert tags.one("og:url") == url
    assert tags.one("og:title") == page.title == "Services"
    # No search description: the page's intro.
    assert tags.one("description") == page.intro
    assert tags.one("og:locale") == "en_GB"
    assert tags.one("og:locale:alternate") == "da_DK"
    assert tags.one("og:site_name") == "MIH El ApS"


def test_the_description_falls_back_to_the_home_pages_intro_then_the_company(client, sites):
    home = sites["mihvvs"].root_page.specific
    page = home.get_children().get(slug="om-os").specific
    publish(page, intro="", search_description="")
    assert head(get(client, "/om-os/")).one("description") == home.intro
    publish(home, intro="", search_description="")
    assert head(get(client, "/om-os/")).one("description") == "MIH VVS ApS, Roskilde"


def test_a_long_rich_text_intro_becomes_a_short_plain_description(client, sites):
    policy = PrivacyPolicyPage.objects.get(url_path="/mihvvs/persondatapolitik/")
    publish(policy, search_description="", intro="<p>Vi &amp; <b>du</b> " + "ord " * 80 + "</p>")
    description = head(get(client, "/persondatapolitik/")).one("description")
    assert description.startswith("Vi & du ord")
    assert "<" not in description
    assert len(description) <= seo.DESCRIPTION_LENGTH


def test_an_untranslated_page_names_no_alternate_locale(client, sites):
    home = sites["mihvvs"].root_page
    home.add_child(
        instance=StandardPage(title="Kun dansk", slug="kun-dansk")
    ).save_revision().publish()
    tags = head(get(client, "/kun-dansk/"))
    assert tags.one("og:locale") == "da_DK"
    assert "og:locale:alternate" not in tags.meta


def test_no_logo_no_image(client, sites):
    company = CompanySettings.for_site(sites["mihel"])
    company.logo = None
    company.save()
    tags = head(get(client, "/", EL))
    assert "og:image" not in tags.meta
    assert "logo" not in business(get(client, "/", EL))


def test_a_thank_you_page_is_not_indexed_and_has_no_canonical(client, sites):
    tags = head(get(client, "/tilbud/tak/"))
    assert tags.one("robots") == "noindex"
    assert tags.canonical() is None
    assert "og:url" not in tags.meta


def test_a_query_string_is_not_in_the_canonical_url(client, sites):
    tags = head(get(client, "/ydelser/?utm_source=x"))
    assert tags.canonical() == f"http://{VVS}/ydelser/"


# -- JSON-LD ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "kind", "name", "phone", "vat"),
    [
        (VVS, "Plumber", "MIH VVS ApS", "+45 12 34 56 78", "12345678"),
        (EL, "Electrician", "MIH El ApS", "+45 87 65 43 21", "87654321"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/ydelser/", "/persondatapolitik/", "/tilbud/", "/en/"])
def test_every_page_describes_its_own_company(client, sites, host, kind, name, phone, vat, path):
    data = business(get(client, path, host))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == kind
    assert data["@id"] == f"http://{host}/#business"  # the same company in both languages
    assert data["name"] == name
    assert data["telephone"] == phone
    assert data["email"].endswith(host.split(".")[0] + ".dk")
    assert data["address"] == {
        "@type": "PostalAddress",
        # Each firm's own address (demo content).
        "streetAddress": {VVS: "Værkstedsvej 1", EL: "Håndværkervej 14"}[host],
        "postalCode": "4000",
        "addressLocality": "Roskilde",
        "addressCountry": "DK",
    }
    assert data["openingHours"] == ["Mo-Th 07:00-15:30", "Fr 07:00-13:00"]
    assert data["areaServed"] == {"@type": "City", "name": "Roskilde"}
    assert data["vatID"] == f"DK{vat}"
    assert data["taxID"] == vat
    assert data["logo"].startswith(f"http://{host}/media/")
    expected_url = f"http://{host}/en/" if path.startswith("/en/") else f"http://{host}/"
    assert data["url"] == expected_url


def test_company_names_cannot_break_out_of_the_script_or_attributes(client, sites):
    company = CompanySettings.for_site(sites["mihvvs"])
    nasty = 'Fup </script><script>alert("x")</script> & "Co" <!--'
    company.company_name = nasty
    company.save()
    response = get(client, "/")
    text = response.content.decode()
    assert "<script>alert" not in text
    # The only script elements: the JSON-LD data block and the banner's script file.
    for tag in re.findall(r"<script[^>]*>", text):
        assert 'type="application/ld+json"' in tag or " src=" in tag, tag
    assert business(response)["name"] == nasty
    assert head(response).one("og:site_name") == nasty


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["Mandag–torsdag 7.00–15.30", "Fredag 7.00–13.00"],
            ["Mo-Th 07:00-15:30", "Fr 07:00-13:00"],
        ),
        (["Hverdage kl. 8-16", "Lørdag: lukket"], ["Mo-Fr 08:00-16:00"]),
        (["Mandag, onsdag og fredag 9:00 til 12:00"], ["Mo,We,Fr 09:00-12:00"]),
        (
            ["Monday to Thursday 7.00–15.30", "Emergency service by arrangement"],
            ["Mo-Th 07:00-15:30"],
        ),
        (["Akutvagt efter aftale", "Ring 24 timer i døgnet"], []),
        (["Mandag 25.00-26.00"], []),
    ],
)
def test_opening_hours_in_schema_format(lines, expected):
    assert seo.schema_opening_hours(lines) == expected


def test_json_ld_escapes_what_could_end_the_element():
    text = seo.json_ld({"name": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><!-- & \u2028"}


# -- English dates -----------------------------------------------------------------------------


@pytest.fixture
def format_modules(settings):
    settings.FORMAT_MODULE_PATH = ["cms.formats"]
    formats.reset_format_cache()
    yield
    formats.reset_format_cache()


def test_date_formats_per_language(format_modules):
    day = date(2026, 11, 26)
    with translation.override("en"):
        assert formats.date_format(day) == "26 November 2026"
    with translation.override("da"):
        assert formats.date_format(day) == "26. november 2026"


def test_the_english_privacy_policy_dates_its_version_in_english(client, sites, format_modules):
    """Needs templates/home/privacy_policy_page.html to write the date with
    ``|date:"DATE_FORMAT"`` (not the fixed Danish "j. F Y"): "26 November 2026" in English."""
    policy = english(PrivacyPolicyPage.objects.get(url_path="/mihvvs/persondatapolitik/"))
    published = policy.publication["published_at"]
    with translation.override("en"):
        expected = formats.date_format(timezone.localtime(published), "j F Y")
    text = get(client, "/en/privacy-policy/").content.decode()
    assert re.search(rf">\s*{re.escape(expected)}\s*</time>", text), expected
    danish = get(client, "/persondatapolitik/").content.decode()
    with translation.override("da"):
        assert formats.date_format(timezone.localtime(published), "j. F Y") in danish


# -- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/ydelser/", "/persondatapolitik/", "/tilbud/", "/en/"])
def test_the_seo_tags_add_no_query_to_a_warm_rendering(client, sites, settings, monkeypatch, path):
    settings.PAGE_CACHE_SECONDS = 0  # render every time, with the memo warm

    def count():
        get(client, path)
        with CaptureQueriesContext(connection) as queries:
            response = get(client, path)
        assert response.status_code == 200
        return len(queries), response

    with_seo, response = count()
    assert JSON_LD.search(response.content.decode())
    monkeypatch.setattr(seo, "head_context", lambda *args, **kwargs: {})
    without_seo, response = count()
    assert not JSON_LD.search(response.content.decode())
    assert with_seo == without_seo
    if path != "/tilbud/":
        assert with_seo == 0


def test_a_host_without_any_site_still_gets_its_404_page(client, sites):
    from wagtail.models import Site

    Site.objects.update(is_default_site=False)
    response = get(client, "/findes-ikke/", "nowhere.example")
    assert response.status_code == 404
    assert "application/ld+json" not in response.content.decode()
    assert get(client, "/robots.txt", "nowhere.example").content.decode() == (
        "User-agent: *\nDisallow: /\n"
    )
