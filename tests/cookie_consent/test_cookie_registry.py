"""Every cookie any public page sets is in the registry, for the categories the visitor
allowed; the privacy policy and the cookie settings page list every one."""

import pytest
from django.test import Client
from django.utils.html import escape
from wagtail.models import Page

from cookie_consent import registry
from cookie_consent.registry import NECESSARY, STATISTICS
from home.sites import site_roots
from tests.cookie_consent.helpers import banner_shown, choose

pytestmark = pytest.mark.django_db

STATES = {
    "none": (None, {NECESSARY}),
    "rejected": ("reject_all", {NECESSARY}),
    "accepted": ("accept_all", {NECESSARY, STATISTICS}),
}


def public_paths(site):
    """Every live, public page of the site, in both languages, as a path on its host."""
    paths = []
    for root in site_roots(site):
        for page in Page.objects.descendant_of(root, inclusive=True).live().public():
            url = page.get_url(current_site=site)
            assert url and url.startswith("/"), (page, url)
            paths.append(url)
    return sorted(set(paths))


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_every_cookie_of_every_public_page_is_registered(sites, key, state):
    site = sites[key]
    host = f"{key}.localhost"
    action, allowed = STATES[state]
    client = Client()
    if action:
        choose(client, action, host=host)
    paths = public_paths(site)
    assert "/" in paths and "/en/" in paths and "/tilbud/" in paths and "/kontakt/" in paths
    assert len(paths) >= 12
    seen = {}
    for path in [*paths, "/cookies/", "/en/cookies/"]:
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 200, path
        if path not in ("/cookies/", "/en/cookies/"):
            assert banner_shown(response) == (action is None), path
        for name, morsel in response.cookies.items():
            if morsel["max-age"] == 0:
                continue  # a deletion
            seen.setdefault(name, path)
    allowed_names = registry.names(allowed)
    assert set(seen) <= allowed_names, seen
    assert "mih_visitor" not in seen  # only a choice sets it, never a page view
    # A form page sets the CSRF cookie: the walk did reach one.
    assert "csrftoken" in seen


@pytest.mark.parametrize("host", ["mihvvs.localhost", "mihel.localhost"])
def test_no_optional_cookie_before_consent_and_the_banner_everywhere(client, sites, host):
    key = host.split(".")[0]
    for path in public_paths(sites[key]):
        response = client.get(path, HTTP_HOST=host)
        assert banner_shown(response), path
        assert "mih_visitor" not in response.cookies, path
        assert set(response.cookies) <= registry.names({NECESSARY}), path
    assert "mih_visitor" not in client.cookies


def test_every_cookie_has_a_category_purpose_and_lifetime():
    names = [item.name for item in registry.cookies()]
    assert len(names) == len(set(names))
    assert {"sessionid", "csrftoken", "messages", "mih_consent", "mih_visitor"} <= set(names)
    for item in registry.cookies():
        assert item.category in registry.CATEGORIES
        assert str(item.purpose) and str(item.lifetime) and str(item.set_when)
    assert registry.names({STATISTICS}) == {"mih_visitor"}


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("mihvvs.localhost", "/persondatapolitik/"),
        ("mihvvs.localhost", "/en/privacy-policy/"),
        ("mihel.localhost", "/persondatapolitik/"),
        ("mihvvs.localhost", "/cookies/"),
        ("mihel.localhost", "/en/cookies/"),
    ],
)
def test_the_policy_and_the_settings_page_list_every_cookie(client, sites, host, path):
    from django.utils import translation

    html = client.get(path, HTTP_HOST=host).content.decode()
    language = "en" if path.startswith("/en/") else "da"
    with translation.override(language):
        for item in registry.cookies():
            assert f'<tr data-cookie="{item.name}">' in html, item.name
            row = html[html.index(f'<tr data-cookie="{item.name}">') :]
            row = row[: row.index("</tr>")]
            assert f"<code>{item.name}</code>" in row
            assert escape(str(item.purpose)) in row
            assert escape(str(item.lifetime)) in row
            assert escape(str(item.category_label)) in row


def test_the_cookie_list_sits_in_the_policys_section_on_cookies(client, sites):
    html = client.get("/persondatapolitik/", HTTP_HOST="mihvvs.localhost").content.decode()
    section = html.index('id="2-cookies"')
    assert section < html.index('class="policy__cookies"') < html.index('id="3-')
