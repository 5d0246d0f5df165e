"""Call us from the first screen: the phone number, the emergency line (Akutvagt) and the trade
authorisation from CompanySettings, in the header and footer of every public page of both
sites in both languages (templates/includes/header.html, footer.html)."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page

from home.models import CompanySettings, phone_validator
from home.setup import setup_sites
from home.sites import site_roots

pytestmark = pytest.mark.django_db

HOST = {"mihvvs": "mihvvs.localhost", "mihel": "mihel.localhost"}
# The demo values setup_sites gives each firm (home/demo_content.py, demo_content_en.py).
PHONE = {"mihvvs": ("+4512345678", "+45 12 34 56 78"), "mihel": ("+4587654321", "+45 87 65 43 21")}
EMERGENCY = {
    "mihvvs": ("+4520304050", "+45 20 30 40 50", {"da": "døgnet rundt", "en": "24 hours a day"}),
    "mihel": (
        "+4560708090",
        "+45 60 70 80 90",
        {"da": "alle dage 7.00–22.00", "en": "every day 7.00–22.00"},
    ),
}
AUTHORISATION = {
    "mihvvs": {
        "da": "Autoriseret VVS-installatør nr. 12345",
        "en": "Authorised plumbing and heating installer (VVS-installatør) no. 12345",
    },
    "mihel": {
        "da": "Autoriseret elinstallatør nr. 67890",
        "en": "Authorised electrical installer (elinstallatør) no. 67890",
    },
}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def get(client, key, path):
    return client.get(path, HTTP_HOST=HOST[key])


def part(html, tag):
    """The page's ``<header class="site-header">`` or ``<footer class="site-footer">``."""
    match = re.search(rf'<{tag} class="site-{tag}">(.*?)</{tag}>', html, re.DOTALL)
    assert match, f"no site {tag}"
    return match.group(1)


def call_links(header):
    """``[(href, class, text without tags)]`` of the header's call links."""
    return [
        (href, cls, " ".join(re.sub(r"<[^>]+>", "", inner).split()))
        for cls, href, inner in re.findall(
            r'<a class="(call[^"]*)" href="([^"]*)">(.*?)</a>', header, re.DOTALL
        )
    ]


def public_paths(site, language):
    """Every live public page of ``site`` in ``language`` plus the cookie settings page."""
    root = site_roots(site).get(locale__language_code=language)
    paths = [
        page.get_url_parts()[2]
        for page in Page.objects.live().public().descendant_of(root, inclusive=True).specific()
    ]
    with translation.override(language):
        paths.append(reverse("cookie_settings"))
    return paths


def labels(language):
    with translation.override(language):
        return translation.gettext("Call us"), translation.gettext("Emergency service")


def save(site, **fields):
    company = CompanySettings.for_site(site)
    for name, value in fields.items():
        setattr(company, name, value)
    company.save()
    cache.clear()
    return company


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_every_public_page_has_the_sites_own_numbers_in_header_and_footer(
    client, sites, key, language
):
    tel, written = PHONE[key]
    emergency_tel, emergency_written, hours = EMERGENCY[key]
    other = "mihel" if key == "mihvvs" else "mihvvs"
    call_us, emergency = labels(language)
    paths = public_paths(sites[key], language)
    assert len(paths) >= 7, paths  # home, services, about, policy, two forms, cookies
    for path in paths:
        response = get(client, key, path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'lang="{language}"' in html, path
        header = part(html, "header")
        assert call_links(header) == [
            (f"tel:{tel}", "call", f"{call_us} {written}"),
            (
                f"tel:{emergency_tel}",
                "call call--emergency",
                f"{emergency} {hours[language]} {emergency_written}",
            ),
        ], path
        footer = part(html, "footer")
        assert f'<a href="tel:{tel}">{written}</a>' in footer, path
        assert (
            f'{emergency} ({hours[language]}): <a href="tel:{emergency_tel}">'
            f"{emergency_written}</a>"
        ) in footer, path
        # Nothing of the other firm's.
        assert PHONE[other][1] not in html and EMERGENCY[other][1] not in html, path


def test_the_labels_are_danish_on_the_danish_pages_and_english_on_the_english(client, sites):
    """Needs the Danish catalog's entries for "Call us" and "Emergency service"."""
    danish = part(get(client, "mihvvs", "/").content.decode(), "header")
    assert "Ring til os" in danish and "Akutvagt" in danish
    english = part(get(client, "mihvvs", "/en/").content.decode(), "header")
    assert "Call us" in english and "Emergency service" in english
    assert "Akutvagt" not in english


def test_a_404_page_on_a_site_has_its_phone_too(client, sites):
    response = get(client, "mihel", "/findes-ikke/")
    assert response.status_code == 404
    assert 'href="tel:+4587654321"' in part(response.content.decode(), "header")


@pytest.mark.parametrize("language,path", [("da", "/"), ("en", "/en/")])
def test_no_emergency_line_when_the_company_has_none(client, sites, language, path):
    save(sites["mihel"], emergency_phone="", emergency_hours="alle dage", emergency_hours_en="x")
    html = get(client, "mihel", path).content.decode()
    _call_us, emergency = labels(language)
    header, footer = part(html, "header"), part(html, "footer")
    assert [cls for _href, cls, _text in call_links(header)] == ["call"]
    assert "call--emergency" not in html and "tel:+4560708090" not in html
    assert emergency not in header and emergency not in footer
    # The other site keeps its own.
    assert "call--emergency" in get(client, "mihvvs", path).content.decode()


def test_emergency_line_without_hours_and_english_falls_back_to_danish(client, sites):
    save(sites["mihvvs"], emergency_hours="hele døgnet", emergency_hours_en="")
    english = part(get(client, "mihvvs", "/en/").content.decode(), "header")
    assert "hele døgnet" in english
    save(sites["mihvvs"], emergency_hours="", emergency_hours_en="")
    _call_us, emergency = labels("da")
    danish = get(client, "mihvvs", "/").content.decode()
    assert (
        "tel:+4520304050",
        "call call--emergency",
        f"{emergency} +45 20 30 40 50",
    ) in call_links(part(danish, "header"))
    assert f'{emergency}: <a href="tel:+4520304050">' in part(danish, "footer")


def test_no_phone_no_call_block(client, sites):
    save(sites["mihel"], phone="", emergency_phone="")
    html = get(client, "mihel", "/").content.decode()
    assert "site-header__call" not in html and "tel:" not in html


def test_a_danish_number_without_country_code_links_with_plus_45(client, sites):
    save(sites["mihvvs"], phone="70 20 30 40", emergency_phone="20304050")
    html = get(client, "mihvvs", "/").content.decode()
    links = call_links(part(html, "header"))
    assert [href for href, _cls, _text in links] == ["tel:+4570203040", "tel:+4520304050"]
    assert links[0][2].endswith("70 20 30 40")  # shown as written
    assert '<a href="tel:+4570203040">70 20 30 40</a>' in part(html, "footer")
    # The form pages' own "call us" lines build the link the same way (one filter).
    quote = client.get("/tilbud/", HTTP_HOST="mihvvs.localhost")
    assert quote.status_code == 200
    from django.template import Context, Template

    rendered = Template("{% load site_tags %}{{ n|tel_href }}|{{ m|tel_href }}|{{ e|tel_href }}")
    assert rendered.render(Context({"n": "70 20 30 40", "m": "+45 12-34-56-78", "e": ""})) == (
        "tel:+4570203040|tel:+4512345678|"
    )


@pytest.mark.parametrize("language,path", [("da", "/"), ("en", "/en/")])
@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_footer_shows_the_trade_authorisation(client, sites, key, language, path):
    footer = part(get(client, key, path).content.decode(), "footer")
    assert (
        f'<span class="site-footer__authorisation">{AUTHORISATION[key][language]}</span>' in footer
    )
    other = "mihel" if key == "mihvvs" else "mihvvs"
    assert AUTHORISATION[other]["da"] not in footer


def test_authorisation_per_language_with_danish_as_fallback(client, sites):
    save(sites["mihel"], authorisation="Autoriseret elinstallatør nr. 1", authorisation_en="")
    assert "Autoriseret elinstallatør nr. 1<" in get(client, "mihel", "/en/").content.decode()
    save(sites["mihel"], authorisation="", authorisation_en="Authorised no. 1")
    assert "site-footer__authorisation" not in get(client, "mihel", "/").content.decode()
    assert "Authorised no. 1<" in get(client, "mihel", "/en/").content.decode()
    save(sites["mihel"], authorisation="", authorisation_en="")
    for path in ("/", "/en/"):
        html = get(client, "mihel", path).content.decode()
        assert "site-footer__authorisation" not in html, path


def test_editor_text_is_escaped(client, sites):
    save(
        sites["mihvvs"],
        phone='+45 12"><script>a()</script>',  # 28 of 30 characters
        emergency_hours='<img src=x onerror="alert(2)">',
        emergency_hours_en="<b>bold</b>",
        authorisation="Nr. 1 & <script>alert(3)</script>",
        authorisation_en="<i>en</i>",
    )
    danish = get(client, "mihvvs", "/").content.decode()
    english = get(client, "mihvvs", "/en/").content.decode()
    for html in (danish, english):
        assert "<script>a" not in html and "<img src=x" not in html
        assert "<b>bold" not in html and "<i>en" not in html
    assert 'href="tel:+4512&quot;&gt;&lt;script&gt;a()&lt;/script&gt;"' in danish
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in danish
    assert "Nr. 1 &amp; &lt;script&gt;alert(3)&lt;/script&gt;" in danish
    # Escaped once, not twice.
    assert "&amp;lt;" not in danish and "&amp;lt;" not in english
    assert "&lt;b&gt;bold&lt;/b&gt;" in english and "&lt;i&gt;en&lt;/i&gt;" in english


@pytest.mark.parametrize(
    "number,ok",
    [
        ("+45 12 34 56 78", True),
        ("+4512345678", True),
        ("12 34 56 78", True),
        ("12345678", True),
        ("+46 8 123 456 78", True),
        ("12 34 56", False),
        ("0045 12 34 56 78", False),
        ("+45 12-34-56-78", False),
        ("tlf. 12 34 56 78", False),
        ("+45 12 34 56 78 ", False),
    ],
)
def test_phone_numbers_must_make_a_working_tel_link(number, ok):
    if ok:
        phone_validator(number)
    else:
        with pytest.raises(ValidationError):
            phone_validator(number)


def test_settings_form_has_the_new_fields_and_validates_the_numbers(client, sites, superuser):
    client.force_login(superuser)
    url = reverse("wagtailsettings:edit", args=["home", "companysettings", sites["mihvvs"].pk])
    html = client.get(url).content.decode()
    for name in (
        "emergency_phone",
        "emergency_hours",
        "emergency_hours_en",
        "authorisation",
        "authorisation_en",
    ):
        assert f'name="{name}"' in html, name
    company = CompanySettings.for_site(sites["mihvvs"])
    company.emergency_phone = "ring 20304050"
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "emergency_phone" in error.value.message_dict


def test_setup_gives_each_firm_its_own_demo_values_and_keeps_editor_changes(sites):
    vvs = CompanySettings.for_site(sites["mihvvs"])
    el = CompanySettings.for_site(sites["mihel"])
    assert (vvs.emergency_phone, vvs.emergency_hours, vvs.emergency_hours_en) == (
        "+45 20 30 40 50",
        "døgnet rundt",
        "24 hours a day",
    )
    assert (el.emergency_phone, el.emergency_hours) == ("+45 60 70 80 90", "alle dage 7.00–22.00")
    assert (vvs.authorisation, vvs.authorisation_en) == tuple(AUTHORISATION["mihvvs"].values())
    assert (el.authorisation, el.authorisation_en) == tuple(AUTHORISATION["mihel"].values())
    for company in (vvs, el):
        company.full_clean()  # the demo numbers pass the validator
    # An editor's changes survive a re-run, a removed emergency line included.
    vvs.emergency_phone = ""
    vvs.authorisation = "Autoriseret VVS-installatør nr. 99999"
    vvs.save()
    setup_sites()
    vvs = CompanySettings.for_site(sites["mihvvs"])
    assert vvs.emergency_phone == ""
    assert vvs.authorisation == "Autoriseret VVS-installatør nr. 99999"
