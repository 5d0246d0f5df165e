"""/cookies/ and /en/cookies/: every choice is logged, honoured, and refused when forged."""

import json
import uuid

import pytest
from django.core import signing

from cookie_consent import cookie
from cookie_consent.models import BannerTextVersion, ConsentRecord, CookieBannerSettings
from home.models import CompanySettings
from tests.cookie_consent.helpers import (
    EL,
    VVS,
    banner_shown,
    choose,
    danish,
    visitor_deleted,
    visitor_set,
)

pytestmark = pytest.mark.django_db


def record():
    assert ConsentRecord.objects.count() == 1
    return ConsentRecord.objects.get()


def consent_in(response):
    morsel = response.cookies[cookie.CONSENT_COOKIE]
    raw = signing.TimestampSigner(salt=cookie._SALT).unsign(morsel.value)
    consent_id, epoch, statistics = raw.split(":")
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == 365 * 24 * 3600
    return uuid.UUID(consent_id), int(epoch), statistics == "1"


def test_accept_all_is_logged_and_sets_the_statistics_cookie(client, vvs_site):
    response = choose(client, "accept_all", next="/ydelser/")
    assert response.status_code == 303
    assert response["Location"] == "/ydelser/"
    entry = record()
    assert entry.method == ConsentRecord.Method.ACCEPT_ALL
    assert entry.statistics is True
    assert entry.site == vvs_site
    assert entry.language == "da"
    assert entry.epoch == 0
    policy = CompanySettings.for_site(vvs_site).privacy_policy_page
    assert entry.policy_revision_id == policy.live_revision_id is not None
    settings = CookieBannerSettings.for_site(vvs_site)
    assert (entry.banner_text.heading, entry.banner_text.text) == (settings.heading, settings.text)
    assert entry.banner_text.digest == BannerTextVersion.digest_for(
        "da", settings.heading, settings.text
    )
    assert consent_in(response) == (entry.consent_id, 0, True)
    assert visitor_set(response)
    assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_reject_all_is_logged_and_deletes_the_statistics_cookie(client, vvs_site):
    response = choose(client, "reject_all")
    assert response.status_code == 303
    assert response["Location"] == "/"  # the site's home in that language
    entry = record()
    assert (entry.method, entry.statistics) == (ConsentRecord.Method.REJECT_ALL, False)
    assert consent_in(response) == (entry.consent_id, 0, False)
    assert visitor_deleted(response)


@pytest.mark.parametrize("statistics", [True, False])
def test_a_custom_choice_is_logged_as_custom(client, vvs_site, statistics):
    extra = {"statistics": "1"} if statistics else {}
    response = choose(client, "save", **extra)
    entry = record()
    assert (entry.method, entry.statistics) == (ConsentRecord.Method.CUSTOM, statistics)
    assert visitor_set(response) if statistics else visitor_deleted(response)


def test_english_choice_records_english_words_and_policy(client, vvs_site):
    response = choose(client, "accept_all", path="/en/cookies/")
    assert response.status_code == 303
    assert response["Location"] == "/en/"
    entry = record()
    settings = CookieBannerSettings.for_site(vvs_site)
    assert entry.language == "en"
    assert entry.banner_text.heading == settings.heading_en
    assert entry.banner_text.text == settings.text_en
    policy = CompanySettings.for_site(vvs_site).privacy_policy_page
    english_policy = policy.get_translation(_locale("en"))
    assert english_policy.live_revision_id != policy.live_revision_id
    assert entry.policy_revision_id == english_policy.live_revision_id


def _locale(code):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=code)


def test_each_site_logs_its_own_choice(client, el_site):
    choose(client, "reject_all", host=EL)
    assert record().site == el_site


def test_withdrawing_keeps_the_consent_id_and_deletes_the_statistics_cookie(client, sites):
    choose(client, "accept_all")
    first = ConsentRecord.objects.get()
    assert client.cookies[cookie.VISITOR_COOKIE].value
    for action, extra in (("save", {}), ("reject_all", {})):
        choose(client, "accept_all")
        response = choose(client, action, **extra)
        latest = ConsentRecord.objects.first()
        assert latest.method == ConsentRecord.Method.WITHDRAW
        assert latest.statistics is False
        assert latest.consent_id == first.consent_id
        assert visitor_deleted(response)
    # Rejecting again (nothing left to withdraw) is a plain rejection.
    choose(client, "reject_all")
    assert ConsentRecord.objects.first().method == ConsentRecord.Method.REJECT_ALL
    assert set(ConsentRecord.objects.values_list("consent_id", flat=True)) == {first.consent_id}


def test_the_statistics_cookie_keeps_its_id_when_consent_is_given_again(client, sites):
    choose(client, "accept_all")
    first = client.cookies[cookie.VISITOR_COOKIE].value
    response = choose(client, "accept_all")
    assert response.cookies[cookie.VISITOR_COOKIE].value == first


def test_the_banner_goes_once_a_choice_is_made_and_comes_back_without_one(client, sites):
    assert banner_shown(client.get("/", HTTP_HOST=VVS))
    choose(client, "reject_all")
    assert not banner_shown(client.get("/", HTTP_HOST=VVS))
    assert not banner_shown(client.get("/en/", HTTP_HOST=VVS))
    # The same cookie does not count on the other company's site? It does: one host each,
    # the browser never sends it there. A forged or missing cookie shows the banner.
    client.cookies[cookie.CONSENT_COOKIE] = "forged:0:1"
    assert banner_shown(client.get("/", HTTP_HOST=VVS))


def test_json_answer_for_the_script(client, sites):
    response = choose(client, "accept_all", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"ok": True}
    assert visitor_set(response)
    assert record().method == ConsentRecord.Method.ACCEPT_ALL


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://mihel.localhost", "null", "https://mihvvs.localhost.evil"],
)
def test_a_cross_origin_post_is_refused(client, sites, origin):
    response = choose(client, "accept_all", origin=origin)
    assert response.status_code == 403
    assert (
        danish("Your choice was not saved: the form was not sent from this website.")
        in response.content.decode()
    )
    assert not ConsentRecord.objects.exists()
    assert not response.cookies


def test_referer_counts_when_there_is_no_origin(client, sites):
    response = choose(client, "reject_all", origin="", HTTP_REFERER="http://evil.example/x")
    assert response.status_code == 403
    response = choose(client, "reject_all", origin="")
    assert response.status_code == 403  # neither header: refused
    response = choose(client, "reject_all", origin="", HTTP_REFERER=f"http://{VVS}/ydelser/")
    assert response.status_code == 303
    assert ConsentRecord.objects.count() == 1


def test_an_unknown_action_is_refused(client, sites):
    response = choose(client, "accept_everything")
    assert response.status_code == 400
    assert danish("Unknown choice. Please choose again.") in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert not response.cookies


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_next_must_be_on_this_site(client, sites, target):
    response = choose(client, "reject_all", next=target)
    assert response.status_code == 303
    assert response["Location"] == "/"


def test_a_host_without_a_site_is_not_found(client, sites):
    from wagtail.models import Site

    Site.objects.update(is_default_site=False)
    response = choose(client, "accept_all", host="nowhere.example")
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_no_ip_address_or_user_agent_is_kept(client, sites):
    fields = {field.name for field in ConsentRecord._meta.get_fields()}
    assert not any(word in name for name in fields for word in ("ip", "agent", "address", "host"))
    # And none reaches a stored value: post with a recognisable address and browser, then read
    # every column of every log row (and of the banner text it points at).
    agent = "Mozilla/5.0 (UniqueAgent 4711)"
    choose(client, "accept_all", REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT=agent)
    choose(client, "reject_all", REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT=agent)
    rows = list(ConsentRecord.objects.values()) + list(BannerTextVersion.objects.values())
    assert len(rows) >= 3
    stored = repr(rows)
    for secret in ("203.0.113", "UniqueAgent", "4711"):
        assert secret not in stored


def test_one_address_cannot_fill_the_log(client, sites, settings):
    # A script can fake the Origin header; each entry is kept for years, so one address may
    # post only so many choices per site within the window.
    settings.CONSENT_RATE_LIMIT = 3
    for _ in range(3):
        assert choose(client, "reject_all", REMOTE_ADDR="198.51.100.9").status_code == 303
    response = choose(client, "accept_all", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert danish("Too many choices from your address. Please wait a few minutes.") in (
        response.content.decode()
    )
    assert ConsentRecord.objects.count() == 3
    assert not response.cookies
    # Another address is not affected.
    assert choose(client, "accept_all", REMOTE_ADDR="198.51.100.10").status_code == 303


def test_the_words_the_form_was_rendered_with_are_logged(client, vvs_site):
    """An editor changing the words between the page and the click: the log keeps what the
    visitor saw (the form's text version)."""
    html = client.get("/", HTTP_HOST=VVS).content.decode()
    shown = BannerTextVersion.objects.get(site=vvs_site, language="da")
    assert f'name="text_version" value="{shown.pk}"' in html
    settings = CookieBannerSettings.for_site(vvs_site)
    settings.heading = "Nye ord"
    settings.save()
    choose(client, "accept_all", text_version=str(shown.pk))
    assert record().banner_text == shown
    # Another site's version is not accepted: the words shown now are logged instead.
    other = BannerTextVersion.for_words(vvs_site, "en", "x", "y")
    ConsentRecord.objects.all().delete()
    choose(client, "accept_all", text_version=str(other.pk))
    assert record().banner_text.heading == "Nye ord"


def test_the_settings_page_shows_the_choice_and_the_consent_id(client, vvs_site):
    response = client.get("/cookies/", HTTP_HOST=VVS)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="statistics" value="1" aria-describedby' in html  # not ticked
    assert 'id="cookie-banner"' not in html
    assert not response.cookies
    choose(client, "accept_all")
    entry = record()
    html = client.get("/cookies/", HTTP_HOST=VVS).content.decode()
    assert str(entry.consent_id) in html
    assert 'name="statistics" value="1" checked' in html
    for name in ("mih_consent", "mih_visitor", "csrftoken", "sessionid"):
        assert f"<code>{name}</code>" in html
    english = client.get("/en/cookies/", HTTP_HOST=VVS).content.decode()
    assert 'action="/en/cookies/"' in english
    assert "Cookie settings" in english


def test_the_footer_links_to_the_cookie_settings_everywhere(client, sites):
    for host, path, target in (
        (VVS, "/", "/cookies/"),
        (EL, "/ydelser/", "/cookies/"),
        (VVS, "/en/", "/en/cookies/"),
        (VVS, "/tilbud/", "/cookies/"),
    ):
        html = client.get(path, HTTP_HOST=host).content.decode()
        assert f'<a href="{target}" data-cookie-settings-link>' in html, (host, path)
    choose(client, "reject_all")
    assert "data-cookie-settings-link" in client.get("/", HTTP_HOST=VVS).content.decode()
