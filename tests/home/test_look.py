"""Two firms, not one template in two colours: hero image, favicon, own copy, quote button,
and a thank-you page that says when the answer comes."""

import re

import pytest
from django.core.files.images import ImageFile
from wagtail.images.models import Image

from home.favicon import initials
from home.models import CompanySettings, HomePage
from home.setup import hero_illustration, setup_sites
from tests.visitor import post_form

pytestmark = pytest.mark.django_db

HOSTS = {"mihvvs": "mihvvs.localhost", "mihel": "mihel.localhost"}


def get(client, key, path):
    response = client.get(path, HTTP_HOST=HOSTS[key])
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("key", sorted(HOSTS))
def test_home_page_hero_is_a_responsive_webp_picture(client, sites, key):
    html = get(client, key, "/")
    picture = re.search(
        r'<section class="hero hero--image">.*?<picture>(.*?)</picture>', html, re.S
    )
    assert picture, "no hero picture"
    source, img = picture.group(1).split("<img", 1)
    assert 'type="image/webp"' in source
    widths = re.findall(r"\.webp (\d+)w", source)
    assert widths == ["400", "800", "1200"]
    # Its own illustration: the home page's hero image.
    home = HomePage.objects.get(slug=key, locale__language_code="da")
    assert home.hero_image.get_rendition("fill-800x500|format-webp|webpquality-60").url in source
    # The LCP: fetched at once, its box reserved, decorative (the heading says it all).
    assert 'fetchpriority="high"' in img and "loading=" not in img
    assert 'width="400"' in img and 'height="250"' in img
    assert 'alt=""' in img
    assert "sizes=" in img


def test_hero_alt_text_is_the_image_description(client, sites):
    home = HomePage.objects.get(slug="mihvvs", locale__language_code="da")
    image = home.hero_image
    image.description = "Montør skifter et blandingsbatteri"
    image.save()
    assert 'alt="Montør skifter et blandingsbatteri"' in get(client, "mihvvs", "/")


def test_hero_renditions_are_small(sites):
    """The page-weight budget (30 KB a page) leaves a few KB for the picture."""
    for home in HomePage.objects.filter(locale__language_code="da"):
        for spec, limit in (("400x250", 5_000), ("800x500", 9_000), ("1200x750", 14_000)):
            rendition = home.hero_image.get_rendition(f"fill-{spec}|format-webp|webpquality-60")
            assert rendition.file.size < limit, (home.slug, spec, rendition.file.size)


def test_setup_sites_again_adds_no_second_hero(sites):
    before = Image.objects.count()
    setup_sites()
    assert Image.objects.count() == before
    titles = list(Image.objects.filter(title__contains="illustration").values_list("title"))
    assert len(titles) == 2


def test_the_two_illustrations_differ():
    vvs = hero_illustration("vvs", "#0b5394", size=(120, 75))
    el = hero_illustration("el", "#0b5394", size=(120, 75))
    assert vvs.tobytes() != el.tobytes()


@pytest.mark.parametrize("key", sorted(HOSTS))
def test_favicon_ico_leads_to_the_sites_own_icon(client, sites, key):
    company = CompanySettings.for_site(sites[key])
    colour = company.brand_colour.lstrip("#").lower()
    response = client.get("/favicon.ico", HTTP_HOST=HOSTS[key])
    assert response.status_code in (301, 302)
    assert not response.cookies
    location = response["Location"]
    assert location.startswith(f"/brand/icon/{colour}/32/")
    icon = client.get(location, HTTP_HOST=HOSTS[key])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/png"
    assert icon.content.startswith(b"\x89PNG")
    assert "immutable" in icon["Cache-Control"]
    assert not icon.cookies


@pytest.mark.parametrize(("key", "letters"), [("mihvvs", "MV"), ("mihel", "ME")])
def test_pages_link_an_svg_of_the_initials_on_the_brand_colour(client, sites, key, letters):
    html = get(client, key, "/")
    colour = CompanySettings.for_site(sites[key]).brand_colour.lstrip("#").lower()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    assert href.startswith(f"/brand/icon/{colour}/")
    svg = client.get(href, HTTP_HOST=HOSTS[key])
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert not svg.cookies
    assert f'fill="#{colour}"' in svg.content.decode()
    assert f">{letters}</text>" in svg.content.decode()
    assert "max-age=31536000" in svg["Cache-Control"]
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', html).group(1)
    png = client.get(touch, HTTP_HOST=HOSTS[key])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"


def test_a_favicon_image_gives_png_renditions(client, sites, tmp_path):
    company = CompanySettings.for_site(sites["mihel"])
    buffer = tmp_path / "icon.png"
    hero_illustration("el", "#b45f06", size=(256, 256)).save(buffer)
    with buffer.open("rb") as file:
        company.favicon = Image.objects.create(
            title="El-ikon", file=ImageFile(file, name="el-ikon.png")
        )
    company.save()
    html = get(client, "mihel", "/")
    assert re.search(r'<link rel="icon" href="/media/images/[^"]*fill-32x32[^"]*\.png"', html)
    assert re.search(r'<link rel="apple-touch-icon" href="/media/[^"]*fill-180x180', html)
    response = client.get("/favicon.ico", HTTP_HOST=HOSTS["mihel"])
    assert response["Location"].startswith("/media/images/")
    assert "fill-32x32" in response["Location"]
    # The other site keeps its initials.
    assert "/brand/icon/" in client.get("/favicon.ico", HTTP_HOST=HOSTS["mihvvs"])["Location"]


def test_icon_urls_refuse_what_is_not_a_colour_or_a_size(client, sites):
    assert client.get("/brand/icon/red/MIH.svg").status_code == 404
    assert client.get("/brand/icon/0b5394/64/MIH.png").status_code == 404
    assert client.get("/brand/icon/0b5394/" + "x" * 101 + ".svg").status_code == 404


def test_initials():
    assert initials("MIH VVS ApS") == "MV"
    assert initials("MIH El ApS") == "ME"
    assert initials("Østergaard A/S") == "Ø"
    assert initials("<script>") == "S"


def test_favicon_is_not_a_page_view():
    from analytics.counting import excluded_path

    assert excluded_path("/favicon.ico")
    assert excluded_path("/brand/icon/0b5394/MIH%20VVS%20ApS.svg")


def test_each_firm_has_its_own_about_text_and_address(client, sites):
    vvs, el = get(client, "mihvvs", "/om-os/"), get(client, "mihel", "/om-os/")
    assert "faglærte VVS-montører" in vvs and "VVS-autorisation" in vvs
    assert "uddannede elektrikere" in el and "Sikkerhedsstyrelsen" in el
    assert "elektrikere" not in vvs and "VVS-montører" not in el
    en_vvs, en_el = get(client, "mihvvs", "/en/about-us/"), get(client, "mihel", "/en/about-us/")
    assert "plumbers" in en_vvs and "Sikkerhedsstyrelsen" in en_el
    vvs_address = CompanySettings.for_site(sites["mihvvs"]).street_address
    el_address = CompanySettings.for_site(sites["mihel"]).street_address
    assert vvs_address != el_address
    assert el_address in el and vvs_address not in el


@pytest.mark.parametrize("key", sorted(HOSTS))
@pytest.mark.parametrize(
    ("path", "text", "quote"),
    [
        ("/ydelser/", "Få et tilbud", "/tilbud/"),
        ("/en/services/", "Get a quote", "/en/get-a-quote/"),
    ],
)
def test_services_page_ends_with_a_quote_button(client, sites, key, path, text, quote):
    html = get(client, key, path)
    stream = html.split('<div class="container stream">', 1)[1].split("</main>", 1)[0]
    buttons = re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', stream)
    assert buttons[-1] == (quote, text)
    # Nothing but the closing tags after it.
    after = stream.split(f">{text}</a>", 1)[1]
    assert not re.search(r"<(h\d|p|div class=\"rich-text\")", after.split("</p>", 1)[1])


def post_contact(client, host):
    data = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}
    return post_form(client, "/kontakt/", data, host=host)


def test_thank_you_page_says_when_and_whom_to_call(client, sites):
    response = post_contact(client, HOSTS["mihvvs"])
    assert response.status_code == 302
    html = get(client, "mihvvs", response["Location"])
    text = re.sub(r"\s+", " ", html)
    assert "<h1>Tak for din henvendelse</h1>" in html or "Thank you for your message" in html
    # One working day (the default), the emergency line as a tel: link.
    assert 'class="thanks-when"' in html
    assert 'href="tel:+4520304050">+45 20 30 40 50</a>' in text


def test_thank_you_reply_time_follows_the_settings(client, sites):
    company = CompanySettings.for_site(sites["mihel"])
    company.reply_within_days = 3
    company.emergency_phone = ""
    company.save()
    response = post_contact(client, HOSTS["mihel"])
    html = re.sub(r"\s+", " ", get(client, "mihel", response["Location"]))
    when = re.search(r'<p class="thanks-when">(.*?)</p>', html).group(1)
    assert "3" in when
    assert 'href="tel:+4587654321">+45 87 65 43 21</a>' in when
