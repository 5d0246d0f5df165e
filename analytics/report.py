"""Reports → Visit statistics ("Besøgsstatistik"): one site's counts for a period.

Who sees what: the same per-site permission as the submissions (``view_formsubmission``
through :func:`forms_app.permissions.sites_user_can`). Staff of one company see their own
site only; asking for another site's id answers 404, exactly as for a site that does not
exist. Users who may view no site's submissions get Wagtail's "permission denied" (and no
menu item, see :mod:`analytics.wagtail_hooks`).

The period is ``?from=`` and ``?to=`` (ISO dates, as the browser's date field sends them;
Danish ``31.12.2026`` is accepted too), both days included, Danish calendar days. Without
them, or when they cannot be used (not a date, the end before the start), the last
:data:`DEFAULT_DAYS` days up to today are shown, with the form's error. A period longer than
:data:`MAX_DAYS` is shortened to the :data:`MAX_DAYS` days up to its end, with a notice.

Everything shown is totals per site and day (``analytics.models``): no personal data.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.db.models import Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from forms_app.permissions import VIEW, sites_user_can

from . import days as statistics_days
from .chart import visits_chart
from .models import DailyPageStat, DailyReferrerStat, DailySiteStat

URL_NAME = "analytics_report"
DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP = 20

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]
INVALID_DATE = _("Enter a valid date, for example 31.12.2026.")


def report_sites(user):
    """The sites whose statistics ``user`` may see, in a stable order (the first is the
    default)."""
    return sites_user_can(user, VIEW).order_by("site_name", "pk")


def days_before(day, days):
    """``day`` minus ``days`` days, or the first date there is."""
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return date.min


def default_period(today):
    return days_before(today, DEFAULT_DAYS - 1), today


class DateInput(forms.DateInput):
    """The browser's own date field (no script, so nothing for the admin CSP to allow)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """The site (when the user may see more than one) and the period, sent with GET."""

    def __init__(self, data=None, *, sites, today):
        super().__init__(data)
        self.today = today
        if len(sites) > 1:
            self.fields["site"] = forms.ChoiceField(
                label=_("Site"),
                choices=[(str(site.pk), site.site_name) for site in sites],
                required=False,  # the view resolves ?site= itself (404 for another's)
            )
        start, end = default_period(today)
        self.fields["from"] = forms.DateField(
            label=_("From"),
            required=False,
            input_formats=DATE_INPUT_FORMATS,
            widget=DateInput(),
            initial=start,
            error_messages={"invalid": INVALID_DATE},
        )
        self.fields["to"] = forms.DateField(
            label=_("To"),
            required=False,
            input_formats=DATE_INPUT_FORMATS,
            widget=DateInput(),
            initial=end,
            error_messages={"invalid": INVALID_DATE},
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The start date must be on or before the end date."), code="reversed"
            )
        return cleaned

    def period(self):
        """``(start, end, shortened)``: the days to show, both included."""
        default_start, default_end = default_period(self.today)
        if not self.is_bound or not self.is_valid():
            return default_start, default_end, False
        start, end = self.cleaned_data.get("from"), self.cleaned_data.get("to")
        if end is None:
            end = max(self.today, start) if start else self.today
        if start is None:
            start = days_before(end, DEFAULT_DAYS - 1)
        if (end - start).days + 1 > MAX_DAYS:
            return days_before(end, MAX_DAYS - 1), end, True
        return start, end, False


@dataclass
class Day:
    day: date
    page_views: int = 0
    visits: int = 0
    visitors: int = 0
    returning_visitors: int = 0


@dataclass
class Totals:
    page_views: int = 0
    visits: int = 0
    visitors: int = 0
    returning_visitors: int = 0


@dataclass
class Report:
    site: object
    start: date
    end: date
    days: list = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    top_pages: list = field(default_factory=list)
    top_referrers: list = field(default_factory=list)
    has_rows: bool = False  # any statistics in the period
    ever_counted: bool = False  # any statistics for the site at all

    @property
    def day_count(self):
        return len(self.days)


def daily(site, start, end):
    """One :class:`Day` per calendar day from ``start`` to ``end``; days without a row are
    zeros. Also whether any row was found."""
    rows = {
        row.day: row for row in DailySiteStat.objects.filter(site=site, day__range=(start, end))
    }
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = rows.get(day)
        days.append(
            Day(day)
            if row is None
            else Day(day, row.page_views, row.visits, row.visitors, row.returning_visitors)
        )
    return days, bool(rows)


def top_pages(site, start, end, limit=TOP):
    """``[{"path", "views", "entries"}]``, most viewed first."""
    return list(
        DailyPageStat.objects.filter(site=site, day__range=(start, end))
        .values("path")
        .annotate(views=Sum("views"), entries=Sum("entries"))
        .order_by("-views", "-entries", "path")[:limit]
    )


def top_referrers(site, start, end, limit=TOP):
    """``[{"kind", "kind_label", "source", "visits"}]``, most visits first."""
    labels = dict(DailyReferrerStat.Kind.choices)
    rows = list(
        DailyReferrerStat.objects.filter(site=site, day__range=(start, end))
        .values("kind", "source")
        .annotate(visits=Sum("visits"))
        .order_by("-visits", "kind", "source")[:limit]
    )
    for row in rows:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    return rows


def build_report(site, start, end):
    days, has_rows = daily(site, start, end)
    report = Report(site=site, start=start, end=end, days=days, has_rows=has_rows)
    report.totals = Totals(
        page_views=sum(d.page_views for d in days),
        visits=sum(d.visits for d in days),
        visitors=sum(d.visitors for d in days),
        returning_visitors=sum(d.returning_visitors for d in days),
    )
    report.top_pages = top_pages(site, start, end)
    report.top_referrers = top_referrers(site, start, end)
    # Page and referrer rows without a site row for the day would be odd, but show them.
    report.has_rows = has_rows or bool(report.top_pages or report.top_referrers)
    report.ever_counted = report.has_rows or DailySiteStat.objects.filter(site=site).exists()
    return report


class VisitStatisticsView(WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Visit statistics")
    header_icon = "chart-bar"
    template_name = "analytics/report.html"

    def dispatch(self, request, *args, **kwargs):
        self.sites = list(report_sites(request.user))
        if not self.sites:
            return permission_denied(request)
        self.site = self.chosen_site(request.GET.get("site"))
        return super().dispatch(request, *args, **kwargs)

    def chosen_site(self, value):
        """The site asked for, which must be one the user may see (404 otherwise, as if it
        did not exist), or the first."""
        if value in (None, ""):
            return self.sites[0]
        for site in self.sites:
            if str(site.pk) == value:
                return site
        raise Http404

    def get_page_subtitle(self):
        return self.site.site_name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(URL_NAME), "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = statistics_days.today()
        bound = any(key in self.request.GET for key in ("site", "from", "to"))
        form = PeriodForm(self.request.GET if bound else None, sites=self.sites, today=today)
        start, end, shortened = form.period()
        rejected = form.is_bound and not form.is_valid()
        if not rejected:
            # The fields show the period shown (a missing or shortened end filled in).
            form = PeriodForm(sites=self.sites, today=today)
            form.initial = {"site": str(self.site.pk), "from": start, "to": end}
        report = build_report(self.site, start, end)
        context.update(
            form=form,
            form_rejected=rejected,
            shortened=shortened,
            max_days=MAX_DAYS,
            default_days=DEFAULT_DAYS,
            report=report,
            site=self.site,
            several_sites=len(self.sites) > 1,
            chart=visits_chart(report.days) if report.has_rows else "",
        )
        return context
