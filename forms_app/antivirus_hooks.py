"""The "Virus scanner" report: infected uploads refused, per month and kind, for the owner.

Superusers only (the owner of both companies): it lists both sites. Rows come from
:class:`forms_app.models.VirusDetection` and hold no personal data: when, what kind of upload,
which site if known, and the scanner's name for what it found.
"""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.template.response import TemplateResponse
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem

from cms.antivirus import Upload

from .models import VirusDetection

LATEST = 50


def monthly_counts():
    """``[{"month": datetime, "counts": [count per Upload kind], "total": int}]``, newest first."""
    rows = (
        VirusDetection.objects.annotate(month=TruncMonth("detected_at"))
        .values("month", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    months = {}
    for row in rows:
        months.setdefault(row["month"], {})[row["kind"]] = row["count"]
    return [
        {
            "month": month,
            "counts": [by_kind.get(kind, 0) for kind in Upload.values],
            "total": sum(by_kind.values()),
        }
        for month, by_kind in sorted(months.items(), reverse=True)
    ]


def antivirus_report(request):
    if not request.user.is_superuser:
        return permission_denied(request)
    return TemplateResponse(
        request,
        "forms_app/admin/antivirus_report.html",
        {
            "kinds": Upload.labels,
            "months": monthly_counts(),
            "latest": VirusDetection.objects.select_related("site")[:LATEST],
        },
    )


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_admin_urls")
def register_antivirus_report_url():
    return [path("virusscanner/", antivirus_report, name="mih_antivirus_report")]


@hooks.register("register_reports_menu_item")
def register_antivirus_report_menu_item():
    return SuperuserMenuItem(
        _("Virus scanner"),
        reverse_lazy("mih_antivirus_report"),
        icon_name="warning",
        order=950,
    )
