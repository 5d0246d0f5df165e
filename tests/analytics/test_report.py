"""Reports → Visit statistics: the numbers, the period, the chart, and who may see which site."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from analytics.chart import SVG_NS, nice_ticks, visits_chart
from analytics.models import DailyPageStat, DailyReferrerStat, DailySiteStat
from analytics.report import DEFAULT_DAYS, MAX_DAYS, Day
from tests.assertions import assert_permission_denied, assert_sent_to_login

pytestmark = pytest.mark.django_db

URL = reverse("analytics_report")
SVG = f"{{{SVG_NS}}}"  # ElementTree's prefix for SVG tags


def today():
    return timezone.localdate()


def ago(days):
    return today() - timedelta(days=days)


def da(message):
    """``message`` as the Danish admin shows it (the msgid until the catalogue has it)."""
    with translation.override("da"):
        return translation.gettext(message)


def site_day(site, day, page_views, visits=0, visitors=0, returning=0):
    return DailySiteStat.objects.create(
        site=site,
        day=day,
        page_views=page_views,
        visits=visits,
        visitors=visitors,
        returning_visitors=returning,
    )


@pytest.fixture
def vvs_stats(vvs_site):
    """Three days inside the last 30, one long before; pages and referrers to match."""
    site_day(vvs_site, ago(0), 120, visits=40, visitors=30, returning=5)
    site_day(vvs_site, ago(3), 80, visits=25, visitors=20, returning=4)
    site_day(vvs_site, ago(10), 7, visits=3, visitors=3, returning=0)
    site_day(vvs_site, ago(45), 9000, visits=900, visitors=800, returning=100)  # outside
    for day, path, views, entries in [
        (ago(0), "/", 50, 30),
        (ago(3), "/", 30, 15),
        (ago(0), "/ydelser/vvs/", 40, 6),
        (ago(3), "/kontakt/", 45, 4),
        (ago(10), "/kontakt/", 7, 3),
        (ago(45), "/gammel-side/", 9000, 900),  # outside
    ]:
        DailyPageStat.objects.create(
            site=vvs_site, day=day, path=path, views=views, entries=entries
        )
    for day, kind, source, visits in [
        (ago(0), "search", "Google", 12),
        (ago(3), "search", "Google", 8),
        (ago(3), "search", "Bing", 2),
        (ago(0), "own", "mihel.dk", 4),
        (ago(10), "other", "krak.dk", 3),
        (ago(45), "other", "gammel.dk", 500),  # outside
    ]:
        DailyReferrerStat.objects.create(
            site=vvs_site, day=day, kind=kind, source=source, visits=visits
        )


@pytest.fixture
def el_stats(el_site):
    site_day(el_site, ago(1), 555, visits=55, visitors=44, returning=3)
    DailyPageStat.objects.create(site=el_site, day=ago(1), path="/el-side/", views=555, entries=55)
    DailyReferrerStat.objects.create(
        site=el_site, day=ago(1), kind="other", source="el-kilde.dk", visits=9
    )


def chart_of(response):
    """The report's chart, parsed as XML (which fails unless it is well-formed)."""
    match = re.search(r'<svg[^>]*class="visit-chart".*?</svg>', response.content.decode(), re.S)
    assert match, "no chart on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own page


def chart_days(svg):
    return [
        (rect.get("data-day"), int(rect.get("data-page-views")), int(rect.get("data-visitors")))
        for rect in svg.iter(f"{SVG}rect")
        if rect.get("class") == "visit-chart__day"
    ]


def table_rows(response, table_id):
    """The cell texts of each body row of the table with ``table_id``."""
    content = response.content.decode()
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', content, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# The numbers ---------------------------------------------------------------------------------


def test_totals_for_the_default_period_leave_older_days_out(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.start, report.end) == (ago(DEFAULT_DAYS - 1), today())
    totals = report.totals
    assert (totals.page_views, totals.visits, totals.visitors, totals.returning_visitors) == (
        207,
        68,
        53,
        9,
    )
    content = response.content.decode()
    assert da("Visitors (sum of daily)") in content
    assert "9.000" not in content and "9000" not in content  # the day 45 days ago


def test_top_pages_are_summed_over_the_period_most_viewed_first(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL)
    assert table_rows(response, "visit-stats-pages") == [
        ["/", "80", "45"],
        ["/kontakt/", "52", "7"],
        ["/ydelser/vvs/", "40", "6"],
    ]


def test_top_pages_show_twenty(client, vvs_staff, vvs_site):
    site_day(vvs_site, ago(1), 1000)
    for number in range(25):
        DailyPageStat.objects.create(
            site=vvs_site, day=ago(1), path=f"/side-{number}/", views=100 - number, entries=1
        )
    client.force_login(vvs_staff)
    rows = table_rows(client.get(URL), "visit-stats-pages")
    assert [row[0] for row in rows] == [f"/side-{number}/" for number in range(20)]


def test_referrers_are_grouped_by_source_with_translated_kinds(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    rows = table_rows(client.get(URL), "visit-stats-referrers")
    assert rows == [
        ["Google", da("Search engine"), "20"],
        ["mihel.dk", da("Our other site"), "4"],
        ["krak.dk", da("Website"), "3"],
        ["Bing", da("Search engine"), "2"],
    ]


def test_a_chosen_period_counts_only_its_days(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL, {"from": ago(5).isoformat(), "to": ago(1).isoformat()})
    report = response.context["report"]
    assert (report.start, report.end) == (ago(5), ago(1))
    assert report.totals.page_views == 80  # only the day 3 days ago
    assert table_rows(response, "visit-stats-pages") == [
        ["/kontakt/", "45", "4"],
        ["/", "30", "15"],
    ]
    assert table_rows(response, "visit-stats-referrers") == [
        ["Google", da("Search engine"), "8"],
        ["Bing", da("Search engine"), "2"],
    ]


def test_danish_dates_are_accepted(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL, {"from": f"{ago(5):%d.%m.%Y}", "to": f"{ago(1):%d.%m.%Y}"})
    report = response.context["report"]
    assert (report.start, report.end) == (ago(5), ago(1))


# The chart -----------------------------------------------------------------------------------


def test_the_chart_has_every_day_of_the_period_with_zeros(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL, {"from": ago(11).isoformat(), "to": ago(0).isoformat()})
    svg = chart_of(response)
    days = chart_days(svg)
    assert len(days) == 12
    assert days[0] == (ago(11).isoformat(), 0, 0)
    assert days[1] == (ago(10).isoformat(), 7, 3)
    assert days[8] == (ago(3).isoformat(), 80, 20)
    assert days[-1] == (ago(0).isoformat(), 120, 30)
    assert sum(1 for _, views, _ in days if views == 0) == 9
    # One bar and one dot per day, zero days too.
    classes = [element.get("class") for element in svg.iter()]
    assert classes.count("visit-chart__bar") == 12
    assert classes.count("visit-chart__point") == 12
    # The same numbers in the table for screen readers (and anyone who wants them).
    rows = table_rows(response, "visit-stats-days")
    assert len(rows) == 12
    assert [row[1:] for row in rows][:2] == [["0", "0", "0", "0"], ["7", "3", "3", "0"]]


def test_the_chart_is_an_accessible_image(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    svg = chart_of(client.get(URL))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and desc.text
    assert "207" in desc.text  # the page views of the period
    # Value ticks and a few date labels.
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert "0" in texts
    with translation.override("da"):
        assert any(re.fullmatch(r"\d{1,2}\. [a-zæøå]{3}", text or "") for text in texts)
    assert len(texts) < 20


def test_the_chart_escapes_and_stays_well_formed_for_a_year():
    days = [
        Day(day=ago(offset), page_views=offset % 7, visitors=offset % 3) for offset in range(366)
    ]
    svg = ET.fromstring(str(visits_chart(list(reversed(days)))))  # noqa: S314 - ours
    assert len(chart_days(svg)) == 366
    assert not [e for e in svg.iter() if e.get("class") == "visit-chart__point"]  # line only


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(120) == [0, 50, 100, 150]
    assert nice_ticks(1000) == [0, 250, 500, 750, 1000]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]


# The period ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"from": "banan", "to": ""},
        {"from": "2026-02-30"},
        {"to": "31.13.2026"},
    ],
)
def test_a_date_that_is_not_one_shows_the_error_and_the_default_period(
    client, vvs_staff, vvs_stats, params
):
    client.force_login(vvs_staff)
    response = client.get(URL, params)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.start, report.end) == (ago(DEFAULT_DAYS - 1), today())
    assert response.context["form"].errors
    with translation.override("da"):
        notice = translation.ngettext(
            "The period could not be used. Showing the last %(days)s day up to today instead.",
            "The period could not be used. Showing the last %(days)s days up to today instead.",
            DEFAULT_DAYS,
        ) % {"days": DEFAULT_DAYS}
    content = response.content.decode()
    assert notice in content
    assert da("Enter a valid date, for example 31.12.2026.") in content
    assert report.totals.page_views == 207


def test_a_reversed_period_shows_the_error_and_the_default_period(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL, {"from": ago(1).isoformat(), "to": ago(5).isoformat()})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.start, report.end) == (ago(DEFAULT_DAYS - 1), today())
    assert da("The start date must be on or before the end date.") in response.content.decode()


def test_a_long_period_is_shortened_with_a_notice(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL, {"from": ago(1000).isoformat(), "to": ago(0).isoformat()})
    report = response.context["report"]
    assert (report.start, report.end) == (ago(MAX_DAYS - 1), today())
    assert report.day_count == MAX_DAYS
    assert len(chart_days(chart_of(response))) == MAX_DAYS
    assert response.context["shortened"]
    assert report.totals.page_views == 9207  # the day 45 days ago is inside now
    # The fields show the period shown.
    content = response.content.decode()
    assert f'name="from" value="{ago(MAX_DAYS - 1).isoformat()}"' in content
    assert f'name="to" value="{today().isoformat()}"' in content


def test_the_fields_show_the_period_shown(client, superuser, el_site, el_stats):
    client.force_login(superuser)
    content = client.get(URL, {"site": el_site.pk}).content.decode()
    assert f'name="from" value="{ago(DEFAULT_DAYS - 1).isoformat()}"' in content
    assert f'name="to" value="{today().isoformat()}"' in content
    content = client.get(URL, {"from": ago(3).isoformat()}).content.decode()
    assert f'name="from" value="{ago(3).isoformat()}"' in content
    assert f'name="to" value="{today().isoformat()}"' in content


def test_the_far_ends_of_the_calendar_are_no_500(client, vvs_staff, vvs_site):
    client.force_login(vvs_staff)
    for params in [
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"to": "0001-01-02"},
        {"from": "9999-12-31"},
        {"from": "99999-01-01"},
    ]:
        assert client.get(URL, params).status_code == 200, params


# The empty state -----------------------------------------------------------------------------


def test_before_anything_is_counted_the_report_says_how_it_starts(client, vvs_staff, vvs_site):
    client.force_login(vvs_staff)
    content = client.get(URL).content.decode()
    assert da("No visits in the period") in content
    assert (
        da(
            "Counting starts when visitors arrive. The worker writes the statistics to the "
            "database every minute, so the first visits appear here shortly after."
        )
        in content
    )
    assert 'class="visit-chart"' not in content


def test_a_period_without_visits_says_so(client, vvs_staff, vvs_stats):
    client.force_login(vvs_staff)
    response = client.get(URL, {"from": ago(30).isoformat(), "to": ago(20).isoformat()})
    content = response.content.decode()
    assert da("No visits in the period") in content
    assert (
        da("No visits were counted on these days. Choose another period to see earlier visits.")
        in content
    )


# Who sees what -------------------------------------------------------------------------------


def test_el_staff_see_their_own_site_only(
    client, el_staff, vvs_site, el_site, vvs_stats, el_stats
):
    client.force_login(el_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["site"] == el_site
    assert response.context["report"].totals.page_views == 555
    content = response.content.decode()
    assert 'name="site"' not in content  # no chooser: one site
    assert vvs_site.site_name not in content
    assert "/kontakt/" not in content and "Google" not in content


def test_el_staff_asking_for_the_vvs_site_get_404(client, el_staff, vvs_site, vvs_stats):
    client.force_login(el_staff)
    assert client.get(URL, {"site": vvs_site.pk}).status_code == 404
    assert client.get(URL, {"site": "x"}).status_code == 404
    assert client.get(URL, {"site": 999999}).status_code == 404


def test_superusers_choose_between_both_sites(
    client, superuser, vvs_site, el_site, vvs_stats, el_stats
):
    client.force_login(superuser)
    response = client.get(URL)
    content = response.content.decode()
    options = re.findall(r'<option value="(\d+)"', content)
    assert sorted(options) == sorted([str(vvs_site.pk), str(el_site.pk)])
    first = response.context["site"]
    assert first.site_name == min(vvs_site.site_name, el_site.site_name)
    response = client.get(URL, {"site": vvs_site.pk})
    assert response.context["site"] == vvs_site
    assert response.context["report"].totals.page_views == 207
    assert re.search(rf'<option value="{vvs_site.pk}" selected>', response.content.decode())


def test_the_reports_menu_links_to_the_report_for_staff_only(
    client, vvs_staff, el_staff, superuser, vvs_editor
):
    for user, shown in [
        (vvs_staff, True),
        (el_staff, True),
        (superuser, True),
        (vvs_editor, False),
    ]:
        client.force_login(user)
        dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
        assert (URL in dashboard) is shown, user.username


def test_an_editor_without_submission_rights_is_refused(client, vvs_editor, vvs_stats):
    client.force_login(vvs_editor)
    assert_permission_denied(client.get(URL))


def test_anonymous_visitors_are_sent_to_the_login(client, vvs_stats):
    assert_sent_to_login(client.get(URL))
