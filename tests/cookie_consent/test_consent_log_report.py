"""Reports → "Cookie-samtykker": the consent log, per site as the submissions' permission allows,
with the period's counts, a date filter and a search by consent id; and the privacy policy
revisions the log points at count as in use."""

import datetime
import html
import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from wagtail import hooks
from wagtail.models import Page, Site

from cookie_consent.admin_views import DEFAULT_DAYS, PAGE_SIZE
from cookie_consent.models import BannerTextVersion, ConsentRecord
from cookie_consent.wagtail_hooks import policy_shown_with_cookie_choices
from home.models import POLICY_IN_USE_HOOK, PrivacyPolicyPage, published_versions

REPORT = "cookie_consent_log"
Method = ConsentRecord.Method


def danish(text):
    with translation.override("da"):
        return translation.gettext(text)


def banner(site, language="da", heading="Vi bruger cookies", text="Nødvendige og statistik."):
    return BannerTextVersion.objects.create(
        site=site, language=language, heading=heading, text=text, digest=uuid.uuid4().hex
    )


def record(site, at, method=Method.ACCEPT_ALL, statistics=None, consent_id=None, **extra):
    """A log entry made at ``at`` (``created_at`` is auto_now_add, so it is set afterwards)."""
    if statistics is None:
        statistics = method == Method.ACCEPT_ALL
    extra.setdefault("banner_text", banner(site))
    entry = ConsentRecord.objects.create(
        site=site,
        method=method,
        statistics=statistics,
        consent_id=consent_id or uuid.uuid4(),
        language=extra.pop("language", "da"),
        **extra,
    )
    ConsentRecord.objects.filter(pk=entry.pk).update(created_at=at)
    entry.refresh_from_db()
    return entry


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def policy_page(site):
    return PrivacyPolicyPage.objects.descendant_of(site.root_page).get(locale__language_code="da")


def get(client, user, **params):
    client.force_login(user)
    return client.get(reverse(REPORT), params)


def page_text(response):
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def listed(response):
    """The pks of the entries listed."""
    return {int(pk) for pk in re.findall(r'data-entry="(\d+)"', response.content.decode())}


def counts(response):
    """``{"total": 8, "accept_all": 3, …, "statistics": "50 %"}`` from the counts at the top."""
    found = re.findall(
        r'<li data-count="(\w+)">.*?<strong>(.*?)</strong>', response.content.decode(), re.S
    )
    return {key: int(value) if value.isdigit() else value for key, value in found}


@pytest.fixture
def entries(vvs_site, el_site):
    """A recent choice on each site."""
    return {"vvs": record(vvs_site, days_ago(1)), "el": record(el_site, days_ago(1))}


# -- who sees what ------------------------------------------------------------------------------


def test_vvs_staff_see_only_vvs_entries(client, vvs_staff, entries):
    response = get(client, vvs_staff)
    assert listed(response) == {entries["vvs"].pk}
    text = page_text(response)
    assert str(entries["vvs"].consent_id) in text
    assert str(entries["el"].consent_id) not in text
    # One site: no site filter, no site column.
    assert 'name="site"' not in text


def test_el_staff_see_only_el_entries(client, el_staff, entries):
    response = get(client, el_staff)
    assert listed(response) == {entries["el"].pk}
    assert str(entries["vvs"].consent_id) not in page_text(response)


def test_the_other_sites_id_in_the_url_is_404(client, el_staff, entries, vvs_site, el_site):
    assert get(client, el_staff, site=vvs_site.pk).status_code == 404
    assert get(client, el_staff, site=999999).status_code == 404
    assert get(client, el_staff, site="x").status_code == 404
    assert listed(get(client, el_staff, site=el_site.pk)) == {entries["el"].pk}


def test_superuser_sees_both_sites_and_can_choose_one(
    client, superuser, entries, vvs_site, el_site
):
    response = get(client, superuser)
    assert listed(response) == {entries["vvs"].pk, entries["el"].pk}
    text = page_text(response)
    assert 'name="site"' in text
    assert vvs_site.site_name in text and el_site.site_name in text
    assert listed(get(client, superuser, site=vvs_site.pk)) == {entries["vvs"].pk}
    assert listed(get(client, superuser, site=el_site.pk)) == {entries["el"].pk}


def test_an_editor_without_submission_permission_gets_no_menu_item_and_is_refused(
    client, vvs_editor, entries
):
    client.force_login(vvs_editor)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(REPORT) not in dashboard
    response = client.get(reverse(REPORT))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_staff_and_superusers_get_the_menu_item(client, vvs_staff, el_staff, superuser):
    for user in (vvs_staff, el_staff, superuser):
        client.force_login(user)
        dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
        assert reverse(REPORT) in dashboard, user
        assert reverse(REPORT) == "/admin/cookie-samtykker/"


def test_anonymous_is_sent_to_the_login(client, entries):
    response = client.get(reverse(REPORT))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


# -- what it shows ------------------------------------------------------------------------------


def test_counts_per_method_and_statistics_share_for_the_period(
    client, vvs_staff, vvs_site, el_site
):
    for method, statistics, n in [
        (Method.ACCEPT_ALL, True, 3),
        (Method.REJECT_ALL, False, 2),
        (Method.CUSTOM, True, 1),
        (Method.CUSTOM, False, 1),
        (Method.WITHDRAW, False, 1),
    ]:
        for _i in range(n):
            record(vvs_site, days_ago(2), method, statistics)
    record(vvs_site, days_ago(DEFAULT_DAYS + 5))  # before the period
    record(el_site, days_ago(2))  # the other company's
    response = get(client, vvs_staff)
    assert counts(response) == {
        "total": 8,
        "accept_all": 3,
        "reject_all": 2,
        "custom": 2,
        "withdraw": 1,
        "statistics": "50 %",
    }
    assert len(listed(response)) == 8
    text = page_text(response)
    for method in Method:
        with translation.override("da"):
            assert f"{method.label}: " in text


def test_no_entries_shows_zero_counts_and_says_so(client, vvs_staff, vvs_site):
    response = get(client, vvs_staff)
    assert counts(response)["total"] == 0
    assert counts(response)["statistics"] == "–"
    assert danish("No cookie choices in this period.") in page_text(response)


def test_an_entry_shows_time_in_danish_time_categories_language_banner_text_and_policy(
    client, superuser, vvs_site
):
    policy = policy_page(vvs_site)
    revision = policy.latest_revision
    text_version = banner(vvs_site, "en", "We use cookies", "Necessary & statistics <b>only</b>.")
    summer = timezone.make_aware(datetime.datetime(2025, 7, 1, 12, 0, 5), datetime.UTC)
    winter = timezone.make_aware(datetime.datetime(2025, 1, 10, 12, 0, 5), datetime.UTC)
    consent_id = uuid.uuid4()
    first = record(
        vvs_site,
        winter,
        Method.CUSTOM,
        statistics=False,
        consent_id=consent_id,
        language="en",
        banner_text=text_version,
        policy_revision=revision,
    )
    second = record(vvs_site, summer, consent_id=consent_id, policy_revision=revision)
    response = get(client, superuser, consent_id=str(consent_id))
    assert listed(response) == {first.pk, second.pk}
    content = response.content.decode()
    # Newest first.
    assert content.index(f'data-entry="{second.pk}"') < content.index(f'data-entry="{first.pk}"')
    rows = dict(re.findall(r'data-entry="(\d+)">(.*?)</tr>', content, re.S))
    row_first = html.unescape(rows[str(first.pk)])
    row_second = html.unescape(rows[str(second.pk)])
    # Danish time: UTC+1 in winter, UTC+2 in summer.
    assert "13:00:05" in row_first
    assert "14:00:05" in row_second
    necessary, statistics = danish("Necessary"), danish("Statistics")
    assert f"<td>{necessary}</td>" in row_first
    assert f"<td>{necessary}, {statistics}</td>" in row_second
    with translation.override("da"):
        assert str(Method.CUSTOM.label) in row_first
        assert str(Method.ACCEPT_ALL.label) in row_second
        assert translation.gettext("English") in row_first
        assert translation.gettext("Danish") in row_second
    # The exact banner text shown, escaped.
    assert "<details>" in row_first
    assert "We use cookies" in row_first
    assert "Necessary &amp; statistics &lt;b&gt;only&lt;/b&gt;." in rows[str(first.pk)]
    # The policy's public version number (as the policy page shows it) and when it was first
    # published, not the revision's database id.
    version, published = published_versions([policy.pk])[revision.pk]
    published = timezone.localtime(published)
    with translation.override("da"):
        label = translation.gettext("Version %(version)s, published %(date)s") % {
            "version": version,
            "date": date_format(published, "DATETIME_FORMAT"),
        }
    assert label in row_first
    # The site column, for a user who sees both sites.
    assert vvs_site.site_name in row_first


def test_search_by_consent_id_finds_exactly_that_visitors_entries(
    client, vvs_staff, el_staff, vvs_site
):
    visitor = uuid.uuid4()
    own = [
        record(vvs_site, days_ago(400), Method.ACCEPT_ALL, consent_id=visitor),
        record(vvs_site, days_ago(3), Method.CUSTOM, False, consent_id=visitor),
        record(vvs_site, days_ago(1), Method.WITHDRAW, False, consent_id=visitor),
    ]
    record(vvs_site, days_ago(1))  # someone else
    response = get(client, vvs_staff, consent_id=str(visitor).upper())
    # At any time, not only the default period.
    assert listed(response) == {entry.pk for entry in own}
    assert "data-count" not in response.content.decode()
    # Staff of the other company find nothing.
    assert listed(get(client, el_staff, consent_id=str(visitor))) == set()
    assert danish("No entries for this consent id on your sites.") in page_text(
        get(client, el_staff, consent_id=str(visitor))
    )


def test_an_invalid_consent_id_is_a_form_error(client, vvs_staff, vvs_site):
    record(vvs_site, days_ago(1))
    response = get(client, vvs_staff, consent_id="1234-not-an-id")
    text = page_text(response)
    error = danish(
        "Enter a consent id exactly as the visitor gave it, for example "
        "3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c."
    )
    assert error in text
    assert listed(response) == set()


def test_date_filter_defaults_to_the_last_30_days(client, vvs_staff, vvs_site):
    today = timezone.localdate()

    def at_noon(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    recent = record(vvs_site, at_noon(today - timedelta(days=5)))
    oldest_in = record(vvs_site, at_noon(today - timedelta(days=DEFAULT_DAYS - 1)))
    just_out = record(vvs_site, at_noon(today - timedelta(days=DEFAULT_DAYS)))
    old = record(vvs_site, at_noon(today - timedelta(days=40)))
    response = get(client, vvs_staff)
    assert listed(response) == {recent.pk, oldest_in.pk}
    # The form shows the default dates.
    text = page_text(response)
    assert f'value="{(today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()}"' in text
    assert f'value="{today.isoformat()}"' in text

    # An explicit period, both ends included.
    start, end = today - timedelta(days=40), today - timedelta(days=DEFAULT_DAYS)
    response = get(client, vvs_staff, date_from=start.isoformat(), date_to=end.isoformat())
    assert listed(response) == {just_out.pk, old.pk}
    assert counts(response)["total"] == 2
    # One day: only that day's entry.
    response = get(client, vvs_staff, date_from=start.isoformat(), date_to=start.isoformat())
    assert listed(response) == {old.pk}
    # No start: everything up to the end.
    response = get(client, vvs_staff, date_from="", date_to=today.isoformat())
    assert listed(response) == {recent.pk, oldest_in.pk, just_out.pk, old.pk}


def test_a_period_ending_before_it_starts_is_a_form_error(client, vvs_staff):
    response = get(client, vvs_staff, date_from="2026-02-01", date_to="2026-01-01")
    assert danish("The end date is before the start date.") in page_text(response)
    assert get(client, vvs_staff, date_from="nonsense").status_code == 200


def test_entries_are_paginated_by_50(client, vvs_staff, vvs_site):
    version = banner(vvs_site)
    for minutes in range(PAGE_SIZE + 1):
        record(vvs_site, days_ago(1) - timedelta(minutes=minutes), banner_text=version)
    first = get(client, vvs_staff)
    assert len(listed(first)) == PAGE_SIZE
    second = get(client, vvs_staff, p=2)
    assert len(listed(second)) == 1
    assert listed(first).isdisjoint(listed(second))
    assert counts(second)["total"] == PAGE_SIZE + 1


# -- the privacy policy revisions it points at --------------------------------------------------


def test_a_policy_whose_revision_the_log_points_at_is_in_use(vvs_site, el_site):
    assert policy_shown_with_cookie_choices in hooks.get_hooks(POLICY_IN_USE_HOOK)
    vvs_policy, el_policy = policy_page(vvs_site), policy_page(el_site)
    assert not policy_shown_with_cookie_choices(vvs_policy)
    record(vvs_site, days_ago(1), policy_revision=vvs_policy.latest_revision)
    assert policy_shown_with_cookie_choices(vvs_policy)
    assert not policy_shown_with_cookie_choices(el_policy)


def test_a_policy_the_log_points_at_cannot_be_deleted(client, superuser, vvs_site):
    policy = policy_page(vvs_site)
    record(vvs_site, days_ago(1), policy_revision=policy.latest_revision)
    client.force_login(superuser)
    response = client.post(reverse("wagtailadmin_pages:delete", args=[policy.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[policy.pk])
    assert Page.objects.filter(pk=policy.pk).exists()
    assert Site.objects.filter(pk=vvs_site.pk).exists()
    assert any("cookie" in str(message) for message in get_messages(response.wsgi_request)), (
        "refused by the consent log's hook"
    )
