"""A customer-service employee opens Reports → Besøgsstatistik and reads last month's visits."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics.models import DailyPageStat, DailyReferrerStat, DailySiteStat
from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("/", 9, 5),
    ("/ydelser/", 5, 2),
    ("/ydelser/badevaerelse/", 4, 2),
    ("/kontakt/", 3, 1),
    ("/tilbud/", 2, 1),
    ("/om-os/", 1, 0),
]
REFERRERS = [
    ("search", "Google", 4),
    ("search", "Bing", 1),
    ("own", "mihel.dk", 1),
    ("other", "krak.dk", 1),
]


@pytest.fixture
def month_of_visits(vvs_site, el_site):
    """30 days of MIH VVS traffic, quiet at weekends and with two days not counted at all."""
    today = timezone.localdate()
    for offset in range(30):
        day = today - timedelta(days=offset)
        if offset in (12, 13):
            continue  # e.g. the worker was down
        scale = 1 if day.weekday() >= 5 else 4 + (offset * 7) % 5
        DailySiteStat.objects.create(
            site=vvs_site,
            day=day,
            page_views=scale * 24,
            visits=scale * 8,
            visitors=scale * 6,
            returning_visitors=scale,
        )
        for path, views, entries in PAGES:
            DailyPageStat.objects.create(
                site=vvs_site, day=day, path=path, views=scale * views, entries=scale * entries
            )
        for kind, source, visits in REFERRERS:
            DailyReferrerStat.objects.create(
                site=vvs_site, day=day, kind=kind, source=source, visits=scale * visits
            )
    # MIH El's figures, which MIH VVS staff must never see.
    DailySiteStat.objects.create(site=el_site, day=today, page_views=77777, visitors=7777)


def settled(page, failed, reload=True):
    """Wait until the page has loaded everything. On SQLite only: when one of the admin's
    parallel requests (icon sprite, translations) was refused with 400 because the shared
    in-memory test database was locked by another one saving its session, load the page again
    (up to three times), so the screenshot shows the admin as it is."""
    for _attempt in range(3):
        page.wait_for_load_state("networkidle")
        if not failed or connection.vendor != "sqlite" or not reload:
            break
        failed.clear()
        page.reload()
    assert not failed, failed


def test_staff_read_their_visit_statistics(
    browser, site_url, vvs_staff, month_of_visits, screenshot
):
    # Tall enough for the whole report: Wagtail's admin scrolls inside its own layout, so a
    # "full page" screenshot is only the viewport.
    context = browser.new_context(viewport={"width": 1280, "height": 1700}, locale="da-DK")
    page = context.new_page()
    violations = []  # the report has no script of its own: nothing for the CSP to block
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(site_url("mihvvs", "/admin/login/"))
    page.locator("input[name=username]").fill(vvs_staff.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log ind", re.I)).click()

    # Reports → Besøgsstatistik in the sidebar.
    page.get_by_role("button", name=re.compile("Rapporter|Reports")).click()
    page.get_by_role("link", name=re.compile("Besøgsstatistik|Visit statistics")).click()
    expect(page).to_have_url(re.compile("/admin/besoegsstatistik/$"))
    settled(page, failed)

    chart = page.locator("svg.visit-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    assert chart.locator("rect.visit-chart__day").count() == 30
    expect(page.locator("#visit-stats-pages tbody tr")).to_have_count(len(PAGES))
    expect(page.locator("#visit-stats-pages tbody tr").first).to_contain_text("/")
    expect(page.locator("#visit-stats-referrers tbody tr").first).to_contain_text("Google")
    expect(page.get_by_text("77.777")).to_have_count(0)
    # The daily table is folded away until asked for.
    table = page.locator("#visit-stats-days")
    expect(table).to_be_hidden()
    page.locator("details.visit-stats__details summary").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(30)
    page.locator("details.visit-stats__details summary").click()
    screenshot(page, "statistics-report")

    # A reversed period: the form says so and the default period is shown.
    page.locator("input[name=from]").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.locator("input[name=to]").fill((timezone.localdate() - timedelta(days=9)).isoformat())
    page.locator(".visit-stats__filters button[type=submit]").click()
    settled(page, failed)
    expect(page.locator(".help-block.help-critical")).to_contain_text(
        re.compile("slutdato|end date")
    )
    assert page.locator("svg.visit-chart rect.visit-chart__day").count() == 30
    screenshot(page, "statistics-report-error")

    # On a phone the chart scrolls sideways instead of shrinking to nothing.
    page.set_viewport_size({"width": 390, "height": 1400})
    page.goto(site_url("mihvvs", "/admin/besoegsstatistik/"))
    settled(page, failed)
    chart = page.locator("svg.visit-chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 390
    screenshot(page, "statistics-report-phone")
    context.close()
    assert not violations, violations


def test_the_owner_switches_between_the_sites(
    browser, site_url, superuser, vvs_site, el_site, month_of_visits, screenshot
):
    context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="da-DK")
    page = context.new_page()
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(site_url("mihvvs", "/admin/login/"))
    page.locator("input[name=username]").fill(superuser.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log ind", re.I)).click()
    page.goto(site_url("mihvvs", f"/admin/besoegsstatistik/?site={vvs_site.pk}"))
    settled(page, failed)
    expect(page.locator(".visit-stats__total dd").first).to_have_text("3.240")

    page.locator("select[name=site]").select_option(label=el_site.site_name)
    page.locator(".visit-stats__filters button[type=submit]").click()
    settled(page, failed)
    expect(page.locator(".visit-stats__total dd").first).to_have_text("77.777")
    expect(page.locator("select[name=site]")).to_have_value(str(el_site.pk))
    expect(page.locator("#visit-stats-pages")).to_have_count(0)  # MIH El has no page rows
    screenshot(page, "statistics-report-superuser")
    context.close()
