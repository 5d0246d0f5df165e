"""The cookie banner: on every page until a choice, editor-managed per site and language,
accessible, with "Afvis alle" as easy as "Accepter alle", and the page cache serving each
visitor the right variant."""

import re
import time

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from cookie_consent import cookie
from cookie_consent.models import CookieBannerSettings
from home.models import CompanySettings
from tests.cookie_consent.helpers import EL, VVS, banner_shown, choose, danish

pytestmark = pytest.mark.django_db


def get(client, path, host=VVS):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, (host, path)
    return response


def banner_html(response):
    html = response.content.decode()
    match = re.search(r'<section class="cookie-banner".*?</section>', html, re.S)
    assert match, "no banner"
    return match.group(0)


def test_the_banner_sits_right_after_the_skip_link_labelled_and_focused(client, sites):
    html = get(client, "/").content.decode()
    skip = html.index('class="skip-link"')
    banner = html.index('<section class="cookie-banner"')
    header = html.index('<header class="site-header"')
    assert skip < banner < header
    between = html[skip:banner]
    assert between.count("</a>") == 1 and not between.split("</a>")[1].strip()
    tag = re.search(r'<section class="cookie-banner"[^>]*>', html).group(0)
    assert 'aria-labelledby="cookie-banner-heading"' in tag
    assert 'tabindex="-1"' in tag and "autofocus" in tag
    assert 'id="cookie-banner-heading"' in banner_html(get(client, "/"))
    assert 'role="status" aria-live="polite"' in html
    assert '<script src="/static/js/cookie-consent.js" defer></script>' in html
    assert "<script>" not in html and "style=" not in banner_html(get(client, "/"))


def test_after_a_choice_a_page_loads_no_script(client, sites):
    # Pages stay script-free once the banner is gone: the script comes with the banner only.
    response = client.post(
        "/cookies/",
        {"action": "reject_all"},
        HTTP_HOST=VVS,
        HTTP_ORIGIN=f"http://{VVS}",
    )
    assert response.status_code == 303
    html = get(client, "/").content.decode()
    assert '<section class="cookie-banner"' not in html
    # (The schema.org JSON-LD is a data block: never executed, no request.)
    assert not re.search(r'<script(?![^>]*type="application/ld\+json")', html)


def test_reject_is_as_easy_as_accept_and_nothing_is_ticked(client, sites):
    banner = banner_html(get(client, "/"))
    buttons = re.findall(r"<button[^>]*>[^<]*</button>", banner)
    reject, accept = buttons[0], buttons[1]  # adjacent, the first two controls
    assert 'value="reject_all"' in reject and 'value="accept_all"' in accept
    assert re.search(r'class="([^"]*)"', reject).group(1) == re.search(
        r'class="([^"]*)"', accept
    ).group(1)
    assert f">{danish('Reject all')}</button>" in reject
    assert f">{danish('Accept all')}</button>" in accept
    assert 'value="save"' in buttons[2]
    statistics = re.search(r'<input type="checkbox"[^>]*name="statistics"[^>]*>', banner).group(0)
    assert "checked" not in statistics
    necessary = re.search(r'<input type="checkbox" id="[^"]*-necessary"[^>]*>', banner).group(0)
    assert "checked" in necessary and "disabled" in necessary
    assert f">{danish('Statistics')}</label>" in banner
    assert f">{danish('Necessary')}</label>" in banner
    # A plain form to our own endpoint: works without JavaScript.
    assert 'method="post" action="/cookies/"' in banner
    assert 'name="next" value="/"' in banner


@pytest.mark.parametrize(
    ("host", "path", "language", "policy_path"),
    [
        (VVS, "/", "da", "/persondatapolitik/"),
        (VVS, "/en/", "en", "/en/privacy-policy/"),
        (EL, "/", "da", "/persondatapolitik/"),
        (EL, "/en/", "en", "/en/privacy-policy/"),
    ],
)
def test_editors_words_per_site_and_language(client, sites, host, path, language, policy_path):
    site = sites["mihvvs" if host == VVS else "mihel"]
    settings = CookieBannerSettings.for_site(site)
    settings.heading = f"Cookies hos {site.site_name}"
    settings.heading_en = f"Cookies at {site.site_name}"
    settings.text = "Dansk tekst.\n\nAnden linje."
    settings.text_en = "English text."
    settings.save()
    banner = banner_html(get(client, path, host))
    heading = settings.heading if language == "da" else settings.heading_en
    assert (
        f'<h2 class="cookie-banner__heading" id="cookie-banner-heading">{heading}</h2>' in banner
    )
    if language == "da":
        assert "<p>Dansk tekst.</p>" in banner and "<p>Anden linje.</p>" in banner
    else:
        assert "<p>English text.</p>" in banner
    policy = CompanySettings.for_site(site).privacy_policy_page
    assert policy.url_path.endswith("/persondatapolitik/")
    assert f'href="{policy_path}"' in banner
    action = "/cookies/" if language == "da" else "/en/cookies/"
    assert f'action="{action}"' in banner


def test_editing_the_banner_shows_at_once_on_cached_pages(client, vvs_site, on_commit):
    get(client, "/")
    assert get(client, "/")["X-Page-Cache"] == "hit"
    settings = CookieBannerSettings.for_site(vvs_site)
    settings.heading = "Nyt om cookies"
    with on_commit(execute=True):
        settings.save()
    assert "Nyt om cookies" in banner_html(get(client, "/"))


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


PAGES = ["/", "/ydelser/", "/persondatapolitik/", "/en/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_cached_for_one_visitor_is_not_served_to_another(client, sites, path):
    from django.test import Client

    # Cached without consent first: a visitor who chose gets no banner.
    first = get(client, path)
    assert banner_shown(first) and first["X-Page-Cache"] == "miss"
    assert banner_shown(get(client, path)) and get(client, path)["X-Page-Cache"] == "hit"
    chosen = Client()
    choose(chosen, "reject_all")
    response = get(chosen, path)
    assert not banner_shown(response)
    assert get(chosen, path)["X-Page-Cache"] == "hit"
    # And the other way round: cached for a visitor who chose, a new visitor gets the banner.
    assert banner_shown(get(Client(), path))
    assert "Cookie" in response["Vary"]


def test_the_other_way_round_first(client, sites):
    from django.test import Client

    choose(client, "accept_all")
    assert not banner_shown(get(client, "/ydelser/"))
    assert get(client, "/ydelser/")["X-Page-Cache"] == "hit"
    assert banner_shown(get(Client(), "/ydelser/"))


def test_the_banner_costs_no_query_on_a_warm_render(client, sites, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for path in [*PAGES, "/tilbud/"]:
        get(client, path)
        with CaptureQueriesContext(connection) as queries:
            response = get(client, path)
        assert banner_shown(response)
        assert len(queries) == 0, (path, [q["sql"] for q in queries])


def test_a_choice_expires_after_twelve_months(client, sites):
    with freeze_time("2026-01-10 12:00:00"):
        choose(client, "reject_all")
        raw = client.cookies[cookie.CONSENT_COOKIE].value
    client.cookies[cookie.CONSENT_COOKIE] = raw
    with freeze_time("2026-12-30 12:00:00"):  # 354 days: still counts
        assert not banner_shown(get(client, "/om-os/"))
    with freeze_time("2027-01-11 12:00:00"):  # 366 days: asked again
        assert banner_shown(get(client, "/om-os/"))
        # The cookie's own lifetime says the same to the browser.
    assert int(choose(client, "reject_all").cookies[cookie.CONSENT_COOKIE]["max-age"]) == (
        365 * 86400
    )


def test_an_old_signature_does_not_count(client, sites):
    """The same with a value signed a year and a day ago (no clock tricks on the server)."""
    choose(client, "reject_all")
    value = signing.TimestampSigner(salt=cookie._SALT).unsign(
        client.cookies[cookie.CONSENT_COOKIE].value
    )

    class OldSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 366 * 86400)

    client.cookies[cookie.CONSENT_COOKIE] = OldSigner(salt=cookie._SALT).sign(value)
    assert banner_shown(get(client, "/"))
    assert cookie.read_consent(_request(client)) is None


def _request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES = {key: morsel.value for key, morsel in client.cookies.items()}
    return request
