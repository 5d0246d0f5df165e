"""Reports → "Cookie-samtykker": the consent log, for the sites whose submissions the user may see.

Who sees what follows the submissions' per-site permission
(:func:`forms_app.permissions.sites_user_can` with ``VIEW``): staff of MIH El see MIH El's
choices only, superusers both sites; anyone else is refused (Wagtail sends them to the
dashboard with a message). A site id in the URL that is not one of the user's answers 404,
exactly as an unknown one.

The list is the chosen period's entries (default the last 30 days), newest first, 50 a page,
with the period's count per method and the share that chose statistics. A search by consent id
(the id in the visitor's consent cookie) lists that visitor's entries at any time, to answer
an access request about their choice. Times and dates are Danish time (``TIME_ZONE``).
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from forms_app.permissions import VIEW, sites_user_can
from home.models import published_versions

from .models import ConsentRecord
from .prune import retention_days

URL_NAME = "cookie_consent_log"
PAGE_SIZE = 50
DEFAULT_DAYS = 30
PAGE_PARAM = "p"


def danish_time_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today():
    return timezone.localdate(timezone=danish_time_zone())


def day_start(day):
    """The first moment of ``day`` in Danish time."""
    return datetime.combine(day, time.min, tzinfo=danish_time_zone())


class DateInput(forms.DateInput):
    """The browser's date picker, which sends and shows ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ConsentLogFilterForm(forms.Form):
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    consent_id = forms.UUIDField(
        label=_("Consent id"),
        required=False,
        help_text=_("Lists that visitor's choices at any time."),
        error_messages={
            "invalid": _(
                "Enter a consent id exactly as the visitor gave it, for example "
                "3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b5c."
            )
        },
    )

    def __init__(self, data, *, sites):
        super().__init__(data)
        if len(sites) > 1:
            self.fields["site"].choices = [("", _("All sites"))] + [
                (site.pk, site.site_name) for site in sites
            ]
        else:
            del self.fields["site"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class EntryPaginator(WagtailPaginator):
    @cached_property
    def items_count_label(self):
        return ngettext("%(count)s entry", "%(count)s entries", self.count) % {"count": self.count}


def method_counts(entries):
    """The count per method of ``entries`` (a queryset), their total and the number and share
    (whole per cent) whose choice includes statistics: one aggregate query."""
    methods = ConsentRecord.Method
    totals = entries.order_by().aggregate(
        total=Count("pk"),
        statistics=Count("pk", filter=Q(statistics=True)),
        **{method.value: Count("pk", filter=Q(method=method.value)) for method in methods},
    )
    total = totals["total"]
    return {
        "total": total,
        "methods": [(method.value, method.label, totals[method.value]) for method in methods],
        "statistics": totals["statistics"],
        "statistics_share": round(100 * totals["statistics"] / total) if total else None,
    }


@method_decorator(never_cache, name="dispatch")
class ConsentLogView(WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Cookie consents")
    header_icon = "clipboard-list"
    template_name = "cookie_consent/admin/consent_log.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    @cached_property
    def sites(self):
        return list(sites_user_can(self.request.user, VIEW).order_by("site_name"))

    def dispatch(self, request, *args, **kwargs):
        if not self.sites:
            raise PermissionDenied
        site_param = request.GET.get("site")
        if site_param and site_param not in {str(site.pk) for site in self.sites}:
            # Another company's site, or none at all: the same answer.
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        data = self.request.GET.copy()
        data.pop(PAGE_PARAM, None)
        # The period defaults to the last 30 days (today included); a date the user emptied
        # stays empty (no bound on that side).
        data.setdefault("date_from", (today() - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
        data.setdefault("date_to", today().isoformat())
        return ConsentLogFilterForm(data, sites=self.sites)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_form()
        context.update(
            form=form,
            show_site=len(self.sites) > 1,
            time_zone=settings.TIME_ZONE,
            retention_days=retention_days(),
        )
        if not form.is_valid():
            context.update(entries=None, counts=None)
            return context

        data = form.cleaned_data
        site_id = data.get("site")
        sites = [site for site in self.sites if site_id is None or site.pk == site_id]
        entries = ConsentRecord.objects.filter(site__in=sites)
        consent_id = data["consent_id"]
        if consent_id:
            # An access request: all of that visitor's choices, whatever the period.
            entries = entries.filter(consent_id=consent_id)
            counts = None
        else:
            if data["date_from"]:
                entries = entries.filter(created_at__gte=day_start(data["date_from"]))
            if data["date_to"]:
                end = day_start(data["date_to"] + timedelta(days=1))
                entries = entries.filter(created_at__lt=end)
            counts = method_counts(entries)

        entries = (
            entries.select_related("site", "banner_text", "policy_revision")
            .defer("policy_revision__content")
            .order_by("-created_at", "-id")
        )
        paginator = EntryPaginator(entries, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get(PAGE_PARAM))
        languages = dict(settings.LANGUAGES)
        # The policy's public version number ("Version 2", as the policy page shows it) and
        # when that version was first published, for the revisions on this page of entries.
        versions = published_versions(
            {e.policy_revision.object_id for e in page if e.policy_revision is not None}
        )
        for entry in page:
            entry.language_label = languages.get(entry.language, entry.language)
            entry.policy_version = versions.get(entry.policy_revision_id)
        context.update(
            entries=page,
            elided_page_range=paginator.get_elided_page_range(page.number),
            counts=counts,
            consent_id=consent_id,
        )
        return context
