"""Reports → Visit statistics: its URL and menu item (the view is :mod:`analytics.report`)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from forms_app.permissions import VIEW
from forms_app.permissions import submission_permission_policy as policy

from .report import URL_NAME, VisitStatisticsView


@hooks.register("register_admin_urls")
def register_visit_statistics_url():
    return [path("besoegsstatistik/", VisitStatisticsView.as_view(), name=URL_NAME)]


class VisitStatisticsMenuItem(MenuItem):
    """Shown to users who may see the submissions of at least one site: the statistics use
    the same per-site permission."""

    def is_shown(self, request):
        return policy.user_has_permission(request.user, VIEW)


@hooks.register("register_reports_menu_item")
def register_visit_statistics_menu_item():
    return VisitStatisticsMenuItem(
        _("Visit statistics"),
        reverse_lazy(URL_NAME),
        name="visit-statistics",
        icon_name="chart-bar",
        order=50,
    )


@hooks.register("register_icons")
def register_chart_icon(icons):
    return [*icons, "analytics/icons/chart-bar.svg"]
